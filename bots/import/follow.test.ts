/**
 * Polling followed links (pollFollowed), with the bot's answers played by the test: which links
 * are due and in what order, the schedule after each outcome (one hour after a good poll, doubled
 * after an error up to a week, Retry-After honoured), the time budget, when following stops, and
 * what a change does (imported, queued, or a pending review updated).
 */
import type { Condition, Patient, Resource, Task } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { webcrypto } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createFhirServer } from '../../local/fhir-server';
import type { BoxKey } from '../bot-box';
import { openBoxText, sealBoxText } from '../bot-box';
import type { ImportOutput, ResolveOutput } from '../contract';
import { FINGERPRINTS_EXTENSION, NEXT_POLL_EXTENSION, POLL_INTERVAL_EXTENSION } from '../fhir/systems';
import { ShlError } from '../shl/errors';
import type { FollowDeps } from './follow';
import { pollFollowed, readPollTask, startFollowing } from './follow';
import type { ImportJob } from './import';
import {
  DEFAULT_POLL_INTERVAL_S,
  fingerprintList,
  FOLLOW_TASK_CODE,
  MAX_POLL_INTERVAL_S,
  REVIEW_TASK_CODE,
  TASK_INPUT,
  taskInput,
} from './tasks';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const HOUR = 3600;
const DAY = 24 * HOUR;

/** The bot's box key, as `bot-run.ts` derives it (any AES-GCM key does here). */
const box: BoxKey = {
  key: await webcrypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
  subtle: webcrypto.subtle as SubtleCrypto,
  randomBytes: (n) => webcrypto.getRandomValues(new Uint8Array(n)),
};

const incoming: Patient = { resourceType: 'Patient', id: 'in', name: [{ family: 'Doe', given: ['Jan'] }] };
const condition = (text: string): Condition => ({
  resourceType: 'Condition',
  id: text,
  subject: { reference: 'Patient/in' },
  code: { text },
});

/** What resolve answers for a link sharing `resources`. */
function resolved(resources: Resource[], warnings: string[] = []): ResolveOutput {
  return {
    source: { label: 'Diabetes diary', origin: 'https://sender.example', flags: 'L', retrievedAt: '', linkId: 'l' },
    files: [],
    resources: [incoming, ...resources],
    patient: incoming,
    matches: [],
    healthCards: [],
    warnings,
  };
}

interface FollowedInit {
  sealed?: string;
  mode?: 'import' | 'review';
  /** Seconds; none: the extension is absent. */
  interval?: number;
  nextPoll?: string;
  seen?: Resource[];
}

/** A followed link's Task as startFollowing leaves it, with its schedule as given. */
async function followed(medplum: MockClient, init: FollowedInit = {}): Promise<Task> {
  const mode = init.mode ?? 'review';
  const link = await sealBoxText(box, 'follow-task', { sealed: init.sealed ?? 'sealed', patient: 'Patient/p', mode });
  return medplum.createResource<Task>({
    resourceType: 'Task',
    status: 'in-progress',
    intent: 'order',
    code: { coding: [FOLLOW_TASK_CODE] },
    for: { reference: 'Patient/p' },
    extension: [
      { url: NEXT_POLL_EXTENSION, valueDateTime: init.nextPoll ?? '2026-01-01T00:00:00Z' },
      ...(init.interval === undefined ? [] : [{ url: POLL_INTERVAL_EXTENSION, valueInteger: init.interval }]),
      ...(init.seen ? [{ url: FINGERPRINTS_EXTENSION, valueString: fingerprintList([incoming, ...init.seen]) }] : []),
    ],
    input: [
      { type: { text: TASK_INPUT.link }, valueString: link },
      { type: { text: TASK_INPUT.mode }, valueString: mode },
    ],
  });
}

