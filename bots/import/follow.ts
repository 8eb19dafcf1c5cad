/**
 * Following long-lived (`L`) links: after an import, staff may keep following the link. The
 * link stays sealed to the bot's key (never in clear) in a `Task` for the patient. A scheduled
 * run of the bot (`poll`, or the Bot's cron) asks each followed link again at a bounded pace:
 * new or changed content is imported at once if staff chose that, else queued for review as a
 * check-in Task; `Retry-After` is honoured, errors back off, and a link the sender no longer
 * shares (404/410 or `no-longer-valid`) stops being followed. Cancelling the Task stops it too.
 */
import type { MedplumClient } from '@medplum/core';
import type { Bundle, Extension, Resource, Task } from '@medplum/fhirtypes';
import { isShlError } from '../shl/errors';
import type { ResolveOutput } from '../shl-import';
import { CHECK_IN_TASK_CODE } from './check-in';
import type { ImportOutput, ImportRequest } from './import';
import { contentHash } from './transaction';

export const FOLLOW_TASK_CODE = { system: 'https://smarthealthit.org/shl-import/task', code: 'shl-follow' };
const NEXT_POLL = 'https://smarthealthit.org/shl-import/StructureDefinition/next-poll';
const INTERVAL = 'https://smarthealthit.org/shl-import/StructureDefinition/poll-interval-seconds';
const DIGEST = 'https://smarthealthit.org/shl-import/StructureDefinition/content-digest';

/** Default and longest time between two polls of one link. */
export const DEFAULT_INTERVAL_S = 60 * 60;
const MAX_INTERVAL_S = 7 * 24 * 60 * 60;

export interface FollowDeps {
  resolveSealed: (sealed: string) => Promise<ResolveOutput>;
  importResources: (request: ImportRequest) => Promise<ImportOutput>;
  now: () => number;
}

export interface PollReport {
  polled: number;
  imported: number;
  queued: number;
  stopped: number;
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
    extension: schedule(now, DEFAULT_INTERVAL_S, digestOf(current.resources)),
    input: [
      // Sealed to the bot's key: the link and passcode are never stored in clear.
      { type: { text: 'sealed-shl' }, valueString: sealed },
      { type: { text: 'mode' }, valueString: auto ? 'import' : 'review' },
    ],
  });
  return `Task/${task.id}`;
}

/** Polls every followed link that is due. */
export async function pollFollowed(medplum: MedplumClient, deps: FollowDeps): Promise<PollReport> {
  const report: PollReport = { polled: 0, imported: 0, queued: 0, stopped: 0 };
  const tasks = await medplum.searchResources('Task', {
    code: `${FOLLOW_TASK_CODE.system}|${FOLLOW_TASK_CODE.code}`,
    status: 'in-progress',
    _count: '100',
  });
  const now = deps.now();
  for (const task of tasks) {
    if (Date.parse(extensionValue(task, NEXT_POLL) ?? '') > now) {
      continue;
    }
    report.polled++;
    await pollOne(medplum, task, deps, report);
  }
  return report;
}

async function pollOne(medplum: MedplumClient, task: Task, deps: FollowDeps, report: PollReport): Promise<void> {
  const sealed = task.input?.find((i) => i.type.text === 'sealed-shl')?.valueString;
  const auto = task.input?.find((i) => i.type.text === 'mode')?.valueString === 'import';
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
    await medplum.updateResource({ ...task, extension: schedule(now, wait, extensionValue(task, DIGEST)) });
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
  const digest = digestOf(resolved.resources);
  if (digest !== extensionValue(task, DIGEST)) {
    if (auto && resolved.patient?.id) {
      const result = await deps.importResources({
        source: resolved.source,
        resources: resolved.resources,
        target: { reference: task.for.reference },
        subject: `Patient/${resolved.patient.id}`,
      });
      report.imported += result.created.length;
    } else {
      await medplum.createResource<Task>({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        code: { coding: [CHECK_IN_TASK_CODE], text: 'Review new content of a followed SMART Health Link' },
        for: task.for,
        description: `New or changed content from ${resolved.source.label ?? 'a followed link'} (${resolved.source.origin}).`,
        authoredOn: new Date(now).toISOString(),
        input: [{ type: { text: 'sealed-shl' }, valueString: sealed }],
      });
      report.queued++;
    }
  }
  await medplum.updateResource({ ...task, extension: schedule(now, DEFAULT_INTERVAL_S, digest) });
}

/** A digest of what a link currently shares, ids and references aside. */
function digestOf(resources: Resource[]): string {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((r) => ({ resource: { ...r, id: undefined } })),
  };
  return contentHash(bundle);
}

function schedule(now: number, intervalS: number, digest?: string): Extension[] {
  return [
    { url: NEXT_POLL, valueDateTime: new Date(now + intervalS * 1000).toISOString() },
    { url: INTERVAL, valueInteger: intervalS },
    ...(digest ? [{ url: DIGEST, valueString: digest }] : []),
  ];
}

function extensionValue(task: Task, url: string): string | undefined {
  const e = task.extension?.find((x) => x.url === url);
  return e?.valueDateTime ?? e?.valueString ?? (e?.valueInteger === undefined ? undefined : String(e.valueInteger));
}
