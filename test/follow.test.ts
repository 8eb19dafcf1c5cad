/**
 * Following a long-lived link through the bot: the link kept sealed in a Task, polls at a bounded
 * pace (due time, Retry-After, back-off), changes imported or queued for review, stopping when
 * the sender no longer shares it, and cron runs treated as polls.
 */
import type { Bundle, Condition, Patient, Task } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compareFingerprints, FOLLOW_TASK_CODE, REVIEW_TASK_CODE, TASK_INPUT, taskInput } from '../bots/import/tasks';
import { createFhirServer } from '../local/fhir-server';
import { ShlSender } from '../local/shl-sender';
import type { BotHarness } from './support/bot';
import { createBotHarness, errorCode, ok } from './support/bot';
import { sealForBot } from './support/seal';

let sender: ShlSender;

beforeAll(async () => {
  sender = await ShlSender.start();
});

afterAll(async () => {
  await sender.close();
});

function content(...conditions: string[]): string {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      {
        resource: {
          resourceType: 'Patient',
          id: 'p',
          name: [{ family: 'Doe', given: ['Jan'] }],
          birthDate: '1970-01-01',
        },
      },
      ...conditions.map((text, i) => {
        const condition: Condition = {
          resourceType: 'Condition',
          id: `c${i}`,
          subject: { reference: 'Patient/p' },
          code: { text },
        };
        return { resource: condition };
      }),
    ],
  };
  return JSON.stringify(bundle);
}

interface Followed {
  medplum: MockClient;
  bot: BotHarness;
  linkId: string;
  key: string;
  task: () => Promise<Task>;
  due: () => Promise<void>;
  poll: () => Promise<Record<string, number>>;
}

async function follow(auto: boolean): Promise<Followed> {
  const medplum = createFhirServer();
  const bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host }, medplum);
  const link = await sender.createLink({
    files: [{ content: content('Asthma'), contentType: 'application/fhir+json' }],
    flag: 'L',
    label: 'Diabetes diary',
  });
  const sealed = await sealForBot(await bot.publicKey(), { shl: link.shl });
  const resolved = ok(await bot.run({ operation: 'resolve', sealed }));
  const output = (await bot.run({
    operation: 'import',
    source: resolved.source,
    resources: resolved.resources,
    patient: { create: resolved.patient },
    follow: { sealed, auto },
  })) as { following?: string };
  expect(output.following).toMatch(/^Task\//);
  const task = (): Promise<Task> => medplum.readReference<Task>({ reference: output.following ?? '' });
  return {
    medplum,
    bot,
    linkId: link.id,
    key: link.key,
    task,
    due: async () => {
      const t = await task();
      await medplum.updateResource({
        ...t,
        extension: t.extension?.map((e) => (e.valueDateTime ? { ...e, valueDateTime: '2000-01-01T00:00:00.000Z' } : e)),
      });
    },
    poll: async () => (await bot.run({ operation: 'poll' })) as unknown as Record<string, number>,
  };
}

