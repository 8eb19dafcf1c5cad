/**
 * What identifies an imported resource, so an import never creates what the chart already
 * holds: its identifiers, for clinical types its code and date, and always its content hash.
 * Patient data is looked up only within the patient's own compartment (`patient=`); shared
 * resources (Practitioner, Organization, Location, Medication, …) only by identifiers of
 * strong, registry-issued systems (NPI and the like), since a name, an address or a code is
 * not enough to call someone else's record the same. Pure: the searches live in `existing.ts`.
 */
import type { CodeableConcept, Resource } from '@medplum/fhirtypes';
import { contentHash } from '../fhir/content-hash';
import { REGISTRY_SYSTEMS } from '../fhir/systems';
import { PATIENT_DATA_TYPES } from './patient-data-types';

/**
 * Imported types that are not one patient's own data: looked up only by registry identifiers.
 * Every other importable type belongs to one patient, named by its `patient` search parameter.
 */
const SHARED_TYPES: ReadonlySet<string> = new Set([
  'Binary',
  'Endpoint',
  'Location',
  'Medication',
  'Organization',
  'Patient',
  'Practitioner',
  'PractitionerRole',
]);

/** Types that belong to one patient, with the search parameter naming that patient. */
export const PATIENT_PARAM: Readonly<Record<string, string>> = Object.fromEntries(
  [...PATIENT_DATA_TYPES].filter((type) => !SHARED_TYPES.has(type)).map((type) => [type, 'patient'])
);

/** Registry identifier systems (NPI and the like): strong enough to take a shared resource as the same. */
export const STRONG_IDENTIFIER_SYSTEMS: ReadonlySet<string> = new Set(Object.keys(REGISTRY_SYSTEMS));

/** Per clinical type: the search parameter of its code and where the code and date are. */
interface ClinicalKey {
  code: [param: string, path: string];
  dates: string[];
  /** A state (a problem, an allergy) rather than an event: the code alone identifies it. */
  state?: boolean;
}

const CLINICAL: Readonly<Record<string, ClinicalKey>> = {
  AllergyIntolerance: { code: ['code', 'code'], dates: ['recordedDate'], state: true },
  Condition: { code: ['code', 'code'], dates: ['onsetDateTime'], state: true },
  DiagnosticReport: { code: ['code', 'code'], dates: ['effectiveDateTime', 'effectivePeriod.start'] },
  DocumentReference: { code: ['type', 'type'], dates: ['date'] },
  Encounter: { code: ['type', 'type'], dates: ['period.start'] },
  Immunization: { code: ['vaccine-code', 'vaccineCode'], dates: ['occurrenceDateTime'] },
  MedicationAdministration: { code: ['code', 'medicationCodeableConcept'], dates: ['effectiveDateTime'] },
  MedicationDispense: { code: ['code', 'medicationCodeableConcept'], dates: ['whenHandedOver'] },
  MedicationRequest: { code: ['code', 'medicationCodeableConcept'], dates: ['authoredOn'] },
  MedicationStatement: {
    code: ['code', 'medicationCodeableConcept'],
    dates: ['effectiveDateTime', 'effectivePeriod.start'],
    state: true,
  },
  Observation: {
    code: ['code', 'code'],
    dates: ['effectiveDateTime', 'effectiveInstant', 'effectivePeriod.start'],
  },
  Procedure: { code: ['code', 'code'], dates: ['performedDateTime', 'performedPeriod.start'] },
};

export interface DedupeKeys {
  /** `system|value` of the identifiers that count (all for patient data, strong ones for shared). */
  identifiers: string[];
  /** The code search parameter, the resource's `system|code` tokens, and its date if it has one. */
  clinical?: { param: string; codes: string[]; date?: string };
  /** The content hash (see `fhir/content-hash.ts`). */
  hash: string;
}

/** The keys of a patient's resource, prepared for import (no id, attachment data still inline). */
export function dedupeKeys(resource: Resource): DedupeKeys {
  const keys: DedupeKeys = { identifiers: identifierTokens(resource, false), hash: contentHash(resource) };
  const clinical = CLINICAL[resource.resourceType];
  if (clinical) {
    const r = resource as unknown as Record<string, unknown>;
    const codes = codeTokens(valueAt(r, clinical.code[1]));
    const date = clinical.dates.map((path) => valueAt(r, path)).find((v): v is string => typeof v === 'string');
    // An event without a date cannot be told from the next one of the same kind.
    if (codes.length > 0 && (date !== undefined || clinical.state)) {
      keys.clinical = { param: clinical.code[0], codes, ...(date !== undefined && { date }) };
    }
  }
  return keys;
}

/** Whether `existing`, found by the clinical search, is the same as the incoming keys say. */
export function sameClinical(existing: Resource, keys: DedupeKeys): boolean {
  const clinical = keys.clinical;
  const key = CLINICAL[existing.resourceType];
  if (!clinical || !key) {
    return false;
  }
  const r = existing as unknown as Record<string, unknown>;
  const codes = new Set(codeTokens(valueAt(r, key.code[1])));
  if (!clinical.codes.some((c) => codes.has(c))) {
    return false;
  }
  const date = key.dates.map((path) => valueAt(r, path)).find((v): v is string => typeof v === 'string');
  // Without a date, only a state (a problem, an allergy) has a clinical key: its code is enough.
  return clinical.date === undefined || sameTime(date, clinical.date);
}

/** The `system|code` tokens of a clinical resource's code (what the clinical search looks for). */
export function codesOf(resource: Resource): string[] {
  const key = CLINICAL[resource.resourceType];
  return key ? codeTokens(valueAt(resource as unknown as Record<string, unknown>, key.code[1])) : [];
}

/** The `system|value` tokens of a resource's identifiers. */
export function identifierTokens(resource: Resource, strongOnly: boolean): string[] {
  // `identifier` is a list on most types and a single Identifier on a few (Composition, Bundle).
  const value: unknown = (resource as { identifier?: unknown }).identifier;
  const tokens: string[] = [];
  for (const identifier of Array.isArray(value) ? (value as unknown[]) : [value]) {
    const { system, value: v } = (identifier ?? {}) as { system?: unknown; value?: unknown };
    if (typeof system === 'string' && typeof v === 'string' && system && v) {
      if (!strongOnly || STRONG_IDENTIFIER_SYSTEMS.has(system)) {
        tokens.push(`${system}|${v}`);
      }
    }
  }
  return tokens;
}

function codeTokens(value: unknown): string[] {
  const codings = (value as CodeableConcept | undefined)?.coding ?? [];
  return codings.flatMap((c) => (c.system && c.code ? [`${c.system}|${c.code}`] : []));
}

/** The same instant (or, for dates without a time, the same text). */
function sameTime(a: string | undefined, b: string): boolean {
  if (a === undefined) {
    return false;
  }
  if (a === b) {
    return true;
  }
  const x = Date.parse(a);
  return !Number.isNaN(x) && a.length > 10 && b.length > 10 && x === Date.parse(b);
}

function valueAt(resource: Record<string, unknown>, path: string): unknown {
  let value: unknown = resource;
  for (const key of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}