function deps(answer: (sealed: string) => Promise<ResolveOutput>, extra: Partial<FollowDeps> = {}) {
  const asked: string[] = [];
  const imported: ImportJob[] = [];
  const d: FollowDeps = {
    box,
    resolveSealed: (sealed) => {
      asked.push(sealed);
      return answer(sealed);
    },
    importResources: (job): Promise<ImportOutput> => {
      imported.push(job);
      return Promise.resolve({
        patient: job.target as { reference: string },
        created: job.resources.slice(1).map((r) => `${r.resourceType}/new-${r.id ?? ''}`),
        existing: [],
        skipped: [],
        warnings: [],
      });
    },
    now: () => NOW,
    budgetMs: 8000,
    ...extra,
  };
  return { d, asked, imported };
}

const failing = (err: Error) => deps(() => Promise.reject(err)).d;

async function schedule(medplum: MockClient, task: Task): Promise<{ next: number; interval?: number; seen?: string }> {
  const t = await medplum.readResource('Task', task.id as string);
  const ext = (url: string) => t.extension?.find((e) => e.url === url);
  return {
    next: (Date.parse(ext(NEXT_POLL_EXTENSION)?.valueDateTime ?? '') - NOW) / 1000,
    ...(ext(POLL_INTERVAL_EXTENSION) && { interval: ext(POLL_INTERVAL_EXTENSION)?.valueInteger }),
    ...(ext(FINGERPRINTS_EXTENSION) && { seen: ext(FINGERPRINTS_EXTENSION)?.valueString }),
  };
}

describe('startFollowing', () => {
  test('a Task for the patient, first polled one hour later, the link boxed with its patient and mode', async () => {
    const medplum = createFhirServer();
    for (const auto of [false, true]) {
      const reference = await startFollowing(
        medplum,
        box,
        'sealed-x',
        'Patient/p',
        resolved([condition('A')]),
        auto,
        NOW
      );
      const task = await medplum.readReference<Task>({ reference });
      const mode = auto ? 'import' : 'review';
      expect(task).toMatchObject({
        status: 'in-progress',
        code: { coding: [FOLLOW_TASK_CODE] },
        for: { reference: 'Patient/p' },
        authoredOn: new Date(NOW).toISOString(),
        description: `Following Diabetes diary (https://sender.example); new content is ${auto ? 'imported' : 'queued for review'}.`,
      });
      expect(taskInput(task, TASK_INPUT.mode)).toBe(mode);
      expect(await openBoxText(box, 'follow-task', taskInput(task, TASK_INPUT.link))).toEqual({
        sealed: 'sealed-x',
        patient: 'Patient/p',
        mode,
      });
      expect(await schedule(medplum, task)).toEqual({
        next: HOUR,
        interval: DEFAULT_POLL_INTERVAL_S,
        seen: fingerprintList(resolved([condition('A')]).resources),
      });
    }
    expect(DEFAULT_POLL_INTERVAL_S).toBe(HOUR);
    expect(MAX_POLL_INTERVAL_S).toBe(7 * DAY);
  });
});

