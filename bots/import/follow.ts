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
import type { Task } from '@medplum/fhirtypes';
import type { ImportOutput, PollReport, ResolveOutput } from '../contract';
import type { BoxKey } from '../bot-box';
import { openBoxText, sealBoxText } from '../bot-box';
import { isShlError, ShlError } from '../shl/errors';
import type { ImportJob } from './import';
import type { FollowBox, FollowMode, ReviewBox } from './tasks';
import {
  boundFollow,
  compareFingerprints,
  DEFAULT_POLL_INTERVAL_S,
  FOLLOW_TASK_CODE,
  fingerprintList,
  followedLinksQuery,
  followTask,
  hasCode,
  lastFingerprintsOf,
  MAX_POLL_INTERVAL_S,
  nextPollOf,
  parseFingerprints,
  pollIntervalOf,
  reviewTask,
  schedule,
  stopFollowing,
  TASK_INPUT,
  taskInput,
  withdrawReview,
} from './tasks';

export interface FollowDeps {
  /** The bot's own key for the boxes its Tasks hold. */
  box: BoxKey;
  resolveSealed: (sealed: string) => Promise<ResolveOutput>;
  importResources: (job: ImportJob) => Promise<ImportOutput>;
  now: () => number;
  /** A scheduled poll starts no new link after this many milliseconds. */
  budgetMs: number;
}

/** Starts following a link for a patient; `auto` imports new content without review. */
export async function startFollowing(
  medplum: MedplumClient,
  box: BoxKey,
  sealed: string,
  patient: string,
  /** The link as it is now: later polls act only when this changes. */
  current: ResolveOutput,
  auto: boolean,
  now: number
): Promise<string> {
  const { source } = current;
  const mode: FollowMode = auto ? 'import' : 'review';
  const task = await medplum.createResource<Task>(
    followTask({
      description: `Following ${source.label ?? 'a SMART Health Link'} (${source.origin}); new content is ${auto ? 'imported' : 'queued for review'}.`,
      now,
      link: await sealBoxText(box, 'follow-task', { sealed, patient, mode } satisfies FollowBox),
      patient,
      mode,
      seen: fingerprintList(current.resources),
    })
  );
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
    if (!followed || !hasCode(followed, FOLLOW_TASK_CODE) || followed.status !== 'in-progress') {
      throw new ShlError('invalid-input', `"task" must be a followed link's Task that is still in progress.`);
    }
    report.polled++;
    await pollOne(medplum, followed, deps, report);
    return report;
  }
  // Least recently polled first, so none starves.
  const tasks = await medplum.searchResources('Task', followedLinksQuery(100));
  const now = deps.now();
  for (const followed of tasks) {
    if (Date.parse(nextPollOf(followed) ?? '') > now) {
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
  // Only what the bot itself bound to this patient and mode: a forged or edited Task is not acted on.
  const bound = boundFollow(task, await openBoxText(deps.box, 'follow-task', taskInput(task, TASK_INPUT.link)));
  if (!bound) {
    await medplum.updateResource(stopFollowing(task, 'not-bound'));
    report.refused = (report.refused ?? 0) + 1;
    return;
  }
  const { sealed, patient } = bound;
  const auto = bound.mode === 'import';
  const interval = pollIntervalOf(task);
  const now = deps.now();
  let resolved: ResolveOutput;
  try {
    resolved = await deps.resolveSealed(sealed);
  } catch (err) {
    if (isShlError(err) && err.code === 'not-found') {
      await medplum.updateResource(stopFollowing(task, 'sender-stopped'));
      report.stopped++;
      return;
    }
    const wait =
      isShlError(err) && err.retryAfter !== undefined
        ? Math.max(err.retryAfter, interval)
        : Math.min(interval * 2, MAX_POLL_INTERVAL_S);
    await medplum.updateResource({ ...task, extension: schedule(now, wait, lastFingerprintsOf(task)) });
    return;
  }
  if (resolved.warnings.some((w) => /no longer valid/.test(w))) {
    await medplum.updateResource(stopFollowing(task, 'no-longer-valid'));
    report.stopped++;
    return;
  }
  const seen = fingerprintList(resolved.resources);
  const before = lastFingerprintsOf(task) ?? '';
  if (seen !== before) {
    if (auto && resolved.patient?.id) {
      const result = await deps.importResources({
        source: resolved.source,
        resources: resolved.resources,
        target: { reference: patient },
        subject: `Patient/${resolved.patient.id}`,
      });
      report.imported += result.created.length;
    } else {
      report.queued += await queueReview(medplum, deps.box, task, { sealed, patient }, resolved, before, now);
    }
  }
  await medplum.updateResource({ ...task, extension: schedule(now, DEFAULT_POLL_INTERVAL_S, seen) });
}

/**
 * Queues the change for review, or, while a review of this link is still pending, updates that
 * one: it keeps the content staff last saw, so its counts cover every change since (and it is
 * withdrawn if the link is back to that content). Returns how many Tasks were created.
 */
async function queueReview(
  medplum: MedplumClient,
  box: BoxKey,
  follow: Task,
  link: ReviewBox,
  resolved: ResolveOutput,
  before: string,
  now: number
): Promise<number> {
  const pending = await medplum.searchOne('Task', { 'based-on': `Task/${follow.id}`, status: 'requested' });
  const baseline = (pending && taskInput(pending, TASK_INPUT.seen)) ?? before;
  const { added, removed } = compareFingerprints(resolved.resources, parseFingerprints(baseline));
  const description = `${label(resolved)}: ${count(added, 'new or changed item')}, ${count(removed, 'item')} no longer shared.`;
  if (pending) {
    await medplum.updateResource<Task>(
      added === 0 && removed === 0
        ? withdrawReview(pending)
        : { ...pending, description, authoredOn: new Date(now).toISOString() }
    );
    return 0;
  }
  await medplum.createResource<Task>(
    reviewTask({
      description,
      authoredOn: new Date(now).toISOString(),
      link: await sealBoxText(box, 'review-task', link),
      basedOn: `Task/${follow.id}`,
      for: { reference: link.patient ?? '' },
      seen: baseline,
    })
  );
  return 1;
}

function label(resolved: ResolveOutput): string {
  return `Changes in ${resolved.source.label ?? 'a followed link'} (${resolved.source.origin})`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `poll`'s optional `task`: one followed link's Task to poll now. */
export function readPollTask(value: unknown): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !/^Task\/[A-Za-z0-9\-.]{1,64}$/.test(value)) {
    throw new ShlError('invalid-input', '"task" must be a reference like "Task/123".');
  }
  return value;
}
