/**
 * Staged resolve results: `resolve` keeps what it found on the server for the bot, so that the
 * pages never send health data back to `import` (they send the handle, the selection and the
 * patient choice). What is kept is readable only by the bot: AES-GCM under a key derived from
 * `SHL_IMPORT_KEY`, bound to the user who resolved the link (another user's import cannot use
 * it), valid for 24 hours, and deleted once imported.
 *
 * The result is kept as compressed JSON (FHIR JSON shrinks 3 to 60 times), or as plain JSON under
 * 128 KB (one piece either way, and kept sooner). It is serialized a batch of resources at a time
 * and compressed a megabyte at a time as it goes, so that neither the whole result's text nor its
 * whole JSON bytes are ever held at once, however large the link. The compression is zstd where
 * the runtime has it (each megabyte a frame, after its length), else raw deflate (each megabyte a
 * piece of one stream); both are read back. Storage is Binaries: the sealed bytes in pieces of at
 * most 600 KB (a Medplum server refuses a Binary whose inline data passes 1 MB), written through
 * the Binary endpoint, which takes any body size; the handle lists them in order (one piece, once
 * compressed, for most links). A server keeps the data in its storage and serves it raw;
 * Medplum's in-memory router keeps it inline. Both are read here, and so are results of any size
 * kept as plain JSON, as they were before compressing.
 */
import type { MedplumClient } from '@medplum/core';
import type { Binary, Resource } from '@medplum/fhirtypes';
import type { ImportSource } from '../contract';
import type { BoxKey } from '../bot-box';
import { openBoxBytes, sealBoxBytes } from '../bot-box';
import { encodeUtf8 } from '../shl/base64url';
import { ShlError } from '../shl/errors';
import { parseJsonObject } from '../shl/json';
import type { Codec, InflateRaw } from '../shl/platform';

/** How long a staged result may be imported. */
export const STAGED_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** The tag of staged Binaries, so an administrator can find what was never imported. */
export const STAGED_TAG = { system: 'https://smarthealthit.org/shl-import/staged', code: 'resolve-result' };
const FORMAT = 'shl-import-staged-v1';
/** The largest piece of sealed bytes in one Binary (its base64 stays under the server's 1 MB). */
const PIECE_BYTES = 600 * 1024;
/** Most pieces one handle names (60 MB of sealed data, more than a link's budget). */
const MAX_PIECES = 100;
/** The first byte of a box holding deflated JSON (a box of plain JSON starts with `{`). */
const DEFLATED = 0;
/** The first byte of a box holding zstd frames, each after its length (4 bytes, big-endian). */
const ZSTD_FRAMES = 1;
/**
 * A result smaller than this is kept as plain JSON: it fits one piece either way, and deflating
 * it (mostly zlib setting up its tables) took a tenth of a small link's resolve.
 */
const PLAIN_BELOW = 128 * 1024;
/** Most resources serialized at a time; batches start at one and double while they stay small. */
const MAX_BATCH = 256;
/** A batch's JSON above this makes the next batch half the size. */
const BATCH_BYTES = 256 * 1024;
/** JSON bytes gathered before they are compressed, as one piece of the stream. */
const PIECE_JSON_BYTES = 1024 * 1024;
/** The last block of a raw deflate stream: final, fixed codes, empty (RFC 1951 §3.2.3). */
const DEFLATE_END = new Uint8Array([0x03, 0x00]);
const COMMA = encodeUtf8(',');
/** More than this is more than one string can hold: no staged result inflates past it. */
const MAX_STAGED_BYTES = 512 * 1024 * 1024;

export interface StagedResult {
  source: ImportSource;
  resources: Resource[];
  /** `Patient/<id>` of the incoming Patient within `resources`. */
  subject?: string;
}

export interface StagingDeps extends BoxKey {
  medplum: MedplumClient;
  now: () => number;
  /** Who resolved the link (the bot event's requester). */
  requester?: string;
  codec: Codec;
  /** Deflates a piece of a raw deflate stream, ending in a sync flush with no final block. */
  deflateRawPiece: (bytes: Uint8Array) => Uint8Array;
  inflateRaw: InflateRaw;
  /** zstd, where the runtime has it: used instead of deflate (faster, and smaller results). */
  zstd?: Zstd;
}