describe('pollFollowed: which links, in what order', () => {
  test('due links only (a next poll at this very moment is due, none at all is due too)', async () => {
    const medplum = createFhirServer();
    await followed(medplum, { seen: [], sealed: 'past', nextPoll: new Date(NOW - 1000).toISOString() });
    await followed(medplum, { seen: [], sealed: 'now', nextPoll: new Date(NOW).toISOString() });
    await followed(medplum, { seen: [], sealed: 'later', nextPoll: new Date(NOW + 1000).toISOString() });
    const { d, asked } = deps(() => Promise.resolve(resolved([])));
    expect(await pollFollowed(medplum, d)).toEqual({ polled: 2, imported: 0, queued: 0, stopped: 0, deferred: 0 });
    expect(asked.sort()).toEqual(['now', 'past']);
  });

  test('least recently polled first, whatever order the links were made in', async () => {
    const medplum = createFhirServer();
    const tasks: Task[] = [];
    for (const sealed of ['made-1', 'made-2', 'made-3']) {
      tasks.push(await followed(medplum, { sealed }));
    }
    // Polled (so updated) in the order 2, 3, 1: 2 has waited longest.
    for (const i of [1, 2, 0]) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await medplum.updateResource({ ...(tasks[i] as Task), description: 'polled' });
    }
    const { d, asked } = deps(() => Promise.resolve(resolved([])));
    await pollFollowed(medplum, d);
    expect(asked).toEqual(['made-2', 'made-3', 'made-1']);
  });

  test('a run starts no link after its time budget; the rest stay due and go first next run', async () => {
    const medplum = createFhirServer();
    const tasks = [];
    for (let i = 0; i < 3; i++) {
      tasks.push(await followed(medplum));
    }
    // Each answer takes 5 s of the 8 s budget: two links start, the third waits.
    let clock = NOW;
    const slow = deps(
      () => {
        clock += 5000;
        return Promise.reject(new ShlError('fetch-failed', 'slow'));
      },
      { now: () => clock }
    ).d;
    expect(await pollFollowed(medplum, slow)).toEqual({ polled: 2, imported: 0, queued: 0, stopped: 0, deferred: 1 });
    const left = await Promise.all(tasks.map((t) => medplum.readResource('Task', t.id as string)));
    const waiting = left.filter((t) => Date.parse(t.extension?.[0]?.valueDateTime ?? '') < clock);
    expect(waiting).toHaveLength(1);
    // Next run: the link left over is polled, even on a budget of 1 ms (the first always starts).
    clock += 1000;
    expect(await pollFollowed(medplum, { ...slow, budgetMs: 1 })).toMatchObject({ polled: 1, deferred: 0 });
    expect(
      Date.parse((await medplum.readResource('Task', waiting[0]?.id as string)).extension?.[0]?.valueDateTime ?? '')
    ).toBeGreaterThan(clock);
  });

  test('a budget spent exactly is spent', async () => {
    const medplum = createFhirServer();
    await followed(medplum);
    await followed(medplum);
    let clock = NOW;
    const d = deps(
      () => {
        clock += 8000;
        return Promise.resolve(resolved([]));
      },
      { now: () => clock }
    ).d;
    expect(await pollFollowed(medplum, d)).toMatchObject({ polled: 1, deferred: 1 });
  });
});

describe('pollFollowed: the schedule after each outcome', () => {
  test('after a good poll: next in one hour, the interval back to one hour, what it shares remembered', async () => {
    const medplum = createFhirServer();
    const task = await followed(medplum, { interval: 4 * DAY, seen: [condition('A')] });
    await pollFollowed(medplum, deps(() => Promise.resolve(resolved([condition('A')]))).d);
    expect(await schedule(medplum, task)).toEqual({
      next: HOUR,
      interval: HOUR,
      seen: fingerprintList(resolved([condition('A')]).resources),
    });
  });

  test('errors double the interval (one hour when none is set), and the link is still followed', async () => {
    const medplum = createFhirServer();
    const fresh = await followed(medplum, { seen: [condition('A')] });
    const set = await followed(medplum, { interval: 3 * HOUR });
    await pollFollowed(medplum, failing(new ShlError('fetch-failed', 'down')));
    expect(await schedule(medplum, fresh)).toEqual({
      next: 2 * HOUR,
      interval: 2 * HOUR,
      seen: fingerprintList(resolved([condition('A')]).resources),
    });
    expect(await schedule(medplum, set)).toEqual({ next: 6 * HOUR, interval: 6 * HOUR });
    expect((await medplum.readResource('Task', fresh.id as string)).status).toBe('in-progress');
  });

  test('the back-off stops at one week', async () => {
    const medplum = createFhirServer();
    const tasks = [
      await followed(medplum, { interval: 3 * DAY }),
      await followed(medplum, { interval: 5 * DAY }),
      await followed(medplum, { interval: 7 * DAY }),
    ];
    await pollFollowed(medplum, failing(new Error('not even a contract error')));
    expect(await Promise.all(tasks.map(async (t) => (await schedule(medplum, t)).next / DAY))).toEqual([6, 7, 7]);
  });

  test("a 429's Retry-After pushes the next poll at least that far; a shorter one keeps the interval", async () => {
    const medplum = createFhirServer();
    const task = await followed(medplum);
    await pollFollowed(medplum, failing(new ShlError('rate-limited', 'wait', { retryAfter: 3 * HOUR })));
    expect(await schedule(medplum, task)).toEqual({ next: 3 * HOUR, interval: 3 * HOUR });
    const patient = await followed(medplum, { interval: 5 * HOUR });
    await pollFollowed(medplum, failing(new ShlError('rate-limited', 'wait', { retryAfter: 60 })));
    expect(await schedule(medplum, patient)).toEqual({ next: 5 * HOUR, interval: 5 * HOUR });
  });

  test('a link the sender no longer shares (not-found, or marked no longer valid) stops being followed', async () => {
    const medplum = createFhirServer();
    const gone = await followed(medplum);
    expect(await pollFollowed(medplum, failing(new ShlError('not-found', 'gone')))).toMatchObject({
      polled: 1,
      stopped: 1,
    });
    expect(await medplum.readResource('Task', gone.id as string)).toMatchObject({
      status: 'completed',
      statusReason: { text: 'The sender no longer shares this link.' },
    });
    const invalid = await followed(medplum);
    const d = deps(() =>
      Promise.resolve(resolved([condition('B')], ['The sender marks this link as no longer valid.']))
    ).d;
    expect(await pollFollowed(medplum, d)).toMatchObject({ polled: 1, stopped: 1, queued: 0 });
    expect(await medplum.readResource('Task', invalid.id as string)).toMatchObject({
      status: 'completed',
      statusReason: { text: 'The sender marks this link as no longer valid.' },
    });
  });
});

