/**
 * The Platform the bot runs on, in Node and in Medplum's vmcontext sandbox (which has no global
 * `crypto`, `setTimeout` or `Buffer`, but whose `require` reaches Node's built-ins).
 *
 * The transport resolves each host name itself and refuses the connection when any address is
 * loopback, private, link-local or metadata (unless the host is allow-listed), then connects to
 * the address it checked: a DNS answer cannot change between check and use.
 */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Buffer, isAscii, isUtf8 } from 'node:buffer';
import { randomUUID, webcrypto } from 'node:crypto';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as delay } from 'node:timers/promises';
import { constants, deflateRawSync, inflateRawSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { createNodeSubtle } from './node-subtle';
import { isBlockedAddress, isIpLiteral } from './shl/address';
import { isShlError, ShlError } from './shl/errors';
import { formatMb } from './shl/jwe';
import type { Codec, HttpRequest, HttpResponse, Platform } from './shl/platform';
import type { CcdaConverter } from './ccda/convert';

/**
 * Connections are kept alive within a run (a manifest and its files often share a host) and
 * closed when the run ends (`closeConnections`): vmcontext evaluates the bundle anew for every
 * run, so sockets left open would pile up in the Medplum server's process. Each agent is made
 * on a run's first request of its protocol, so a run makes only the agents it uses.
 */
let httpAgent: HttpAgent | undefined;
let httpsAgent: HttpsAgent | undefined;

function agentFor(url: URL): HttpAgent {
  if (url.protocol === 'https:') {
    httpsAgent ??= new HttpsAgent({ keepAlive: true, maxSockets: 8 });
    return httpsAgent;
  }
  httpAgent ??= new HttpAgent({ keepAlive: true, maxSockets: 8 });
  return httpAgent;
}

/** Closes every connection the transport holds; later requests open new ones. */
export function closeConnections(): void {
  httpAgent?.destroy();
  httpsAgent?.destroy();
  httpAgent = undefined;
  httpsAgent = undefined;
}

export function createNodePlatform(): Platform {
  return {
    transport: nodeTransport,
    inflateRaw,
    codec: nodeCodec,
    subtle: createNodeSubtle(),
    now: () => Date.now(),
    randomId: () => randomUUID(),
  };
}

/** Base64 that the portable decoder accepts: either alphabet, at most two `=`, no stray length. */
const BASE64 = /^[A-Za-z0-9\-_+/]*={0,2}$/;

/**
 * Node's native conversions: checked by its SIMD validators, decoded without a copy in between.
 * ASCII (nearly every FHIR file) becomes a one-byte string straight from the bytes; what is not
 * valid UTF-8 is refused, as the portable decoder does.
 */
export const nodeCodec: Codec = {
  decodeUtf8: (bytes) => {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (isAscii(buffer)) {
      return buffer.toString('latin1');
    }
    if (!isUtf8(buffer)) {
      return undefined;
    }
    const bom = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
    return buffer.toString('utf8', bom);
  },
  decodeBase64url: (text) => {
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    if ((text.length - padding) % 4 === 1 || !BASE64.test(text)) {
      return undefined;
    }
    const decoded = Buffer.from(text, 'base64url');
    return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  },
  encodeBase64: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
};

/** Waits `ms` (vmcontext has no global timers; `node:timers` works there). */
export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

/** Random bytes from the platform's WebCrypto. */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return webcrypto.getRandomValues(new Uint8Array(length));
}

/**
 * `@medplum/ccda` as the Medplum runtime provides it: the bot Lambda layer and the Fission
 * package ship it, and vmcontext's `require` reaches the server's own copy. It is not bundled,
 * so the converter always matches the server's version; undefined where the runtime lacks it.
 */
export function runtimeCcda(): CcdaConverter | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved by the runtime, at run time.
    return require('@medplum/ccda') as CcdaConverter;
  } catch {
    return undefined;
  }
}

/**
 * A Transport over node:http(s) that checks and pins resolved addresses. One exchange: refuse a
 * blocked literal address, send, read the body under its cap, all under one timer; the first
 * failure settles it and tears the connection down.
 */
export function nodeTransport(request: HttpRequest): Promise<HttpResponse> {
  const { url } = request;
  const host = url.host;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (!request.allowPrivateAddress && isIpLiteral(hostname) && isBlockedAddress(hostname)) {
    return Promise.reject(blocked(host));
  }
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        outcome();
      }
    };
    const fail = (err: ShlError): void => {
      settle(() => {
        req.destroy();
        reject(err);
      });
    };
    const timer = setTimeout(() => fail(timedOut(host, request.timeoutMs)), request.timeoutMs);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req: ClientRequest = send(url, requestOptions(request), (res: IncomingMessage) => {
      readBody(res, request.maxBytes, host, fail, (body) => {
        settle(() => resolve({ status: res.statusCode ?? 0, header: headerLookup(res), body }));
      });
    });
    req.on('error', (err: Error & { code?: string }) => {
      fail(isShlError(err) ? err : unreachable(host, describeNetworkError(err.code)));
    });
    req.end(request.body);
  });
}

