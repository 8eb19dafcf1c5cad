/**
 * The `ifNoneExist` condition that keeps an import from creating what the server already has:
 * an identifier when the resource has one; else, for clinical types, the patient with the
 * resource's code and date (AllergyIntolerance and others search by `patient`); Medication by
 * code; Practitioner and Organization by exact name and address.
 */
import type { CodeableConcept, Resource } from '@medplum/fhirtypes';

/** Per clinical type: search parameter of its code and date, and where they are in the resource. */
interface ClinicalKey {
  code: [param: string, path: string];
  date?: [param: string, paths: string[]];
  /** A state (a problem, an allergy) rather than an event: the code alone identifies it. */
  state?: boolean;
}

const CLINICAL: Record<string, ClinicalKey> = {
  AllergyIntolerance: { code: ['code', 'code'], date: ['date', ['recordedDate']], state: true },
  Condition: { code: ['code', 'code'], date: ['onset-date', ['onsetDateTime']], state: true },
  DiagnosticReport: { code: ['code', 'code'], date: ['date', ['effectiveDateTime', 'effectivePeriod.start']] },
  DocumentReference: { code: ['type', 'type'], date: ['date', ['date']] },
  Encounter: { code: ['type', 'type'], date: ['date', ['period.start']] },
  Immunization: { code: ['vaccine-code', 'vaccineCode'], date: ['date', ['occurrenceDateTime']] },
  MedicationAdministration: {
    code: ['code', 'medicationCodeableConcept'],
    date: ['effective-time', ['effectiveDateTime']],
  },
  MedicationDispense: { code: ['code', 'medicationCodeableConcept'], date: ['whenhandedover', ['whenHandedOver']] },
  MedicationRequest: { code: ['code', 'medicationCodeableConcept'], date: ['authoredon', ['authoredOn']] },
  MedicationStatement: {
    code: ['code', 'medicationCodeableConcept'],
    date: ['effective', ['effectiveDateTime', 'effectivePeriod.start']],
    state: true,
  },
  Observation: {
    code: ['code', 'code'],
    date: ['date', ['effectiveDateTime', 'effectiveInstant', 'effectivePeriod.start']],
  },
  Procedure: { code: ['code', 'code'], date: ['date', ['performedDateTime', 'performedPeriod.start']] },
};

/**
 * The condition for a resource, or undefined when nothing identifies it safely.
 * `patient` is the target Patient's server reference, or undefined when the Patient is created
 * by this import (then nothing of theirs can exist yet).
 */
export function ifNoneExistFor(resource: Resource, patient: string | undefined): string | undefined {
  // `identifier` is a list on most types and a single Identifier on a few (Composition, Bundle).
  const identifiers: unknown = (resource as { identifier?: unknown }).identifier;
  const identifier = (Array.isArray(identifiers) ? identifiers : [identifiers]).find(
    (i): i is { system: string; value: string } =>
      typeof (i as { system?: unknown } | undefined)?.system === 'string' &&
      typeof (i as { value?: unknown }).value === 'string'
  );
  if (identifier) {
    return `identifier=${token(identifier.system, identifier.value)}`;
  }
  const r = resource as unknown as Record<string, unknown>;
  switch (resource.resourceType) {
    case 'Medication': {
      const code = codeToken(r.code);
      return code ? `code=${code}` : undefined;
    }
    case 'Practitioner':
    case 'Organization':
      return byNameAndAddress(resource);
    default:
      break;
  }
  const key = CLINICAL[resource.resourceType];
  const code = key && codeToken(valueAt(r, key.code[1]));
  if (!key || !code || !patient) {
    return undefined;
  }
  const parts = [`patient=${encodeURIComponent(patient)}`, `${key.code[0]}=${code}`];
  const date = key.date?.[1].map((path) => valueAt(r, path)).find((v): v is string => typeof v === 'string');
  if (date && key.date) {
    parts.push(`${key.date[0]}=${encodeURIComponent(date)}`);
  } else if (!key.state) {
    // An event without a date cannot be told from the next one of the same kind.
    return undefined;
  }
  return parts.join('&');
}

function byNameAndAddress(resource: Resource): string | undefined {
  const r = resource as {
    name?: string | { family?: string; given?: string[] }[];
    address?: { city?: string; postalCode?: string }[];
  };
  const parts: string[] = [];
  if (typeof r.name === 'string') {
    parts.push(`name:exact=${encodeURIComponent(r.name)}`);
  } else {
    const name = r.name?.[0];
    if (!name?.family) {
      return undefined;
    }
    parts.push(`family:exact=${encodeURIComponent(name.family)}`);
    if (name.given?.[0]) {
      parts.push(`given:exact=${encodeURIComponent(name.given[0])}`);
    }
  }
  const address = r.address?.[0];
  if (address?.postalCode) {
    parts.push(`address-postalcode=${encodeURIComponent(address.postalCode)}`);
  } else if (address?.city) {
    parts.push(`address-city:exact=${encodeURIComponent(address.city)}`);
  } else if (resource.resourceType === 'Practitioner') {
    // A bare personal name is not enough to call two practitioners the same.
    return undefined;
  }
  return parts.join('&');
}

function codeToken(value: unknown): string | undefined {
  const coding = (value as CodeableConcept | undefined)?.coding?.find((c) => c.system && c.code);
  return coding?.system && coding.code ? token(coding.system, coding.code) : undefined;
}

function token(system: string, value: string): string {
  return `${encodeURIComponent(system)}|${encodeURIComponent(value)}`;
}

function valueAt(resource: Record<string, unknown>, path: string): unknown {
  let value: unknown = resource;
  for (const key of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}
