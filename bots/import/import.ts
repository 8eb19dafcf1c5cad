/**
 * The bot's `import` operation: files reviewed resources under the chosen (or a new) Patient,
 * all or nothing, reports what was created and what was already there, and records a
 * Provenance of the link. Meant to run as the calling user (`runAsUser`), so the user's access
 * policy decides what may be read and created. The phases:
 *
 * 1. the patient: an existing Patient the user may read, or a new one from demographics;
 * 2. the plan (`plan.ts`): what to create, references rewritten, attachments taken out;
 * 3. what the server already holds (`existing.ts`), in batched searches;
 * 4. the writes (`write.ts`), under the server's size and rate limits; on a refusal what was
 *    created is deleted again, and the answer says what, if anything, still stands.
 */
import type { MedplumClient } from '@medplum/core';
import type { Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { ImportOutput, ImportSource } from '../contract';
import { chooseSubject } from '../fhir/subject';
import { rankCandidates } from '../matching/match';
import { isShlError, ShlError } from '../shl/errors';
import type { Found } from './existing';
import { findChartHolding, findExisting } from './existing';
import type { ImportTarget, PlannedItem } from './plan';
import { planImport } from './plan';
import { provenanceFor } from './provenance';
import type { Waiting } from './server-calls';
import { RateLimitBudget } from './server-calls';
import type { StagedResult } from './staging';
import type { ImportRequestForm } from './request';
import { undoCreates, WriteRefused, writeItems } from './write';

/** An import to run: the reviewed resources, where they come from and whose chart they go to. */
export interface ImportJob {
  source: ImportSource;
  resources: Resource[];
  target: ImportTarget;
  /** `Patient/<id>` of the incoming Patient within `resources`. */
  subject?: string;
}

export interface ImportSettings extends Waiting {
  allowedTypes: ReadonlySet<string>;
  randomUUID: () => string;
  maxAttachmentBytes: number;
  /** Who runs the import (the bot event's requester), when known. */
  requester?: Reference;
  /** The largest request body the server takes (its `maxJsonSize`). */
  maxRequestBytes: number;
  /** Told how many items are written so far, of how many. */
  onProgress?: (written: number, total: number) => void;
}

/**
 * Most entries in one transaction Bundle. The server's rate limit charges 100 points a write,
 * 50,000 a minute by default, and with `transaction-bundles` an atomic Bundle is refused whole
 * when it would go over: one of 500 entries could never run. Two Bundles of 200 in flight
 * (`CONCURRENT_BUNDLES`) cost 40,000 points, within one minute's default.
 */
const MAX_BUNDLE_ENTRIES = 200;
/**
 * Transaction Bundles in flight at once. The server runs a Bundle's entries one after another,
 * so two independent Bundles side by side keep it (and its database) busier: measured with
 * `npm run bench:server`.
 */
const CONCURRENT_BUNDLES = 2;

/** The job a request describes: the staged result's selection, or the resources sent. */
export function jobOf(form: ImportRequestForm, staged?: StagedResult): ImportJob {
  const target = form.patient;
  if ('staged' in form) {
    if (!staged) {
      throw new ShlError('invalid-input', '"staged" must be the handle that resolve returned.');
    }
    const subject = form.subject ?? staged.subject;
    const wanted = new Set([...form.select, ...(subject ? [subject] : [])]);
    const resources = staged.resources.filter((r) => wanted.has(`${r.resourceType}/${r.id ?? ''}`));
    return { source: staged.source, resources, target, ...(subject && { subject }) };
  }
  return { source: form.source, resources: form.resources, target, ...(form.subject && { subject: form.subject }) };
}

/** Runs an import. */
export async function importResources(
  medplum: MedplumClient,
  job: ImportJob,
  settings: ImportSettings
): Promise<ImportOutput> {
  const { target } = job;
  if ('reference' in target) {
    await checkPatientExists(medplum, target.reference);
  }
  if (job.subject && !job.resources.some((r) => `${r.resourceType}/${r.id ?? ''}` === job.subject)) {
    throw invalid(`"subject" ${job.subject} is not among the resources.`);
  }
  const plan = planImport({
    resources: job.resources,
    subject: job.subject ?? subjectOf(job.resources),
    target,
    allowedTypes: settings.allowedTypes,
    randomUUID: settings.randomUUID,
    maxAttachmentBytes: settings.maxAttachmentBytes,
    serverOrigin: originOf(medplum),
  });
  const budget = new RateLimitBudget(settings);
  if ('create' in target && target.confirmNew !== true) {
    const holder = await samePersonHolding(medplum, target.create, await findChartHolding(medplum, plan.items, budget));
    if (holder) {
      throw new ShlError(
        'invalid-input',
        `Most of this content is already in the chart of an existing patient (${holder}): import into that patient instead. If this really is another person, confirm creating a new patient.`,
        { existingPatient: holder }
      );
    }
  }
  const found = await findExisting(medplum, plan.items, 'reference' in target ? target.reference : undefined, budget);
  const items = withoutUnneededFiles(plan.items, found);
  const existing = [...new Set([...found.values()].map((f: Found) => f.reference))];

  let written;
  try {
    written = await writeItems(
      medplum,
      items,
      plan.patientRef,
      new Map([...found].map(([urn, f]) => [urn, f.reference])),
      (created, patient) => provenanceFor(job.source, [...new Set([...created, patient])], settings),
      {
        maxRequestBytes: settings.maxRequestBytes,
        maxEntries: MAX_BUNDLE_ENTRIES,
        concurrency: CONCURRENT_BUNDLES,
        budget,
        ...(settings.onProgress && { onProgress: settings.onProgress }),
      }
    );
  } catch (err) {
    if (!(err instanceof WriteRefused)) {
      throw err;
    }
    throw await refusal(medplum, err, settings);
  }
  const patientRef = 'reference' in target ? target.reference : (written.refs.get(plan.patientRef) ?? '');
  return {
    patient: { reference: patientRef },
    created: written.created,
    existing,
    skipped: plan.skipped,
    ...(written.provenance && { provenance: written.provenance }),
    warnings: plan.warnings,
  };
}

/** Binaries only existing resources needed are not uploaded again. */
function withoutUnneededFiles(items: PlannedItem[], found: ReadonlyMap<string, Found>): PlannedItem[] {
  const needed = new Set(items.filter((i) => i.kind !== 'binary' && !found.has(i.urn)).flatMap((i) => i.needs));
  return items.filter((item) => item.kind !== 'binary' || needed.has(item.urn));
}

/** Undoes what a refused import created; the error says why, and what (if anything) stands. */
async function refusal(medplum: MedplumClient, err: WriteRefused, settings: ImportSettings): Promise<ShlError> {
  // Undoing gets a rate-limit budget of its own: the import's may be what ran out.
  const left = err.created.length > 0 ? await undoCreates(medplum, err.created, new RateLimitBudget(settings)) : [];
  const cause = isShlError(err.cause) ? err.cause : undefined;
  if (left.length === 0) {
    return new ShlError(
      cause?.code ?? 'invalid-input',
      `The server refused the import (${err.reason}), so nothing was imported. Check the items and your access, then try again.`,
      cause?.retryAfter === undefined ? {} : { retryAfter: cause.retryAfter }
    );
  }
  return new ShlError(
    'invalid-input',
    `The server refused part of the import (${err.reason}). ${left.length} item${left.length === 1 ? '' : 's'} it had already created could not be removed again and remain${left.length === 1 ? 's' : ''}: ${left.slice(0, 20).join(', ')}${left.length > 20 ? ', …' : ''}. Ask an administrator to remove ${left.length === 1 ? 'it' : 'them'}.`,
    { left }
  );
}

/**
 * The patient whose chart holds the content, when they may be the person about to be created
 * (the matcher grades them at least possible): the same content under someone plainly different
 * (two people's identical immunization records) is no reason to refuse.
 */
async function samePersonHolding(
  medplum: MedplumClient,
  create: Patient,
  holder: string | undefined
): Promise<string | undefined> {
  const existing = holder
    ? await medplum.readResource('Patient', holder.slice('Patient/'.length)).catch(() => undefined)
    : undefined;
  return existing && rankCandidates(create, [existing]).length > 0 ? holder : undefined;
}

async function checkPatientExists(medplum: MedplumClient, reference: string): Promise<void> {
  try {
    await medplum.readResource('Patient', reference.slice('Patient/'.length));
  } catch {
    throw invalid(`${reference} does not exist, or you may not see it. Choose another patient or create one.`);
  }
}

function subjectOf(resources: Resource[]): string | undefined {
  const { patient } = chooseSubject(resources);
  return patient?.id ? `Patient/${patient.id}` : undefined;
}

function originOf(medplum: MedplumClient): string | undefined {
  try {
    return new URL(medplum.getBaseUrl()).origin;
  } catch {
    return undefined;
  }
}

function invalid(message: string): ShlError {
  return new ShlError('invalid-input', message);
}
