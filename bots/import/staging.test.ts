/**
 * Staged results round trip through Medplum's in-memory router: small ones as plain JSON, large
 * ones compressed a piece at a time (zstd frames, each after its length; or, on a runtime without
 * zstd, pieces joined into one raw deflate stream), a huge resource in a batch of its own; a box
 * of zstd frames is refused when cut short or unreadable here; and a box is readable only by the
 * user who resolved it.
 */
import type { Observation, Resource } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { inflateRawSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { openBoxBytes, sealBoxBytes } from '../bot-box';
import { deflateRawPiece, inflateRaw, nodeCodec, randomBytes, zstd } from '../node-platform';
import type { StagingDeps } from './staging';
import { loadStaged, stageResult } from './staging';

const subtle = globalThis.crypto.subtle;

/** Staging as on a runtime without zstd (deflate); `withZstd` gives it this runtime's zstd. */
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

async function withZstd(): Promise<StagingDeps> {
  if (!zstd) {
    throw new Error('this Node has no zstd: the tests need Node 22.15 or later');
  }
  return { ...(await deps()), zstd };
}

/** The content of a box of zstd frames, read with node's own zstd, frame by frame. */
function framesOf(plaintext: Uint8Array): Buffer[] {
  const view = Buffer.from(plaintext);
  const frames: Buffer[] = [];
  for (let at = 1; at < view.length;) {
    const end = at + 4 + view.readUInt32BE(at);
    frames.push(zstdDecompressSync(view.subarray(at + 4, end)));
    at = end;
  }
  return frames;
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

  test('with zstd, a large result is kept as zstd frames of about a megabyte, each after its length', async () => {
    const staging = await withZstd();
    const huge: Resource = { resourceType: 'Basic', id: 'huge', code: { text: 'x'.repeat(2 * 1024 * 1024) } };
    const resources: Resource[] = [...observations(3000, 'y'.repeat(300)), huge, ...observations(10)];
    const handle = await stageResult(staging, { source, resources, subject: 'Patient/p' });
    const plaintext = await plaintextOf(staging, handle);
    expect(plaintext[0]).toBe(1);
    const frames = framesOf(plaintext);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    // Every frame but the last holds at least a megabyte of JSON, and none more than a batch past it.
    for (const frame of frames.slice(0, -1)) {
      expect(frame.length).toBeGreaterThanOrEqual(1024 * 1024);
      expect(frame.length).toBeLessThan(1024 * 1024 + 2 * 1024 * 1024 + 16);
    }
    const json = JSON.parse(Buffer.concat(frames).toString('utf8')) as { resources: Resource[]; subject: string };
    expect(json.resources).toEqual(resources);
    expect(json.subject).toBe('Patient/p');
    expect(await loadStaged(staging, handle)).toEqual({ source, resources, subject: 'Patient/p' });
  });

  test('a result kept with zstd is refused, not misread, where the runtime has none, or when a frame is cut short', async () => {
    const staging = await withZstd();
    const handle = await stageResult(staging, { source, resources: observations(3000, 'y'.repeat(100)) });
    const { zstd: _, ...noZstd } = staging;
    await expect(loadStaged(noZstd, handle)).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('cannot be read') as string,
    });

    const plaintext = await plaintextOf(staging, handle);
    const cut = plaintext.slice(0, -1);
    const box = await sealBoxBytes(staging, 'staged-result', cut);
    const binary = await staging.medplum.createResource({
      resourceType: 'Binary',
      contentType: 'application/octet-stream',
      data: Buffer.from(box).toString('base64'),
    });
    await expect(loadStaged(staging, `Binary/${binary.id}`)).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('cannot be read') as string,
    });
    expect((await loadStaged(staging, handle)).resources).toHaveLength(3000);
  });

  test("another user's staged result does not open", async () => {
    const staging = await deps('Practitioner/a');
    const handle = await stageResult(staging, { source, resources: observations(2) });
    await expect(loadStaged({ ...staging, requester: 'Practitioner/b' }, handle)).rejects.toMatchObject({
      code: 'invalid-input',
    });
  });
});
