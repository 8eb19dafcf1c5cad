/**
 * Staged resolve results: `resolve` keeps what it found on the server for the bot, so that the
 * pages never send health data back to `import` (they send the handle, the selection and the
 * patient choice). What is kept is readable only by the bot: AES-GCM under a key derived from
 * `SHL_IMPORT_KEY`, bound to the user who resolved the link (another user's import cannot use
 * it), valid for 24 hours, and deleted once imported.
 *
 * Storage is Binaries: the sealed bytes in pieces of at most 600 KB (a Medplum server refuses a
 * Binary whose inline data passes 1 MB), written through the Binary endpoint, which takes any
 * body size; the handle lists them in order. A server keeps the data in its storage and serves
 * it raw; Medplum's in-memory router keeps it inline. Both are read here.
 */
import type { MedplumClient } from '@medplum/core';
import type { Binary, Resource } from '@medplum/fhirtypes';
import type { ImportSource } from '../contract';
import type { BoxKey } from '../bot-box';
import { openBox, sealBox } from '../bot-box';
import { decodeBase64url, encodeBase64 } from '../shl/base64url';
import { ShlError } from '../shl/errors';

/** How long a staged result may be imported. */
export const STAGED_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** The tag of staged Binaries, so an administrator can find what was never imported. */
export const STAGED_TAG = { system: 'https://smarthealthit.org/shl-import/staged', code: 'resolve-result' };
const FORMAT = 'shl-import-staged-v1';
/** The largest piece of sealed bytes in one Binary (its base64 stays under the server's 1 MB). */
const PIECE_BYTES = 600 * 1024;
/** Most pieces one handle names (60 MB of sealed data, more than a link's budget). */
const MAX_PIECES = 100;

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
}

interface Envelope extends StagedResult {
  format: typeof FORMAT;
  expiresAt: number;
  requester: string;
}

/** Keeps a resolve result for `import`; returns its handle (`Binary/<id>`, comma-separated pieces). */
export async function stageResult(deps: StagingDeps, result: StagedResult): Promise<string> {
  const envelope: Envelope = {
    format: FORMAT,
    expiresAt: deps.now() + STAGED_LIFETIME_MS,
    requester: deps.requester ?? '',
    ...result,
  };
  const body = await sealBox(deps, 'staged-result', envelope);
  const ids: string[] = [];
  for (let start = 0; start < body.length; start += PIECE_BYTES) {
    const binary = await deps.medplum.post<Binary>(
      deps.medplum.fhirUrl('Binary'),
      {
        resourceType: 'Binary',
        contentType: 'application/octet-stream',
        meta: { tag: [STAGED_TAG] },
        data: encodeBase64(body.subarray(start, start + PIECE_BYTES)),
      } satisfies Binary,
      'application/fhir+json'
    );
    ids.push(`Binary/${binary.id ?? ''}`);
  }
  return ids.join(',');
}

/** Reads a staged result. Throws `invalid-input` when it is unknown, expired or another user's. */
export async function loadStaged(deps: StagingDeps, handle: unknown): Promise<StagedResult> {
  const ids = piecesOf(handle);
  const pieces = await Promise.all(ids.map((id) => readBinary(deps.medplum, id)));
  const envelope = await openBox(deps, 'staged-result', concat(pieces));
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

function concat(pieces: Uint8Array<ArrayBuffer>[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** A Binary's bytes: inline (the in-memory router) or from the server's storage. */
async function readBinary(medplum: MedplumClient, id: string): Promise<Uint8Array<ArrayBuffer>> {
  let binary: Binary;
  try {
    binary = await medplum.readResource('Binary', id);
  } catch {
    throw expired('The link data kept for this import is gone (it was imported already, or expired).');
  }
  const inline = binary.data === undefined ? undefined : decodeBase64url(binary.data);
  if (inline) {
    return inline;
  }
  const blob = await medplum.download(medplum.fhirUrl('Binary', id));
  return new Uint8Array(await blob.arrayBuffer());
}

function expired(message: string): ShlError {
  return new ShlError('invalid-input', `${message} Open the link again.`);
}
