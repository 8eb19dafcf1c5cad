/**
 * Following a long-lived link through the bot: the link kept sealed in a Task, polls at a bounded
 * pace (due time, Retry-After, back-off), changes imported or queued for review, stopping when
 * the sender no longer shares it, and cron runs treated as polls.
 */
import type { Bundle, Condition, Task } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FOLLOW_TASK_CODE } from '../bots/import/follow';
import { createFhirServer } from '../app/local/fhir-server';
import { ShlSender } from '../app/local/shl-sender';
import type { BotHarness } from './support/bot';
import { createBotHarness, ok } from './support/bot';
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
    expect(await f.poll()).toEqual({ polled: 0, imported: 0, queued: 0, stopped: 0 });
  });

  test('unchanged content does nothing; changed content is queued for review', async () => {
    const f = await follow(false);
    await f.due();
    expect(await f.poll()).toEqual({ polled: 1, imported: 0, queued: 0, stopped: 0 });
    sender.setFiles(f.linkId, [{ content: content('Asthma', 'Diabetes'), contentType: 'application/fhir+json' }]);
    await f.due();
    expect(await f.poll()).toMatchObject({ polled: 1, queued: 1 });
    const reviews = await f.medplum.searchResources('Task', { status: 'requested' });
    expect(reviews).toHaveLength(1);
    expect(reviews[0]?.description).toMatch(/New or changed content from Diabetes diary/);
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
});