function requestOptions(request: HttpRequest): RequestOptions {
  return {
    method: request.method,
    headers: { accept: 'application/jose, application/json;q=0.9, */*;q=0.1', ...request.headers },
    agent: agentFor(request.url),
    lookup: guardedLookup(request.allowPrivateAddress),
  };
}

/** Reads a response body, failing as soon as it passes `maxBytes` (declared or received). */
function readBody(
  res: IncomingMessage,
  maxBytes: number,
  host: string,
  fail: (err: ShlError) => void,
  done: (body: Uint8Array) => void
): void {
  if (Number(res.headers['content-length'] ?? '0') > maxBytes) {
    fail(tooLarge(host, maxBytes));
    return;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  res.on('data', (chunk: Uint8Array) => {
    total += chunk.byteLength;
    if (total > maxBytes) {
      fail(tooLarge(host, maxBytes));
      return;
    }
    chunks.push(chunk);
  });
  res.on('error', () => {
    fail(unreachable(host, 'the connection broke'));
  });
  res.on('end', () => {
    done(concat(chunks, total));
  });
}

function headerLookup(res: IncomingMessage): HttpResponse['header'] {
  return (name) => {
    const value = res.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** How a name is resolved: `dns.lookup` with `all: true` (tests inject their own answers). */
export type ResolveAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void
) => void;

/**
 * A `lookup` for net.connect that refuses the name when any of its addresses is blocked (unless
 * allowed), then hands on only addresses it checked.
 */
export function guardedLookup(allowPrivate: boolean, resolveAll: ResolveAll = dnsLookup) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    resolveAll(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      if (!allowPrivate && (addresses.length === 0 || addresses.some((a) => isBlockedAddress(a.address)))) {
        callback(blocked(hostname), []);
        return;
      }
      if (options.all) {
        callback(null, addresses);
      } else {
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}

/**
 * One piece of a raw deflate stream, fast: level 1 (FHIR JSON shrinks nearly as much as at the
 * default level) with an 8 KB window and the largest hash table. On 2.8 MB of JSON that
 * compresses poorly (the bench's incompressible link) this takes about 45 % less CPU time than
 * level 1's default 32 KB window (18 against 32 ms), for 1 % more bytes; on JSON that compresses
 * well the time is the same and the output smaller. Any inflater reads it (a smaller window is
 * always readable). The piece ends with a sync flush and no final block, so pieces deflated one
 * after another join into one stream (see `staging.ts`).
 */
export function deflateRawPiece(data: Uint8Array): Uint8Array {
  return deflateRawSync(data, { level: 1, windowBits: 13, memLevel: 9, finishFlush: constants.Z_SYNC_FLUSH });
}

/**
 * zstd from node:zlib (Node 22.15 and later, so every runtime Medplum 5 runs on); undefined on an
 * older runtime, where staging deflates instead. Level 1 compresses FHIR JSON that compresses
 * poorly (the bench's incompressible link) about three times as fast as staging's deflate, to
 * fewer bytes, and alike JSON about twice as fast, to two thirds of the bytes.
 */
export const zstd =
  // The bundle is CommonJS: on a runtime without zstd these are undefined, not a load error.
  typeof zstdCompressSync === 'function'
    ? {
        compress: (data: Uint8Array): Uint8Array =>
          zstdCompressSync(data, { params: { [constants.ZSTD_c_compressionLevel]: 1 } }),
        decompress: (frame: Uint8Array, maxBytes: number): Uint8Array =>
          zstdDecompressSync(frame, { maxOutputLength: maxBytes }),
      }
    : undefined;

/** Raw inflate with the output capped: memory stays bounded on a decompression bomb. */
export function inflateRaw(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return inflateRawSync(data, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ShlError(
        'too-large',
        `A file in this link inflates to more than the ${formatMb(maxBytes)} limit. Ask the sender to share less data per file.`
      );
    }
    throw new ShlError(
      'decrypt-failed',
      'A file in this link could not be decompressed. Ask the sender for a new link.'
    );
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) {
    return chunks[0] as Uint8Array;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function blocked(host: string): ShlError {
  return new ShlError('fetch-failed', `Refused to contact ${host}: it resolves to a local or private address.`);
}

function tooLarge(host: string, maxBytes: number): ShlError {
  return new ShlError('too-large', `A response from ${host} is larger than the ${formatMb(maxBytes)} limit.`);
}

function timedOut(host: string, timeoutMs: number): ShlError {
  return new ShlError(
    'fetch-failed',
    `${host} did not answer within ${Math.max(1, Math.round(timeoutMs / 1000))} s. Try again later.`
  );
}

function unreachable(host: string, reason: string): ShlError {
  return new ShlError('fetch-failed', `Could not reach ${host} (${reason}). Check the link or try again later.`);
}

function describeNetworkError(code: string | undefined): string {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the name does not resolve';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'its certificate is not valid';
    default:
      return 'network error';
  }
}