/** zstd, one frame at a time. */
export interface Zstd {
  /** One zstd frame of `data`. */
  compress: (data: Uint8Array) => Uint8Array;
  /** One frame's content; throws past `maxBytes`. */
  decompress: (frame: Uint8Array, maxBytes: number) => Uint8Array;
}

interface Envelope extends StagedResult {
  format: typeof FORMAT;
  expiresAt: number;
  requester: string;
}

/** Keeps a resolve result for `import`; returns its handle (`Binary/<id>`, comma-separated pieces). */
export async function stageResult(deps: StagingDeps, result: StagedResult): Promise<string> {
  const { resources, ...rest } = result;
  const envelope: Omit<Envelope, 'resources'> = {
    format: FORMAT,
    expiresAt: deps.now() + STAGED_LIFETIME_MS,
    requester: deps.requester ?? '',
    ...rest,
  };
  const body = await sealBoxBytes(deps, 'staged-result', serialize(deps, envelope, resources));
  const ids: string[] = [];
  for (let start = 0; start < body.length; start += PIECE_BYTES) {
    const binary = await deps.medplum.post<Binary>(
      deps.medplum.fhirUrl('Binary'),
      {
        resourceType: 'Binary',
        contentType: 'application/octet-stream',
        meta: { tag: [STAGED_TAG] },
        data: deps.codec.encodeBase64(body.subarray(start, start + PIECE_BYTES)),
      } satisfies Binary,
      'application/fhir+json'
    );
    ids.push(`Binary/${binary.id ?? ''}`);
  }
  return ids.join(',');
}

/** How the JSON is compressed a piece at a time: the box's first byte, each piece, the end. */
interface PieceCodec {
  marker: number;
  piece: (json: Uint8Array) => Uint8Array[];
  end: Uint8Array[];
}

function pieceCodec(deps: Pick<StagingDeps, 'deflateRawPiece' | 'zstd'>): PieceCodec {
  const { zstd } = deps;
  if (zstd) {
    return {
      marker: ZSTD_FRAMES,
      piece: (json) => {
        const frame = zstd.compress(json);
        const length = new Uint8Array(4);
        new DataView(length.buffer).setUint32(0, frame.length);
        return [length, frame];
      },
      end: [],
    };
  }
  return { marker: DEFLATED, piece: (json) => [deps.deflateRawPiece(json)], end: [DEFLATE_END] };
}

/**
 * The envelope as UTF-8 JSON, `resources` last: plain when under PLAIN_BELOW, else compressed
 * after the byte that says how. Resources are stringified a batch at a time (a batch grows while
 * its JSON is small and shrinks when it is large, so one huge resource is a batch of its own),
 * and the JSON is compressed a piece at a time as it comes: only one batch's text and at most a
 * piece of JSON bytes are held at any moment.
 */
function serialize(
  deps: Pick<StagingDeps, 'deflateRawPiece' | 'zstd'>,
  head: Omit<Envelope, 'resources'>,
  resources: Resource[]
): Uint8Array<ArrayBuffer> {
  const codec = pieceCodec(deps);
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const compressed: Uint8Array[] = [];
  const flush = (): void => {
    compressed.push(...codec.piece(pending.length === 1 ? (pending[0] as Uint8Array) : concat(pending)));
    pending.length = 0;
    pendingBytes = 0;
  };
  const write = (bytes: Uint8Array): void => {
    pending.push(bytes);
    pendingBytes += bytes.length;
    if (pendingBytes >= PIECE_JSON_BYTES) {
      flush();
    }
  };
  const opening = JSON.stringify(head);
  write(encodeUtf8(`${opening.slice(0, -1)}${opening.length > 2 ? ',' : ''}"resources":[`));
  let size = 1;
  for (let start = 0; start < resources.length;) {
    const end = Math.min(start + size, resources.length);
    if (start > 0) {
      write(COMMA);
    }
    // The batch's brackets are cut from its bytes, as a view: slicing the string first and
    // encoding that would flatten a second copy of the text on the heap.
    const batch = encodeUtf8(JSON.stringify(resources.slice(start, end))).subarray(1, -1);
    write(batch);
    size = batch.length > BATCH_BYTES ? Math.max(1, size >> 1) : Math.min(MAX_BATCH, size * 2);
    start = end;
  }
  write(encodeUtf8(']}'));
  if (compressed.length === 0 && pendingBytes < PLAIN_BELOW) {
    return concat(pending);
  }
  flush();
  return concat([new Uint8Array([codec.marker]), ...compressed, ...codec.end]);
}

