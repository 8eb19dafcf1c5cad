/**
 * Talking to the sender: the manifest request (`POST url` with `recipient`, `passcode`,
 * `embeddedLengthMax`), the direct file of a `U` link (`GET url?recipient=…`) and `location`
 * files. The manifest is read defensively: `status` per file and at the top level, `embedded`
 * preferred over `location`, unknown fields ignored, at most `maxFiles` files.
 */
import { decodeUtf8 } from './base64url';
import { ShlError } from './errors';
import type { FetchContext, FetchResult } from './http';
import { fetchChecked } from './http';
import { senderError } from './sender-errors';
import { parseJsonObject } from './json';
import type { Codec } from './platform';

export interface ManifestFile {
  contentType?: string;
  embedded?: string;
  location?: string;
  status?: string;
  lastUpdated?: string;
}

export interface Manifest {
  files: ManifestFile[];
  /** A top-level `status` (a quirk of some senders), if any. */
  status?: string;
  /** Files past `maxFiles` that were left out. */
  truncated: number;
}

export interface ManifestRequest {
  recipient: string;
  passcode?: string;
}

const JOSE_ACCEPT = 'application/jose, application/json;q=0.9, */*;q=0.1';

/** `POST`s the manifest request and reads the manifest. */
export async function requestManifest(ctx: FetchContext, url: string, request: ManifestRequest): Promise<Manifest> {
  const body = JSON.stringify({
    recipient: request.recipient,
    ...(request.passcode !== undefined && { passcode: request.passcode }),
    embeddedLengthMax: ctx.limits.embeddedLengthMax,
  });
  const response = await fetchChecked(ctx, url, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body,
  });
  if (response.status !== 200) {
    throw senderError(response, { passcodeSent: request.passcode !== undefined, now: ctx.platform.now() });
  }
  return readManifest(response, ctx.limits.maxFiles);
}

/** `GET`s the single encrypted file of a `U` link, with `recipient` added to its query. */
export async function fetchDirectFile(ctx: FetchContext, url: string, recipient: string): Promise<string> {
  const target = new URL(url);
  target.searchParams.set('recipient', recipient);
  const response = await fetchChecked(ctx, target, { headers: { accept: JOSE_ACCEPT } });
  if (response.status !== 200) {
    throw senderError(response, { passcodeSent: false, now: ctx.platform.now() });
  }
  return readJwe(response, ctx.platform.codec);
}

/** The answer to a `location` GET: the JWE, or `stale` when the location no longer works. */
export type LocationResult = { jwe: string } | { stale: true };

/** `GET`s a manifest file's `location`. */
export async function fetchLocation(ctx: FetchContext, location: string): Promise<LocationResult> {
  const response = await fetchChecked(ctx, location, { headers: { accept: JOSE_ACCEPT } });
  if (response.status === 200) {
    return { jwe: readJwe(response, ctx.platform.codec) };
  }
  if (response.status === 401 || response.status === 403 || response.status === 404 || response.status === 410) {
    return { stale: true };
  }
  throw senderError(response, { passcodeSent: false, now: ctx.platform.now() });
}

function readJwe(response: FetchResult, codec: Codec): string {
  const text = codec.decodeUtf8(response.body)?.trim();
  if (!text || text.split('.').length !== 5) {
    throw new ShlError(
      'fetch-failed',
      `${response.url.host} did not send an encrypted file. Ask the patient for a new link.`
    );
  }
  return text;
}

/** Parses and checks a manifest body. */
export function readManifest(response: Pick<FetchResult, 'body' | 'url'>, maxFiles: number): Manifest {
  const value = parseJsonObject(decodeUtf8(response.body));
  const files = value?.files;
  if (!value || !Array.isArray(files)) {
    throw new ShlError(
      'fetch-failed',
      `${response.url.host} did not send a valid SMART Health Links manifest. Ask the patient for a new link.`
    );
  }
  const manifest: Manifest = {
    files: files.slice(0, maxFiles).map(readManifestFile),
    truncated: Math.max(0, files.length - maxFiles),
  };
  const status = (value as { status?: unknown }).status;
  if (typeof status === 'string') {
    manifest.status = status;
  }
  return manifest;
}

function readManifestFile(entry: unknown): ManifestFile {
  if (typeof entry !== 'object' || entry === null) {
    return {};
  }
  const { contentType, embedded, location, status, lastUpdated } = entry as Record<string, unknown>;
  const file: ManifestFile = {};
  if (typeof contentType === 'string') {
    file.contentType = contentType.trim().toLowerCase();
  }
  if (typeof embedded === 'string' && embedded.length > 0) {
    file.embedded = embedded;
  }
  if (typeof location === 'string' && location.length > 0) {
    file.location = location;
  }
  if (typeof status === 'string') {
    file.status = status;
  }
  if (typeof lastUpdated === 'string') {
    file.lastUpdated = lastUpdated;
  }
  return file;
}
