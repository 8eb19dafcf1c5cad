/**
 * Settings and the small platform surface the protocol core runs on. The core is isomorphic:
 * everything that differs between a browser, Node and Medplum's vmcontext sandbox (the HTTP
 * transport, raw inflate, the clock) is passed in here.
 */

/** Size and time bounds. Every one is configurable; these are the defaults. */
export interface Limits {
  /** Timeout of one HTTP request. */
  requestTimeoutMs: number;
  /** Timeout of the whole resolve (every request of it). */
  resolveTimeoutMs: number;
  /** Largest HTTP response body read. */
  maxResponseBytes: number;
  /** Largest plaintext of one file (or health card) after decrypting and inflating. */
  maxFileBytes: number;
  /** Largest plaintext of all files and cards of one link together. */
  maxTotalBytes: number;
  /** Most resources one link may hold, over every file, card and API page. */
  maxResources: number;
  /** Most pages read from a sender's FHIR API (`smart-api-access`). */
  apiMaxPages: number;
  /** Most files taken from one manifest. */
  maxFiles: number;
  /** Most redirects followed for one request. */
  maxRedirects: number;
  /** Most `location` files fetched at once. */
  fetchConcurrency: number;
  /** `embeddedLengthMax` sent with manifest requests. */
  embeddedLengthMax: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  requestTimeoutMs: 10_000,
  resolveTimeoutMs: 30_000,
  maxResponseBytes: 20 * 1024 * 1024,
  maxFileBytes: 40 * 1024 * 1024,
  maxTotalBytes: 40 * 1024 * 1024,
  maxResources: 20_000,
  apiMaxPages: 10,
  maxFiles: 100,
  maxRedirects: 3,
  fetchConcurrency: 4,
  embeddedLengthMax: 10 * 1024 * 1024,
};

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Abort the request (connect, send and read) after this long. */
  timeoutMs: number;
  /** Fail with `too-large` once the body passes this many bytes. */
  maxBytes: number;
  /**
   * True when the host is on the allow list: it may then sit on a loopback or private address.
   * Otherwise a transport that can see the resolved address refuses loopback, private,
   * link-local, multicast, unspecified and metadata addresses.
   */
  allowPrivateAddress: boolean;
}

export interface HttpResponse {
  status: number;
  /** Header lookup, case-insensitive. */
  header(name: string): string | undefined;
  body: Uint8Array;
}

/**
 * One HTTP exchange, redirects not followed (a 3xx comes back as it is). Throws ShlError
 * `fetch-failed` on network errors, timeouts and blocked addresses, `too-large` past maxBytes.
 */
export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

/** Raw DEFLATE (RFC 1951) inflate that throws ShlError `too-large` past maxBytes. */
export type InflateRaw = (data: Uint8Array, maxBytes: number) => Uint8Array | Promise<Uint8Array>;

export interface Platform {
  transport: Transport;
  inflateRaw: InflateRaw;
  subtle: SubtleCrypto;
  /** Epoch milliseconds. */
  now: () => number;
  /** A new random resource id (a lower-case UUID). */
  randomId: () => string;
}
