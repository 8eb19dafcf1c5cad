/**
 * Reading `import` input, in its two forms: staged (`staged`, `select`: what the pages send,
 * small whatever the link's size) and direct (`source`, `resources`: for callers that hold the
 * resources themselves). Both name the patient: `{reference: "Patient/<id>"}` of an existing
 * Patient, or `{create: <Patient>}`. Everything here throws `invalid-input` with what to fix.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ImportSource, PatientChoice } from '../contract';
import { checkDepth } from '../fhir/json-walk';
import { isResource } from '../fhir/resource';
import { ShlError } from '../shl/errors';

/** Most resources one import takes. */
export const MAX_IMPORT_RESOURCES = 20_000;

/** A FHIR id; a bare `.` or `..` would name a path, not a resource. */
const FHIR_ID = /^(?!\.{1,2}$)[A-Za-z0-9\-.]{1,64}$/;

export type ImportRequestForm =
  | { staged: string; select: string[]; patient: PatientChoice; subject?: string }
  | { source: ImportSource; resources: Resource[]; patient: PatientChoice; subject?: string };

export function readImportRequest(input: Record<string, unknown>): ImportRequestForm {
  const patient = readPatientChoice(input.patient);
  const { subject } = input;
  if (subject !== undefined && (typeof subject !== 'string' || !isPatientReference(subject))) {
    throw invalid('"subject" must name the incoming Patient as "Patient/<id>".');
  }
  const common = { patient, ...(subject !== undefined && { subject }) };
  if (input.staged !== undefined) {
    const { staged, select } = input;
    if (typeof staged !== 'string') {
      throw invalid('"staged" must be the handle that resolve returned.');
    }
    if (
      !Array.isArray(select) ||
      select.length > MAX_IMPORT_RESOURCES ||
      !select.every((s): s is string => typeof s === 'string' && s.length < 200)
    ) {
      throw invalid(`"select" must list the "Type/id" of at most ${MAX_IMPORT_RESOURCES} resources from resolve.`);
    }
    return { staged, select, ...common };
  }
  return { source: readSource(input.source), resources: readResources(input.resources), ...common };
}

/**
 * `import`'s optional `follow`: keep following the link, given sealed as resolve received it,
 * or as the review Task the import came from holds it (`task`).
 */
export function readFollow(value: unknown): (({ sealed: string } | { task: string }) & { auto: boolean }) | undefined {
  if (value === undefined) {
    return undefined;
  }
  const { sealed, task, auto } = (typeof value === 'object' && value !== null ? value : {}) as {
    sealed?: unknown;
    task?: unknown;
    auto?: unknown;
  };
  if (typeof sealed === 'string') {
    return { sealed, auto: auto === true };
  }
  if (typeof task === 'string') {
    return { task, auto: auto === true };
  }
  throw invalid(
    '"follow" must hold the sealed link, {"sealed": "…", "auto": false}, or the review Task, {"task": "Task/…"}.'
  );
}

function readPatientChoice(value: unknown): PatientChoice {
  const p = value as { reference?: unknown; create?: unknown } | undefined;
  if (typeof p?.reference === 'string' && isPatientReference(p.reference)) {
    return { reference: p.reference };
  }
  if (isResource(p?.create) && p.create.resourceType === 'Patient') {
    return { create: p.create, ...((value as { confirmNew?: unknown }).confirmNew === true && { confirmNew: true }) };
  }
  throw invalid('"patient" must be {"reference": "Patient/<id>"} or {"create": <Patient>}.');
}

function isPatientReference(reference: string): boolean {
  return reference.startsWith('Patient/') && FHIR_ID.test(reference.slice('Patient/'.length));
}

function readSource(value: unknown): ImportSource {
  const s = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof ImportSource, unknown>>;
  if (typeof s.linkId !== 'string' || !/^[0-9a-f]{64}$/.test(s.linkId) || typeof s.origin !== 'string') {
    throw invalid('"source" must be the source object that resolve returned.');
  }
  return { ...(typeof s.label === 'string' && { label: s.label }), origin: s.origin, linkId: s.linkId };
}

function readResources(value: unknown): Resource[] {
  if (!Array.isArray(value) || value.length > MAX_IMPORT_RESOURCES) {
    throw invalid(`"resources" must be a list of at most ${MAX_IMPORT_RESOURCES} resources from resolve.`);
  }
  for (const resource of value as unknown[]) {
    if (!isResource(resource) || (resource.id !== undefined && typeof resource.id !== 'string')) {
      throw invalid('Every item of "resources" must be a FHIR resource with a resourceType.');
    }
  }
  checkDepth(value);
  return value as Resource[];
}

function invalid(message: string): ShlError {
  return new ShlError('invalid-input', message);
}
