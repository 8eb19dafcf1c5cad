/**
 * Kiosk check-in through the bot: unattended import only for a single certain match when the
 * project allows it; otherwise a Task for staff holding the still-sealed input, which staff
 * resolve again with the normal flow. No health data in the kiosk's answer.
 */
import type { Patient, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TASK_INPUT, taskInput } from '../bots/import/tasks';
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

const incoming: Patient = {
  resourceType: 'Patient',
  id: 'in',
  name: [{ given: ['Robert'], family: 'Nunez' }],
  birthDate: '1980-04-12',
  telecom: [{ system: 'phone', value: '617-555-0142' }],
};

async function setup(
  secrets: Record<string, string>,
  onFile: Omit<Patient, 'resourceType'>[] = [{ ...incoming, id: undefined }]
): Promise<{ bot: BotHarness; shl: string; stored: Patient; key: string }> {
  const medplum = createFhirServer();
  const stored: Patient[] = [];
  for (const patient of onFile) {
    stored.push(await medplum.createResource<Patient>({ ...patient, resourceType: 'Patient' }));
  }
  const bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, ...secrets }, medplum);
  const link = await sender.createLink({
    files: [
      {
        content: JSON.stringify({
          resourceType: 'Bundle',
          type: 'collection',
          entry: [
            incoming,
            { resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/in' }, code: { text: 'Asthma' } },
          ].map((resource) => ({ resource })),
        }),
        contentType: 'application/fhir+json',
      },
    ],
  });
  return { bot, shl: link.shl, stored: stored[0] as Patient, key: link.key };
}

async function checkIn(bot: BotHarness, shl: string): Promise<{ output: unknown; sealed: string }> {
  const sealed = await sealForBot(await bot.publicKey(), { shl });
  return { output: await bot.run({ operation: 'check-in', sealed }), sealed };
}

describe('check-in', () => {
  test('unattended imports allowed and one certain match: imported, with nothing about the patient in the answer', async () => {
    const { bot, shl, stored } = await setup({ SHL_KIOSK_UNATTENDED: 'true' });
    const { output } = await checkIn(bot, shl);
    expect(output).toEqual({ status: 'imported', imported: 1 });
    expect(await bot.medplum.searchResources('Condition', { patient: `Patient/${stored.id ?? ''}` })).toHaveLength(1);
  });

  test.each([
    ['only a probable match (no phone on file)', [{ name: incoming.name, birthDate: incoming.birthDate }]],
    [
      'two patients that would each be certain',
      [
        { ...incoming, id: undefined },
        { ...incoming, id: undefined },
      ],
    ],
  ])('unattended imports allowed, but %s: queued, nothing imported', async (_what, onFile) => {
    const { bot, shl } = await setup({ SHL_KIOSK_UNATTENDED: 'true' }, onFile);
    const { output } = await checkIn(bot, shl);
    expect(output).toEqual({ status: 'queued', task: expect.stringMatching(/^Task\//) });
    expect(await bot.medplum.searchResources('Condition', {})).toHaveLength(0);
    const task = await bot.medplum.readReference<Task>({ reference: (output as { task: string }).task });
    expect(task.for).toBeUndefined();
  });

  test('otherwise a Task for staff holds the link in a box only the bot opens; staff resolve it by the Task', async () => {
    const { bot, shl, key } = await setup({});
    const { output, sealed } = await checkIn(bot, shl);
    expect((output as { status: string }).status).toBe('queued');
    expect((output as { task: string }).task).toMatch(/^Task\//);
    expect(JSON.stringify(output)).not.toMatch(/Nunez|Asthma/);
    const task = await bot.medplum.readReference<Task>({ reference: (output as { task: string }).task });
    // Not even the sealed input: a Task reader could otherwise resolve it with the bot as a bearer token.
    expect(JSON.stringify(task)).not.toContain(sealed);
    expect(JSON.stringify(task)).not.toContain(key);
    expect(JSON.stringify(task)).not.toContain(shl.slice(8));
    expect(await bot.medplum.searchResources('Condition', {})).toHaveLength(0);
    expect(errorCode(await bot.run({ operation: 'resolve', sealed: taskInput(task, TASK_INPUT.link) }))).toBe(
      'sealing-required'
    );
    const resolved = ok(await bot.run({ operation: 'resolve', task: `Task/${task.id}` }));
    expect(resolved.matches[0]?.grade).toBe('certain');
  });
});
