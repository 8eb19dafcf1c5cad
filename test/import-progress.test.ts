/**
 * `import`'s progress for the page: written to the user's key-value store as the Bundles go in,
 * in order, ending with every item written, then deleted; a store that fails or is missing never
 * fails the import; a malformed token is refused before anything is written.
 */
import type { Observation, Resource } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { describe, expect, test } from 'vitest';
import { errorCode } from './support/bot';
import { aboutP, importOk, resolveBundle, setup, useSender } from './support/imports';

const sender = useSender();

const observations: Resource[] = Array.from({ length: 600 }, (_, i): Observation => ({
  resourceType: 'Observation',
  id: `o${i}`,
  status: 'final',
  code: { text: `Glucose ${i}` },
  subject: { reference: 'Patient/p' },
}));

type Write = { op: 'set'; key: string; value: { written: number; total: number } } | { op: 'delete'; key: string };

/** Gives the bot's client a key-value store that records what is written, or one that fails. */
function storeOn(medplum: MockClient, behaviour: 'record' | 'fail' | 'missing'): Write[] {
  const writes: Write[] = [];
  const store = {
    get: () => Promise.resolve(undefined),
    set: (key: string, value: string) => {
      if (behaviour === 'fail') {
        return Promise.reject(new Error('Max items exceeded'));
      }
      writes.push({ op: 'set', key, value: JSON.parse(value) as { written: number; total: number } });
      return Promise.resolve();
    },
    delete: (key: string) => {
      writes.push({ op: 'delete', key });
      return Promise.resolve();
    },
  };
  Object.defineProperty(medplum, 'keyValue', { value: behaviour === 'missing' ? undefined : store });
  return writes;
}

describe('import progress', () => {
  test('written in order as Bundles go in, ending with everything written, then deleted', async () => {
    const { medplum, bot } = await setup(sender());
    const writes = storeOn(medplum, 'record');
    const resolved = await resolveBundle(sender(), bot, aboutP(...observations));
    const output = importOk(
      await bot.run({
        operation: 'import',
        staged: resolved.staged,
        select: resolved.resources
          .filter((r) => r.resourceType === 'Observation')
          .map((r) => `Observation/${r.id ?? ''}`),
        patient: { create: resolved.patient },
        progress: 'page-token-1',
      })
    );
    expect(output.created.filter((r) => r.startsWith('Observation/'))).toHaveLength(600);
    expect(new Set(writes.map((w) => w.key))).toEqual(new Set(['shl-import-progress-page-token-1']));
    const sets = writes.flatMap((w) => (w.op === 'set' ? [w.value] : []));
    expect(sets.length).toBeGreaterThanOrEqual(2);
    expect(sets.map((s) => s.written)).toEqual([...sets.map((s) => s.written)].sort((a, b) => a - b));
    // The new patient, 600 results and the Provenance.
    expect(sets.at(-1)).toEqual({ written: 602, total: 602 });
    expect(writes.at(-1)).toEqual({ op: 'delete', key: 'shl-import-progress-page-token-1' });
  });

  test('a store that refuses, or none at all, does not fail the import', async () => {
    for (const behaviour of ['fail', 'missing'] as const) {
      const { medplum, bot } = await setup(sender());
      storeOn(medplum, behaviour);
      const resolved = await resolveBundle(sender(), bot, aboutP(...observations.slice(0, 3)));
      const output = importOk(
        await bot.run({
          operation: 'import',
          source: resolved.source,
          resources: resolved.resources,
          patient: { create: resolved.patient },
          progress: 'page-token-2',
        })
      );
      expect(output.created, behaviour).toHaveLength(4);
    }
  });

  test('a malformed token is invalid-input, and nothing is written', async () => {
    const { medplum, bot } = await setup(sender());
    const writes = storeOn(medplum, 'record');
    const resolved = await resolveBundle(sender(), bot, aboutP(...observations.slice(0, 1)));
    for (const progress of ['short', 'has a space in it', 'x'.repeat(65), 42]) {
      const output = await bot.run({
        operation: 'import',
        source: resolved.source,
        resources: resolved.resources,
        patient: { create: resolved.patient },
        progress,
      });
      expect(errorCode(output), String(progress)).toBe('invalid-input');
    }
    expect(writes).toEqual([]);
    expect(await medplum.searchResources('Observation', {})).toHaveLength(0);
  });
});