describe('pollFollowed: what a change does', () => {
  test('unchanged content does nothing but reschedule', async () => {
    const medplum = createFhirServer();
    await followed(medplum, { seen: [condition('A')] });
    const run = deps(() => Promise.resolve(resolved([condition('A')])));
    expect(await pollFollowed(medplum, run.d)).toEqual({ polled: 1, imported: 0, queued: 0, stopped: 0, deferred: 0 });
    expect(run.imported).toHaveLength(0);
    expect(
      await medplum.searchResources('Task', { code: `${REVIEW_TASK_CODE.system}|${REVIEW_TASK_CODE.code}` })
    ).toHaveLength(0);
  });

  test('import mode: the new content is imported into the followed patient', async () => {
    const medplum = createFhirServer();
    await followed(medplum, { mode: 'import', seen: [condition('A')] });
    const run = deps(() => Promise.resolve(resolved([condition('A'), condition('B')])));
    expect(await pollFollowed(medplum, run.d)).toMatchObject({ polled: 1, imported: 2, queued: 0 });
    expect(run.imported).toEqual([
      {
        source: resolved([]).source,
        resources: resolved([condition('A'), condition('B')]).resources,
        target: { reference: 'Patient/p' },
        subject: 'Patient/in',
      },
    ]);
  });

  test('review mode: one review queued, then updated (not another) while it waits, withdrawn when the link is back', async () => {
    const medplum = createFhirServer();
    const follow = await followed(medplum, { seen: [condition('A')], nextPoll: '2000-01-01T00:00:00Z' });
    const reviews = () =>
      medplum.searchResources('Task', { code: `${REVIEW_TASK_CODE.system}|${REVIEW_TASK_CODE.code}` });
    let shared = [condition('A'), condition('B')];
    const run = deps(() => Promise.resolve(resolved(shared)));
    expect(await pollFollowed(medplum, run.d)).toMatchObject({ polled: 1, queued: 1 });
    const [review] = await reviews();
    expect(review).toMatchObject({
      status: 'requested',
      for: { reference: 'Patient/p' },
      basedOn: [{ reference: `Task/${follow.id ?? ''}` }],
      description:
        'Changes in Diabetes diary (https://sender.example): 1 new or changed item, 0 items no longer shared.',
    });
    expect(taskInput(review as Task, TASK_INPUT.seen)).toBe(fingerprintList([incoming, condition('A')]));
    expect(await openBoxText(box, 'review-task', taskInput(review as Task, TASK_INPUT.link))).toEqual({
      sealed: 'sealed',
      patient: 'Patient/p',
    });
    // Changed again before anyone looked: the same review, counted from what staff last saw.
    shared = [condition('B'), condition('C')];
    await medplum.updateResource({ ...(await medplum.readResource('Task', follow.id as string)), extension: [] });
    expect(await pollFollowed(medplum, run.d)).toMatchObject({ polled: 1, queued: 0 });
    expect((await reviews()).map((r) => r.description)).toEqual([
      'Changes in Diabetes diary (https://sender.example): 2 new or changed items, 1 item no longer shared.',
    ]);
    // Back to what staff saw: the review is withdrawn.
    shared = [condition('A')];
    await medplum.updateResource({ ...(await medplum.readResource('Task', follow.id as string)), extension: [] });
    await pollFollowed(medplum, run.d);
    expect((await reviews()).map((r) => r.status)).toEqual(['cancelled']);
  });

  test('import mode without a patient in the link queues a review instead', async () => {
    const medplum = createFhirServer();
    await followed(medplum, { mode: 'import', seen: [condition('A')] });
    const run = deps(() => Promise.resolve({ ...resolved([condition('B')]), patient: undefined }));
    expect(await pollFollowed(medplum, run.d)).toMatchObject({ imported: 0, queued: 1 });
    expect(run.imported).toHaveLength(0);
  });
});

