/**
 * Following long-lived (`L`) links: after an import, staff may keep following the link. The
 * link stays sealed to the bot's key (never in clear) in a `Task` for the patient. A scheduled
 * run of the bot (`poll`, or the Bot's cron) asks each followed link again at a bounded pace:
 * new or changed content is imported at once if staff chose that, else queued for review as a
 * check-in Task; `Retry-After` is honoured, errors back off, and a link the sender no longer
 * shares (404/410 or `no-longer-valid`) stops being followed. Cancelling the Task stops it too.
 *
 * What changed is tracked by fingerprint: one per resource (content without ids, references or
 * meta). The follow Task keeps the fingerprints of the last poll; a review Task keeps those of
 * the content staff last saw, so the review step can mark what is new and count what is gone.
 * While a review is pending, later changes update it instead of queueing another.
 */
import type { MedplumClient } from '@medplum/core';
import type { Extension, Resource, Task } from '@medplum/fhirtypes';
import { isShlError, ShlError } from '../shl/errors';
import type { ResolveOutput } from '../shl-import';
import { CHECK_IN_TASK_CODE, SEALED_INPUT, taskInput } from './check-in';
import type { ImportOutput, ImportRequest } from './import';
import { contentHash } from './transaction';

export const FOLLOW_TASK_CODE = { system: 'https://smarthealthit.org/shl-import/task', code: 'shl-follow' };
const NEXT_POLL = 'https://smarthealthit.org/shl-import/StructureDefinition/next-poll';
const INTERVAL = 'https://smarthealthit.org/shl-import/StructureDefinition/poll-interval-seconds';
const SEEN = 'https://smarthealthit.org/shl-import/StructureDefinition/content-fingerprints';
/** A review Task's input holding the fingerprints of the content staff last saw. */
export const SEEN_INPUT = 'seen-fingerprints';

/** Default and longest time between two polls of one link. */
export const DEFAULT_INTERVAL_S = 60 * 60;
const MAX_INTERVAL_S = 7 * 24 * 60 * 60;

export interface FollowDeps {
  resolveSealed: (sealed: string) => Promise<ResolveOutput>;
  importResources: (request: ImportRequest) => Promise<ImportOutput>;
  now: () => number;
  /** A scheduled poll starts no new link after this many milliseconds. */
  budgetMs: number;
}

export interface PollReport {
  polled: number;
  imported: number;
  queued: number;
  stopped: number;
  /** Due links left for the next run: the time budget ran out. */
  deferred: number;
}

/** Starts following a link for a patient; `auto` imports new content without review. */
export async function startFollowing(
  medplum: MedplumClient,
  sealed: string,
  patient: string,
  /** The link as it is now: later polls act only when this changes. */
  current: ResolveOutput,
  auto: boolean,
  now: number
): Promise<string> {
  const { source } = current;
  const task = await medplum.createResource<Task>({
    resourceType: 'Task',
    status: 'in-progress',
    intent: 'order',
    code: { coding: [FOLLOW_TASK_CODE], text: 'Follow a long-lived SMART Health Link' },
    for: { reference: patient },
    description: `Following ${source.label ?? 'a SMART Health Link'} (${source.origin}); new content is ${auto ? 'imported' : 'queued for review'}.`,
    authoredOn: new Date(now).toISOString(),
    extension: schedule(now, DEFAULT_INTERVAL_S, fingerprintsOf(current.resources)),
    input: [
      // Sealed to the bot's key: the link and passcode are never stored in clear.
      { type: { text: SEALED_INPUT }, valueString: sealed },
      { type: { text: 'mode' }, valueString: auto ? 'import' : 'review' },
    ],
  });
  return `Task/${task.id}`;
}

/**
 * Polls every followed link that is due, least recently polled first, starting none after the
 * time budget; or, with `task` (staff pressing "Check now"), that one followed link at once.
 */
export async function pollFollowed(medplum: MedplumClient, deps: FollowDeps, task?: string): Promise<PollReport> {
  const report: PollReport = { polled: 0, imported: 0, queued: 0, stopped: 0, deferred: 0 };
  if (task) {
    const followed = await medplum.readReference<Task>({ reference: task }).catch(() => undefined);
    const isFollowed = followed?.code?.coding?.some(
      (c) => c.system === FOLLOW_TASK_CODE.system && c.code === FOLLOW_TASK_CODE.code
    );
    if (!followed || !isFollowed || followed.status !== 'in-progress') {
      throw new ShlError('invalid-input', `"task" must be a followed link's Task that is still in progress.`);
    }
    report.polled++;
    await pollOne(medplum, followed, deps, report);
    return report;
  }
  const tasks = await medplum.searchResources('Task', {
    code: `${FOLLOW_TASK_CODE.system}|${FOLLOW_TASK_CODE.code}`,
    status: 'in-progress',
    // Every poll updates its Task, so the least recently polled come first and none starves.
    _sort: '_lastUpdated',
    _count: '100',
  });
  const now = deps.now();
  for (const followed of tasks) {
    if (Date.parse(extensionValue(followed, NEXT_POLL) ?? '') > now) {
      continue;
    }
    // A run must end inside the bot's timeout: what is left is due, and first, next time.
    if (deps.now() - now >= deps.budgetMs) {
      report.deferred++;
      continue;
    }
    report.polled++;
    await pollOne(medplum, followed, deps, report);
  }
  return report;
}