describe('following long-lived links', () => {
  test('the link is kept sealed in a Task for the patient; nothing is polled before it is due', async () => {
    const f = await follow(false);
    const task = await f.task();
    expect(task.code?.coding?.[0]).toEqual(FOLLOW_TASK_CODE);
    expect(task.for?.reference).toMatch(/^Patient\//);
    expect(JSON.stringify(task)).not.toContain(f.key);
    expect(await f.poll()).toEqual({ polled: 0, imported: 0, queued: 0, stopped: 0, deferred: 0 });
  });

  test('unchanged content does nothing; changed content is queued for review, counted', async () => {
    const f = await follow(false);
    await f.due();
    expect(await f.poll()).toEqual({ polled: 1, imported: 0, queued: 0, stopped: 0, deferred: 0 });
    sender.setFiles(f.linkId, [{ content: content('Asthma', 'Diabetes'), contentType: 'application/fhir+json' }]);
    await f.due();
    expect(await f.poll()).toMatchObject({ polled: 1, queued: 1 });
    const reviews = await f.medplum.searchResources('Task', { status: 'requested' });
    expect(reviews).toHaveLength(1);
    expect(reviews[0]?.description).toBe(
      `Changes in Diabetes diary (${sender.origin}): 1 new or changed item, 0 items no longer shared.`
    );
    expect(reviews[0]?.basedOn?.[0]?.reference).toBe(`Task/${(await f.task()).id}`);
    expect(reviews[0]?.for).toEqual((await f.task()).for);
  });

  test('what changed since staff last saw the link: marked, and counted across polls while the review waits', async () => {
    const f = await follow(false);
    sender.setFiles(f.linkId, [{ content: content('Asthma', 'Diabetes'), contentType: 'application/fhir+json' }]);
    await f.due();
    await f.poll();
    // A second change before anyone reviewed the first: the same review Task, counted from the start.
    sender.setFiles(f.linkId, [{ content: content('Diabetes', 'Gout'), contentType: 'application/fhir+json' }]);
    await f.due();
    expect(await f.poll()).toMatchObject({ polled: 1, queued: 0 });
    const reviews = await f.medplum.searchResources('Task', { status: 'requested' });
    expect(reviews).toHaveLength(1);
    const review = reviews[0] as Task;
    expect(review.description).toMatch(/: 2 new or changed items, 1 item no longer shared\.$/);
    // What staff see on opening it: the current content against what they saw at the import.
    const seen = taskInput(review, TASK_INPUT.seen)?.split(' ') ?? [];
    const resolved = ok(await f.bot.run({ operation: 'resolve', task: `Task/${review.id ?? ''}` }));
    const changes = compareFingerprints(resolved.resources, new Set(seen));
    expect(resolved.resources.filter(changes.isNew).map((r) => (r as Condition).code?.text)).toEqual([
      'Diabetes',
      'Gout',
    ]);
    expect(changes).toMatchObject({ added: 2, removed: 1 });
    expect(JSON.stringify(review)).not.toContain(f.key);
    // Back to what staff saw at the import: nothing left to review.
    sender.setFiles(f.linkId, [{ content: content('Asthma'), contentType: 'application/fhir+json' }]);
    await f.due();
    await f.poll();
    expect(await f.medplum.readResource('Task', review.id as string)).toMatchObject({ status: 'cancelled' });
  });

  test('auto mode imports the new content; nothing already there is duplicated', async () => {
    const f = await follow(true);
    sender.setFiles(f.linkId, [{ content: content('Asthma', 'Diabetes'), contentType: 'application/fhir+json' }]);
    await f.due();
    expect(await f.poll()).toMatchObject({ polled: 1, imported: 1 });
    expect((await f.medplum.searchResources('Condition', {})).map((c) => c.code?.text).sort()).toEqual([
      'Asthma',
      'Diabetes',
    ]);
  });

  test('a link the sender no longer shares stops being followed', async () => {
    const f = await follow(false);
    sender.revoke(f.linkId);
    await f.due();
    expect(await f.poll()).toMatchObject({ polled: 1, stopped: 1 });
    expect((await f.task()).status).toBe('completed');
  });

  test('a cron run (input: the Bot resource) polls', async () => {
    const f = await follow(false);
    await f.due();
    expect(await f.bot.run({ resourceType: 'Bot', id: 'shl-import' })).toMatchObject({ polled: 1 });
  });

  // A Cron resource's run gets `cron.parameters ?? cron` (newer Medplum servers).
  test.each([
    ['the Cron resource', { resourceType: 'Cron', id: 'c1', active: true, cronString: '*/15 * * * *' }],
    ['its parameters as a Parameters resource', { resourceType: 'Parameters', parameter: [{ name: 'x' }] }],
    ['its parameters as a list', [{ name: 'x', valueString: 'y' }]],
  ])('a Cron run (input: %s) polls', async (_shape, input) => {
    const f = await follow(false);
    await f.due();
    expect(await f.bot.run(input)).toMatchObject({ polled: 1 });
  });

  test('other lists are not taken for a scheduled run', async () => {
    const f = await follow(false);
    expect(errorCode(await f.bot.run([1, 2]))).toBe('invalid-input');
  });

  test('"Check now" polls one followed link at once, before it is due; anything else is refused', async () => {
    const f = await follow(false);
    sender.setFiles(f.linkId, [{ content: content('Asthma', 'Gout'), contentType: 'application/fhir+json' }]);
    const task = `Task/${(await f.task()).id}`;
    expect(await f.poll()).toMatchObject({ polled: 0 });
    expect(await f.bot.run({ operation: 'poll', task })).toEqual({
      polled: 1,
      imported: 0,
      queued: 1,
      stopped: 0,
      deferred: 0,
    });
    const review = await f.medplum.searchOne('Task', { status: 'requested' });
    expect(review?.description).toMatch(/1 new or changed item, 0 items no longer shared/);
    expect(await f.bot.run({ operation: 'poll', task: `Task/${review?.id}` })).toMatchObject({
      error: { code: 'invalid-input' },
    });
    expect(await f.bot.run({ operation: 'poll', task: 'Patient/1' })).toMatchObject({
      error: { code: 'invalid-input' },
    });
  });
});

describe('Tasks are bound to the bot', () => {
  /** A followed link's Task as someone other than the bot could write it. */
  async function forge(f: Followed, change: (task: Task) => Task): Promise<Task> {
    const { id: _id, meta: _meta, ...task } = await f.task();
    return f.medplum.createResource<Task>(change(task));
  }

  test("a follow Task the bot did not write is never acted on: the attacker's own sealed link imports nothing", async () => {
    const f = await follow(false);
    const victim = await f.medplum.createResource<Patient>({ resourceType: 'Patient', name: [{ family: 'Victim' }] });
    const attackerLink = await sender.createLink({
      files: [{ content: content('Planted'), contentType: 'application/fhir+json' }],
      flag: 'L',
    });
    const sealed = await sealForBot(await f.bot.publicKey(), { shl: attackerLink.shl });
    const forged = await forge(f, (task) => ({
      ...task,
      for: { reference: `Patient/${victim.id}` },
      input: [
        { type: { text: TASK_INPUT.link }, valueString: sealed },
        { type: { text: TASK_INPUT.mode }, valueString: 'import' },
      ],
      extension: [],
    }));
    expect(await f.poll()).toMatchObject({ polled: 1, imported: 0, refused: 1 });
    expect(await f.medplum.searchResources('Condition', { patient: `Patient/${victim.id}` })).toHaveLength(0);
    const after = await f.medplum.readResource('Task', forged.id ?? '');
    expect(after.status).toBe('failed');
    expect(after.statusReason?.text).toMatch(/not written by the import bot/);
  });

  test("the bot's own box copied to another patient, or to import mode, is refused too", async () => {
    const f = await follow(false);
    const other = await f.medplum.createResource<Patient>({ resourceType: 'Patient', name: [{ family: 'Other' }] });
    await forge(f, (task) => ({ ...task, for: { reference: `Patient/${other.id}` }, extension: [] }));
    await forge(f, (task) => ({
      ...task,
      extension: [],
      input: task.input?.map((i) => (i.type.text === TASK_INPUT.mode ? { ...i, valueString: 'import' } : i)),
    }));
    expect(await f.poll()).toMatchObject({ polled: 2, refused: 2, imported: 0 });
  });

  test("a review Task's box opens only for resolve, and a follow Task's never does", async () => {
    const f = await follow(false);
    const follow_ = await f.task();
    expect(await f.bot.run({ operation: 'resolve', task: `Task/${follow_.id}` })).toMatchObject({
      error: { code: 'invalid-input' },
    });
    // A review Task that holds the follow Task's box: the purposes differ, so it does not open.
    const review = await f.medplum.createResource<Task>({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [REVIEW_TASK_CODE] },
      for: follow_.for,
      input: [{ type: { text: TASK_INPUT.link }, valueString: taskInput(follow_, TASK_INPUT.link) }],
    });
    expect(await f.bot.run({ operation: 'resolve', task: `Task/${review.id}` })).toMatchObject({
      error: { code: 'invalid-input', message: expect.stringMatching(/not written by the import bot/) },
    });
  });
});
