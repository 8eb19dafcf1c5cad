/**
 * Staged results round trip through Medplum's in-memory router: small ones as plain JSON, large
 * ones deflated a piece at a time (the pieces joined into one raw deflate stream), a huge
 * resource in a batch of its own; and a box is readable only by the user who resolved it.
 */
import type { Observation, Resource } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { openBoxBytes } from '../bot-box';
import { deflateRawPiece, inflateRaw, nodeCodec, randomBytes } from '../node-platform';
import type { StagingDeps } from './staging';
import { loadStaged, stageResult } from './staging';

const subtle = globalThis.crypto.subtle;

async function deps(requester = 'Practitioner/a'): Promise<StagingDeps> {
  const key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  return {
    medplum: new MockClient(),
    key,
    subtle,
    randomBytes,
    now: () => 1_000_000,
    requester,
    codec: nodeCodec,
    deflateRawPiece,
    inflateRaw,
  };
}

const source = { origin: 'https://sender.example', linkId: 'a'.repeat(64) };

function observations(count: number, note = ''): Observation[] {
  return Array.from({ length: count }, (_, i) => ({
    resourceType: 'Observation',
    id: `o${String(i)}`,
    status: 'final',
    code: { text: `Reading ${String(i)} ${note}` },
    valueQuantity: { value: i, unit: 'mg/dL' },
  }));
}

/** The box's plaintext: `{` for plain JSON, 0 then raw deflate for deflated. */
async function plaintextOf(staging: StagingDeps, handle: string): Promise<Uint8Array> {
  const pieces = await Promise.all(
    handle.split(',').map(async (piece) => {
      const binary = await staging.medplum.readResource('Binary', piece.slice('Binary/'.length));
      return Buffer.from(binary.data ?? '', 'base64');
    })
  );
  const opened = await openBoxBytes(staging, 'staged-result', new Uint8Array(Buffer.concat(pieces)));
  if (!opened) {
    throw new Error('the staged box did not open');
  }
  return opened;
}

describe('staged results', () => {
  test('a small result is kept as plain JSON and read back whole', async () => {
    const staging = await deps();
    const resources = observations(5);
    const handle = await stageResult(staging, { source, resources, subject: 'Patient/p' });
    expect((await plaintextOf(staging, handle))[0]).toBe('{'.charCodeAt(0));
    expect(await loadStaged(staging, handle)).toEqual({ source, resources, subject: 'Patient/p' });
  });

  test('a large result is deflated in pieces that join into one stream any inflater reads', async () => {
    const staging = await deps();
    // 3 MB of JSON and more: three pieces or more, among them one resource of 2 MB on its own.
    const huge: Resource = { resourceType: 'Basic', id: 'huge', code: { text: 'x'.repeat(2 * 1024 * 1024) } };
    const resources: Resource[] = [...observations(3000, 'y'.repeat(300)), huge, ...observations(10)];
    const handle = await stageResult(staging, { source, resources });
    const plaintext = await plaintextOf(staging, handle);
    expect(plaintext[0]).toBe(0);
    // Node's own inflater, not the bot's: the stream ends with a final block.
    const json = JSON.parse(inflateRawSync(plaintext.subarray(1)).toString('utf8')) as { resources: Resource[] };
    expect(json.resources).toEqual(resources);
    expect((await loadStaged(staging, handle)).resources).toEqual(resources);
  });

  test("another user's staged result does not open", async () => {
    const staging = await deps('Practitioner/a');
    const handle = await stageResult(staging, { source, resources: observations(2) });
    await expect(loadStaged({ ...staging, requester: 'Practitioner/b' }, handle)).rejects.toMatchObject({
      code: 'invalid-input',
    });
  });
});