async function pollOne(medplum: MedplumClient, task: Task, deps: FollowDeps, report: PollReport): Promise<void> {
  const sealed = taskInput(task, SEALED_INPUT);
  const auto = taskInput(task, 'mode') === 'import';
  const interval = Number(extensionValue(task, INTERVAL) ?? DEFAULT_INTERVAL_S);
  const now = deps.now();
  if (!sealed || !task.for?.reference) {
    await medplum.updateResource({
      ...task,
      status: 'failed',
      statusReason: { text: 'The followed link is missing.' },
    });
    report.stopped++;
    return;
  }
  let resolved: ResolveOutput;
  try {
    resolved = await deps.resolveSealed(sealed);
  } catch (err) {
    if (isShlError(err) && err.code === 'not-found') {
      await medplum.updateResource({
        ...task,
        status: 'completed',
        statusReason: { text: 'The sender no longer shares this link.' },
      });
      report.stopped++;
      return;
    }
    const wait =
      isShlError(err) && err.retryAfter !== undefined
        ? Math.max(err.retryAfter, interval)
        : Math.min(interval * 2, MAX_INTERVAL_S);
    await medplum.updateResource({ ...task, extension: schedule(now, wait, extensionValue(task, SEEN)) });
    return;
  }
  if (resolved.warnings.some((w) => /no longer valid/.test(w))) {
    await medplum.updateResource({
      ...task,
      status: 'completed',
      statusReason: { text: 'The sender marks this link as no longer valid.' },
    });
    report.stopped++;
    return;
  }
  const seen = fingerprintsOf(resolved.resources);
  const before = extensionValue(task, SEEN) ?? '';
  if (seen !== before) {
    if (auto && resolved.patient?.id) {
      const result = await deps.importResources({
        source: resolved.source,
        resources: resolved.resources,
        target: { reference: task.for.reference },
        subject: `Patient/${resolved.patient.id}`,
      });
      report.imported += result.created.length;
    } else {
      report.queued += await queueReview(medplum, task, sealed, resolved, before, now);
    }
  }
  await medplum.updateResource({ ...task, extension: schedule(now, DEFAULT_INTERVAL_S, seen) });
}

/**
 * Queues the change for review, or, while a review of this link is still pending, updates that
 * one: it keeps the content staff last saw, so its counts cover every change since (and it is
 * withdrawn if the link is back to that content). Returns how many Tasks were created.
 */
async function queueReview(
  medplum: MedplumClient,
  follow: Task,
  sealed: string,
  resolved: ResolveOutput,
  before: string,
  now: number
): Promise<number> {
  const pending = await medplum.searchOne('Task', { 'based-on': `Task/${follow.id}`, status: 'requested' });
  const baseline = (pending && taskInput(pending, SEEN_INPUT)) ?? before;
  const { added, removed } = compareFingerprints(resolved.resources, new Set(baseline.split(' ').filter(Boolean)));
  const description = `${label(resolved)}: ${count(added, 'new or changed item')}, ${count(removed, 'item')} no longer shared.`;
  if (pending) {
    await medplum.updateResource<Task>(
      added === 0 && removed === 0
        ? { ...pending, status: 'cancelled', statusReason: { text: 'The link is back to what staff last saw.' } }
        : { ...pending, description, authoredOn: new Date(now).toISOString() }
    );
    return 0;
  }
  await medplum.createResource<Task>({
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    code: { coding: [CHECK_IN_TASK_CODE], text: 'Review new content of a followed SMART Health Link' },
    basedOn: [{ reference: `Task/${follow.id}` }],
    for: follow.for,
    description,
    authoredOn: new Date(now).toISOString(),
    input: [
      { type: { text: SEALED_INPUT }, valueString: sealed },
      { type: { text: SEEN_INPUT }, valueString: baseline },
    ],
  });
  return 1;
}

function label(resolved: ResolveOutput): string {
  return `Changes in ${resolved.source.label ?? 'a followed link'} (${resolved.source.origin})`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A resource's fingerprint: its content without ids, references or meta. */
export function fingerprint(resource: Resource): string {
  return contentHash({ ...resource, id: undefined });
}

/** What is new or changed against fingerprints seen before, and how many of those are gone. */
export function compareFingerprints(
  resources: readonly Resource[],
  seen: ReadonlySet<string>
): { added: number; removed: number; isNew: (resource: Resource) => boolean } {
  const now = new Map(resources.map((r) => [r, fingerprint(r)]));
  const current = new Set(now.values());
  return {
    added: [...now.values()].filter((f) => !seen.has(f)).length,
    removed: [...seen].filter((f) => !current.has(f)).length,
    isNew: (resource) => !seen.has(now.get(resource) ?? fingerprint(resource)),
  };
}

/** The fingerprints of what a link shares, sorted and space-separated. */
function fingerprintsOf(resources: readonly Resource[]): string {
  return [...new Set(resources.map(fingerprint))].sort().join(' ');
}

function schedule(now: number, intervalS: number, seen?: string): Extension[] {
  return [
    { url: NEXT_POLL, valueDateTime: new Date(now + intervalS * 1000).toISOString() },
    { url: INTERVAL, valueInteger: intervalS },
    ...(seen ? [{ url: SEEN, valueString: seen }] : []),
  ];
}

/** When a followed link is next asked again. */
export function nextPollOf(task: Task): string | undefined {
  return extensionValue(task, NEXT_POLL);
}

function extensionValue(task: Task, url: string): string | undefined {
  const e = task.extension?.find((x) => x.url === url);
  return e?.valueDateTime ?? e?.valueString ?? (e?.valueInteger === undefined ? undefined : String(e.valueInteger));
}
