import type { Task } from '@medplum/fhirtypes';
import { webcrypto } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createFhirServer } from '../../local/fhir-server';
import type { BoxKey } from '../bot-box';
import { sealBoxText } from '../bot-box';
import { ShlError } from '../shl/errors';
import type { ResolveOutput } from '../contract';
import { pollFollowed } from './follow';
import { DEFAULT_POLL_INTERVAL_S, FOLLOW_TASK_CODE, TASK_INPUT } from './tasks';

const NOW = Date.parse('2026-11-24T12:00:00Z');

/** The bot's box key, as `bot-run.ts` derives it (any AES-GCM key does for pacing). */
const box: BoxKey = {
  key: await webcrypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
  subtle: webcrypto.subtle as SubtleCrypto,
  randomBytes: (n) => webcrypto.getRandomValues(new Uint8Array(n)),
};

async function followedTask(
  medplum = createFhirServer()
): Promise<{ medplum: ReturnType<typeof createFhirServer>; task: Task }> {
  const link = await sealBoxText(box, 'follow-task', { sealed: 'sealed', patient: 'Patient/p', mode: 'review' });
  const task = await medplum.createResource<Task>({
    resourceType: 'Task',
    status: 'in-progress',
    intent: 'order',
    code: { coding: [FOLLOW_TASK_CODE] },
    for: { reference: 'Patient/p' },
    extension: [
      {
        url: 'https://smarthealthit.org/shl-import/StructureDefinition/next-poll',
        valueDateTime: '2026-01-01T00:00:00Z',
      },
    ],
    input: [
      { type: { text: TASK_INPUT.link }, valueString: link },
      { type: { text: TASK_INPUT.mode }, valueString: 'review' },
    ],
  });
  return { medplum, task };
}

function nextPoll(task: Task): number {
  return Date.parse(task.extension?.find((e) => e.url.endsWith('/next-poll'))?.valueDateTime ?? '');
}

describe('pollFollowed pacing', () => {
  const failing = (err: Error) => ({
    box,
    resolveSealed: (): Promise<ResolveOutput> => Promise.reject(err),
    importResources: () => Promise.reject(new Error('not called')),
    now: () => NOW,
    budgetMs: 8000,
  });

  test("a 429's Retry-After pushes the next poll at least that far", async () => {
    const { medplum, task } = await followedTask();
    const retryAfter = 3 * DEFAULT_POLL_INTERVAL_S;
    await pollFollowed(medplum, failing(new ShlError('rate-limited', 'wait', { retryAfter })));
    expect(nextPoll(await medplum.readResource('Task', task.id as string))).toBe(NOW + retryAfter * 1000);
  });

  test('other errors double the interval, and the link is still followed', async () => {
    const { medplum, task } = await followedTask();
    await pollFollowed(medplum, failing(new ShlError('fetch-failed', 'down')));
    const after = await medplum.readResource('Task', task.id as string);
    expect(nextPoll(after)).toBe(NOW + 2 * DEFAULT_POLL_INTERVAL_S * 1000);
    expect(after.status).toBe('in-progress');
  });

  test('a run starts no link after its time budget; the rest stay due and go first next run', async () => {
    const medplum = createFhirServer();
    const tasks = [];
    for (let i = 0; i < 3; i++) {
      tasks.push((await followedTask(medplum)).task);
    }
    // Each answer takes 5 s of the 8 s budget: two links start, the third waits.
    let clock = NOW;
    const slow = {
      box,
      resolveSealed: (): Promise<ResolveOutput> => {
        clock += 5000;
        return Promise.reject(new ShlError('fetch-failed', 'slow'));
      },
      importResources: () => Promise.reject(new Error('not called')),
      now: () => clock,
      budgetMs: 8000,
    };
    expect(await pollFollowed(medplum, slow)).toMatchObject({ polled: 2, deferred: 1 });
    const left = await Promise.all(tasks.map((t) => medplum.readResource('Task', t.id as string)));
    const waiting = left.filter((t) => nextPoll(t) < clock);
    expect(waiting).toHaveLength(1);
    // Next run: the link left over is polled.
    clock += 1000;
    const next = await pollFollowed(medplum, { ...slow, budgetMs: 1 });
    expect(next).toMatchObject({ polled: 1 });
    expect(nextPoll(await medplum.readResource('Task', waiting[0]?.id as string))).toBeGreaterThan(clock);
  });
});