/** Reads a staged result. Throws `invalid-input` when it is unknown, expired or another user's. */
export async function loadStaged(deps: StagingDeps, handle: unknown): Promise<StagedResult> {
  const ids = piecesOf(handle);
  const pieces = await Promise.all(ids.map((id) => readBinary(deps, id)));
  const plaintext = await openBoxBytes(deps, 'staged-result', concat(pieces));
  const envelope = plaintext && (await readEnvelope(deps, plaintext));
  if (envelope?.format !== FORMAT || !Array.isArray(envelope.resources)) {
    throw expired('The link data kept for this import cannot be read (the bot key may have changed).');
  }
  if (typeof envelope.expiresAt !== 'number' || envelope.expiresAt < deps.now()) {
    throw expired('The link data kept for this import has expired.');
  }
  if (envelope.requester !== (deps.requester ?? '')) {
    throw expired('The link data kept for this import was opened by another user.');
  }
  const { source, resources, subject } = envelope as unknown as Envelope;
  return { source, resources, ...(subject && { subject }) };
}

/** The envelope in a box: zstd frames, deflated JSON, or plain JSON as results were kept before. */
async function readEnvelope(
  deps: StagingDeps,
  plaintext: Uint8Array<ArrayBuffer>
): Promise<Record<string, unknown> | undefined> {
  try {
    switch (plaintext[0]) {
      case ZSTD_FRAMES:
        return deps.zstd && parseJsonObject(deps.codec.decodeUtf8(readFrames(deps.zstd, plaintext)));
      case DEFLATED:
        return parseJsonObject(deps.codec.decodeUtf8(await deps.inflateRaw(plaintext.subarray(1), MAX_STAGED_BYTES)));
      default:
        return parseJsonObject(deps.codec.decodeUtf8(plaintext));
    }
  } catch {
    return undefined;
  }
}

/** The content of a box's zstd frames, joined; zstd throws on a frame cut short or too large. */
function readFrames(zstd: Zstd, box: Uint8Array): Uint8Array<ArrayBuffer> {
  const view = new DataView(box.buffer, box.byteOffset, box.byteLength);
  const pieces: Uint8Array[] = [];
  let total = 0;
  for (let at = 1; at < box.length;) {
    const end = at + 4 + view.getUint32(at);
    const piece = zstd.decompress(box.subarray(at + 4, end), MAX_STAGED_BYTES - total);
    total += piece.length;
    pieces.push(piece);
    at = end;
  }
  return concat(pieces);
}

/** Deletes a staged result (after its import); a failure only leaves it to expire. */
export async function dropStaged(medplum: MedplumClient, handle: string): Promise<void> {
  await Promise.all(piecesOf(handle).map((id) => medplum.deleteResource('Binary', id).catch(() => undefined)));
}

/** The Binary ids a handle names, in order. */
function piecesOf(handle: unknown): string[] {
  const parts = typeof handle === 'string' ? handle.split(',') : [];
  const ids = parts.map((part) => /^Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(part)?.[1]);
  if (ids.length === 0 || ids.length > MAX_PIECES || ids.some((id) => id === undefined)) {
    throw expired('"staged" must be the handle that resolve returned.');
  }
  return ids as string[];
}

function concat(pieces: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** A Binary's bytes: inline (the in-memory router) or from the server's storage. */
async function readBinary(deps: StagingDeps, id: string): Promise<Uint8Array<ArrayBuffer>> {
  const { medplum, codec } = deps;
  let binary: Binary;
  try {
    binary = await medplum.readResource('Binary', id);
  } catch {
    throw expired('The link data kept for this import is gone (it was imported already, or expired).');
  }
  const inline = binary.data === undefined ? undefined : codec.decodeBase64url(binary.data);
  if (inline) {
    return inline;
  }
  const blob = await medplum.download(medplum.fhirUrl('Binary', id));
  return new Uint8Array(await blob.arrayBuffer());
}

function expired(message: string): ShlError {
  return new ShlError('invalid-input', `${message} Open the link again.`);
}
