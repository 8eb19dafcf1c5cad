/**
 * Staged resolve results: `resolve` keeps what it found on the server for the bot, so that the
 * pages never send health data back to `import` (they send the handle, the selection and the
 * patient choice). What is kept is readable only by the bot: AES-GCM under a key derived from
 * `SHL_IMPORT_KEY`, bound to the user who resolved the link (another user's import cannot use
 * it), valid for 24 hours, and deleted once imported.
 *
 * Storage is a Binary written through the Binary endpoint, which takes bodies of any size (the
 * JSON endpoints stop at the server's 1 MB limit). A server keeps the data in its storage and
 * serves it raw; Medplum's in-memory router keeps it inline. Both are read here.
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

/** Keeps a resolve result for `import`; returns its handle (`Binary/<id>`). */
export async function stageResult(deps: StagingDeps, result: StagedResult): Promise<string> {
  const envelope: Envelope = {
    format: FORMAT,
    expiresAt: deps.now() + STAGED_LIFETIME_MS,
    requester: deps.requester ?? '',
    ...result,
  };
  const body = await sealBox(deps, 'staged-result', envelope);
  const binary = await deps.medplum.post<Binary>(
    deps.medplum.fhirUrl('Binary'),
    {
      resourceType: 'Binary',
      contentType: 'application/octet-stream',
      meta: { tag: [STAGED_TAG] },
      data: encodeBase64(body),
    } satisfies Binary,
    'application/fhir+json'
  );
  return `Binary/${binary.id ?? ''}`;
}

/** Reads a staged result. Throws `invalid-input` when it is unknown, expired or another user's. */
export async function loadStaged(deps: StagingDeps, handle: unknown): Promise<StagedResult> {
  const id = typeof handle === 'string' ? /^Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(handle)?.[1] : undefined;
  if (!id) {
    throw expired('"staged" must be the handle that resolve returned.');
  }
  const envelope = await openBox(deps, 'staged-result', await readBinary(deps.medplum, id));
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
  await medplum.deleteResource('Binary', handle.slice('Binary/'.length)).catch(() => undefined);
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
