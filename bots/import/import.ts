/**
 * The bot's `import` operation: files reviewed resources under the chosen (or a new) Patient in
 * one transaction, reports what was created and what was already there, and records a
 * Provenance of the link. Meant to run as the calling user (`runAsUser`), so the user's access
 * policy decides what may be read and created.
 */
import type { MedplumClient } from '@medplum/core';
import { getReferenceString, normalizeErrorString } from '@medplum/core';
import type { Bundle, Patient, Provenance, ProvenanceAgent, Reference, Resource } from '@medplum/fhirtypes';
import type { ImportOutput, ImportSource } from '../contract';
import { chooseSubject } from '../fhir/subject';
import { LINK_ID_SYSTEM, URL_SYSTEM } from '../fhir/systems';
import { ShlError } from '../shl/errors';
import type { ImportTarget } from './transaction';
import { planImport } from './transaction';

/** An import to run: the reviewed resources, where they come from and whose chart they go to. */
export interface ImportJob {
  source: ImportSource;
  resources: Resource[];
  target: ImportTarget;
  /** `Patient/<id>` of the incoming Patient within `resources`. */
  subject?: string;
}

export interface ImportSettings {
  allowedTypes: ReadonlySet<string>;
  randomUUID: () => string;
  maxAttachmentBytes: number;
  /** Who runs the import (the bot event's requester), when known. */
  requester?: Reference;
  now: () => number;
}

/** Most resources one import takes. */
export const MAX_IMPORT_RESOURCES = 20_000;

/** Reads and checks the operation's input. Throws `invalid-input`. */
export function readImportRequest(input: Record<string, unknown>): ImportJob {
  const { source, resources, patient, subject } = input;
  const s = source as Partial<ImportSource> | undefined;
  if (
    typeof s !== 'object' ||
    typeof s.linkId !== 'string' ||
    !/^[0-9a-f]{64}$/.test(s.linkId) ||
    typeof s.origin !== 'string'
  ) {
    throw invalid('"source" must be the source object that resolve returned.');
  }
  if (!Array.isArray(resources) || resources.length > MAX_IMPORT_RESOURCES) {
    throw invalid(`"resources" must be a list of at most ${MAX_IMPORT_RESOURCES} resources from resolve.`);
  }
  for (const resource of resources as unknown[]) {
    const r = resource as { resourceType?: unknown; id?: unknown } | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.resourceType !== 'string' ||
      (r.id !== undefined && typeof r.id !== 'string')
    ) {
      throw invalid('Every item of "resources" must be a FHIR resource with a resourceType.');
    }
  }
  const p = patient as { reference?: unknown; create?: unknown } | undefined;
  let target: ImportTarget;
  if (typeof p?.reference === 'string' && /^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(p.reference)) {
    target = { reference: p.reference };
  } else if (typeof p?.create === 'object' && p.create !== null && (p.create as Resource).resourceType === 'Patient') {
    target = { create: p.create as Patient };
  } else {
    throw invalid('"patient" must be {"reference": "Patient/<id>"} or {"create": <Patient>}.');
  }
  if (subject !== undefined && (typeof subject !== 'string' || !subject.startsWith('Patient/'))) {
    throw invalid('"subject" must name the incoming Patient as "Patient/<id>".');
  }
  return {
    source: { label: typeof s.label === 'string' ? s.label : undefined, origin: s.origin, linkId: s.linkId },
    resources: resources as Resource[],
    target,
    ...(subject !== undefined && { subject }),
  };
}

/** `import`'s optional `follow`: keep following the link (sealed, as resolve received it). */
export function readFollow(value: unknown): { sealed: string; auto: boolean } | undefined {
  if (value === undefined) {
    return undefined;
  }
  const { sealed, auto } = (typeof value === 'object' && value !== null ? value : {}) as {
    sealed?: unknown;
    auto?: unknown;
  };
  if (typeof sealed !== 'string') {
    throw invalid('"follow" must hold the sealed link: {"sealed": "…", "auto": false}.');
  }
  return { sealed, auto: auto === true };
}

