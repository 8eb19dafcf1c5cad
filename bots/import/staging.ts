/**
 * Staged resolve results: `resolve` keeps what it found on the server for the bot, so that the
 * pages never send health data back to `import` (they send the handle, the selection and the
 * patient choice). What is kept is readable only by the bot: AES-GCM under a key derived from
 * `SHL_IMPORT_KEY`, bound to the user who resolved the link (another user's import cannot use
 * it), valid for 24 hours, and deleted once imported.
 *
 * The result is kept as deflated JSON (FHIR JSON shrinks 10 to 30 times), serialized a few
 * hundred resources at a time so that no second copy of the whole result is ever held as a
 * string. Storage is a Binary through the Binary endpoint: a tagged FHIR Binary with `data` when
 * that fits in the 1 MB a server allows one string, else the sealed bytes as base64 text in
 * the request body (no size limit there, but no tag either). A server keeps the data in its
 * storage and serves it raw; Medplum's in-memory router keeps it inline. Both are read here.
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
/** The first byte of a box holding deflated JSON (a box of plain JSON starts with `{`). */
const DEFLATED = 0;
/** Resources serialized at a time. */
const BATCH = 256;
/** The longest `data` a server takes in a FHIR Binary (its 1 MB string limit), with a margin. */
const MAX_INLINE_DATA = 1_000_000;
/** How a Binary holding the sealed bytes as base64 text is marked. */
const TEXT_TYPE = 'text/plain';
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
  deflateRaw: (bytes: Uint8Array) => Uint8Array;
  inflateRaw: InflateRaw;
}

interface Envelope extends StagedResult {
  format: typeof FORMAT;
  expiresAt: number;
  requester: string;
}

/** Keeps a resolve result for `import`; returns its handle (`Binary/<id>`). */
export async function stageResult(deps: StagingDeps, result: StagedResult): Promise<string> {
  const { resources, ...rest } = result;
  const envelope: Omit<Envelope, 'resources'> = {
    format: FORMAT,
    expiresAt: deps.now() + STAGED_LIFETIME_MS,
    requester: deps.requester ?? '',
    ...rest,
  };
  const deflated = deps.deflateRaw(serialize(envelope, resources));
  const plaintext = new Uint8Array(deflated.length + 1);
  plaintext[0] = DEFLATED;
  plaintext.set(deflated, 1);
  const body = await sealBoxBytes(deps, 'staged-result', plaintext);
  const text = deps.codec.encodeBase64(body);
  const binary =
    text.length <= MAX_INLINE_DATA
      ? await deps.medplum.post<Binary>(
          deps.medplum.fhirUrl('Binary'),
          {
            resourceType: 'Binary',
            contentType: 'application/octet-stream',
            meta: { tag: [STAGED_TAG] },
            data: text,
          } satisfies Binary,
          'application/fhir+json'
        )
      : await deps.medplum.createBinary({ data: text, contentType: TEXT_TYPE });
  return `Binary/${binary.id ?? ''}`;
}

/**
 * The envelope as UTF-8 JSON, `resources` last, stringified `BATCH` resources at a time: the
 * bytes live outside the JavaScript heap, and only one batch is a string at any moment.
 */
function serialize(head: Omit<Envelope, 'resources'>, resources: Resource[]): Uint8Array<ArrayBuffer> {
  const opening = JSON.stringify(head);
  const chunks = [encodeUtf8(`${opening.slice(0, -1)}${opening.length > 2 ? ',' : ''}"resources":[`)];
  for (let start = 0; start < resources.length; start += BATCH) {
    const batch = JSON.stringify(resources.slice(start, start + BATCH));
    chunks.push(encodeUtf8(`${start > 0 ? ',' : ''}${batch.slice(1, -1)}`));
  }
  chunks.push(encodeUtf8(']}'));
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Reads a staged result. Throws `invalid-input` when it is unknown, expired or another user's. */
export async function loadStaged(deps: StagingDeps, handle: unknown): Promise<StagedResult> {
  const id = typeof handle === 'string' ? /^Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(handle)?.[1] : undefined;
  if (!id) {
    throw expired('"staged" must be the handle that resolve returned.');
  }
  const sealed = await readBinary(deps, id);
  const plaintext = sealed && (await openBoxBytes(deps, 'staged-result', sealed));
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

/** The envelope in a box: deflated JSON, or plain JSON as results were kept before. */
async function readEnvelope(
  deps: StagingDeps,
  plaintext: Uint8Array<ArrayBuffer>
): Promise<Record<string, unknown> | undefined> {
  if (plaintext[0] !== DEFLATED) {
    return parseJsonObject(deps.codec.decodeUtf8(plaintext));
  }
  try {
    return parseJsonObject(deps.codec.decodeUtf8(await deps.inflateRaw(plaintext.subarray(1), MAX_STAGED_BYTES)));
  } catch {
    return undefined;
  }
}

/** Deletes a staged result (after its import); a failure only leaves it to expire. */
export async function dropStaged(medplum: MedplumClient, handle: string): Promise<void> {
  await medplum.deleteResource('Binary', handle.slice('Binary/'.length)).catch(() => undefined);
}

/**
 * The sealed bytes a staged Binary holds: inline (the in-memory router) or from the server's
 * storage, decoded once more when the Binary holds them as base64 text.
 */
async function readBinary(deps: StagingDeps, id: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const { medplum, codec } = deps;
  let binary: Binary;
  try {
    binary = await medplum.readResource('Binary', id);
  } catch {
    throw expired('The link data kept for this import is gone (it was imported already, or expired).');
  }
  let bytes = binary.data === undefined ? undefined : codec.decodeBase64url(binary.data);
  if (!bytes) {
    const blob = await medplum.download(medplum.fhirUrl('Binary', id));
    bytes = new Uint8Array(await blob.arrayBuffer());
  }
  if (binary.contentType !== TEXT_TYPE) {
    return bytes;
  }
  const text = codec.decodeUtf8(bytes);
  return text === undefined ? undefined : codec.decodeBase64url(text);
}

function expired(message: string): ShlError {
  return new ShlError('invalid-input', `${message} Open the link again.`);
}