describe('pollFollowed: "Check now" and Tasks the bot did not write', () => {
  test('one followed link at once, due or not; anything else is refused', async () => {
    const medplum = createFhirServer();
    const task = await followed(medplum, {
      seen: [],
      sealed: 'now-please',
      nextPoll: new Date(NOW + DAY * 1000).toISOString(),
    });
    const run = deps(() => Promise.resolve(resolved([])));
    expect(await pollFollowed(medplum, run.d, `Task/${task.id ?? ''}`)).toEqual({
      polled: 1,
      imported: 0,
      queued: 0,
      stopped: 0,
      deferred: 0,
    });
    expect(run.asked).toEqual(['now-please']);
    const done = await medplum.updateResource({ ...task, status: 'completed' as const });
    const review = await medplum.createResource<Task>({
      resourceType: 'Task',
      status: 'in-progress',
      intent: 'order',
      code: { coding: [REVIEW_TASK_CODE] },
    });
    for (const reference of [`Task/${done.id}`, `Task/${review.id}`, 'Task/missing']) {
      await expect(pollFollowed(medplum, run.d, reference)).rejects.toMatchObject({
        code: 'invalid-input',
        message: `"task" must be a followed link's Task that is still in progress.`,
      });
    }
    expect(run.asked).toEqual(['now-please']);
  });

  test('a Task whose box does not open, or disagrees with it, is marked failed and counted as refused', async () => {
    const medplum = createFhirServer();
    const forged = await followed(medplum);
    await medplum.updateResource({ ...forged, for: { reference: 'Patient/other' } });
    const run = deps(() => Promise.resolve(resolved([])));
    expect(await pollFollowed(medplum, run.d)).toEqual({
      polled: 1,
      imported: 0,
      queued: 0,
      stopped: 0,
      deferred: 0,
      refused: 1,
    });
    expect(run.asked).toEqual([]);
    expect(await medplum.readResource('Task', forged.id as string)).toMatchObject({ status: 'failed' });
  });
});

describe('readPollTask', () => {
  test('a Task reference or nothing', () => {
    expect(readPollTask(undefined)).toBeUndefined();
    expect(readPollTask('Task/abc-1.2')).toBe('Task/abc-1.2');
    for (const bad of ['Patient/1', 'Task/', `Task/${'x'.repeat(65)}`, 'Task/a b', 42, 'xTask/1', 'Task/1x/']) {
      expect(() => readPollTask(bad)).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    }
  });
});