/** Runs an import. */
export async function importResources(
  medplum: MedplumClient,
  request: ImportJob,
  settings: ImportSettings
): Promise<ImportOutput> {
  const { target } = request;
  if ('reference' in target) {
    await checkPatientExists(medplum, target.reference);
  }
  const subject = request.subject ?? subjectOf(request.resources);
  if (request.subject && !request.resources.some((r) => getReferenceString(r) === request.subject)) {
    throw invalid(`"subject" ${request.subject} is not among the resources.`);
  }
  const plan = planImport({
    resources: request.resources,
    subject,
    target,
    allowedTypes: settings.allowedTypes,
    randomUUID: settings.randomUUID,
    maxAttachmentBytes: settings.maxAttachmentBytes,
  });
  const warnings = [...plan.warnings];
  if (plan.entries.length === 0) {
    return {
      patient: { reference: targetReference(target) },
      created: [],
      existing: [],
      skipped: plan.skipped,
      warnings,
    };
  }

  let response: Bundle;
  try {
    response = await medplum.executeBatch(plan.bundle);
  } catch (err) {
    throw invalid(`The server refused the import, so nothing was imported: ${describeServerError(err)}`);
  }

  const created: string[] = [];
  const existing: string[] = [];
  const failed: string[] = [];
  let patientReference = 'reference' in target ? target.reference : '';
  plan.entries.forEach((planned, index) => {
    const result = response.entry?.[index]?.response;
    const status = result?.status ?? '';
    const location = result?.location ? result.location.split('/_history/')[0] : undefined;
    const label =
      planned.kind === 'resource' ? planned.key : planned.kind === 'patient' ? 'the new patient' : 'an attached file';
    if (!status.startsWith('2') || !location) {
      failed.push(`${label} (${status || 'no answer'})`);
      return;
    }
    if (planned.kind === 'patient') {
      patientReference = location;
    }
    (status.startsWith('201') ? created : existing).push(location);
  });
  if (failed.length > 0) {
    warnings.push(
      `The server did not accept ${failed.length} item${failed.length === 1 ? '' : 's'}: ${failed.slice(0, 10).join(', ')}${failed.length > 10 ? ', …' : ''}. Everything listed as created was created.`
    );
  }
  if (!patientReference) {
    throw invalid(`The new patient could not be created, so nothing else was linked to them. ${warnings.join(' ')}`);
  }

  const output: ImportOutput = {
    patient: { reference: patientReference },
    created,
    existing,
    skipped: plan.skipped,
    warnings,
  };
  if (created.length > 0) {
    try {
      const provenance = await medplum.createResource(
        provenanceFor(request.source, [...new Set([...created, patientReference])], settings)
      );
      output.provenance = `Provenance/${provenance.id}`;
    } catch (err) {
      warnings.push(
        `The import was filed, but its provenance record could not be written: ${describeServerError(err)}`
      );
    }
  }
  return output;
}

/** The Provenance of an import: what it created, who ran it, and which link it came from. */
export function provenanceFor(
  source: ImportSource,
  targets: string[],
  settings: Pick<ImportSettings, 'requester' | 'now'>
): Provenance {
  const participant = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
  const sender = source.label ? `${source.label} (${source.origin})` : source.origin;
  return {
    resourceType: 'Provenance',
    target: targets.map((reference) => ({ reference })),
    recorded: new Date(settings.now()).toISOString(),
    activity: { text: 'Imported from a SMART Health Link' },
    agent: [
      ...(settings.requester
        ? [
            {
              type: { coding: [{ system: participant, code: 'enterer', display: 'Enterer' }] },
              who: agentReference(settings.requester),
            },
          ]
        : []),
      {
        type: { coding: [{ system: participant, code: 'informant', display: 'Informant' }] },
        who: { display: sender, identifier: { system: URL_SYSTEM, value: source.origin } },
      },
    ],
    entity: [
      {
        role: 'source',
        what: {
          identifier: { system: LINK_ID_SYSTEM, value: source.linkId },
          display: source.label ?? 'SMART Health Link',
        },
      },
    ],
  };
}

/** A Provenance agent may only name people, devices and organizations; others keep a display. */
function agentReference(requester: Reference): ProvenanceAgent['who'] {
  const type = requester.reference?.split('/')[0] ?? '';
  return AGENT_TYPES.has(type)
    ? (requester as ProvenanceAgent['who'])
    : { display: requester.display ?? requester.reference ?? 'Unknown user' };
}

const AGENT_TYPES = new Set(['Practitioner', 'PractitionerRole', 'RelatedPerson', 'Patient', 'Device', 'Organization']);

async function checkPatientExists(medplum: MedplumClient, reference: string): Promise<void> {
  try {
    await medplum.readReference<Patient>({ reference });
  } catch {
    throw invalid(`${reference} does not exist, or you may not see it. Choose another patient or create one.`);
  }
}

function subjectOf(resources: Resource[]): string | undefined {
  const { patient } = chooseSubject(resources);
  return patient?.id ? `Patient/${patient.id}` : undefined;
}

function targetReference(target: ImportTarget): string {
  return 'reference' in target ? target.reference : 'Patient/(not created)';
}

function describeServerError(err: unknown): string {
  return normalizeErrorString(err).slice(0, 300);
}

function invalid(message: string): ShlError {
  return new ShlError('invalid-input', message);
}
