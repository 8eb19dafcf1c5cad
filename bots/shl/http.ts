/**
 * Outbound HTTP under the receiver's network rules: `https` only (plain `http` only for
 * allow-listed hosts), literal loopback/private/link-local/metadata addresses refused unless
 * allow-listed, redirects followed by hand (each target re-checked, at most `maxRedirects`),
 * every request bounded by its own timeout and by the whole resolve's deadline, bodies capped.
 * The transport checks the addresses a host name resolves to.
 */
import { isBlockedAddress, isIpLiteral } from './address';
import { ResolveBudget } from './budget';
import { ShlError } from './errors';
import type { HttpResponse, Limits, Platform } from './platform';
import { DEFAULT_LIMITS } from './platform';

/** What every outbound request of one resolve shares. */
export interface FetchContext {
  platform: Platform;
  limits: Limits;
  /** Lower-case `host` or `host:port` entries that may use `http` and private addresses. */
  allowHosts: ReadonlySet<string>;
  /** Epoch milliseconds after which no request may run. */
  deadline: number;
  /** What the whole resolve may still consume. */
  budget: ResolveBudget;
}

/**
 * The context of one resolve, starting now: the limits (defaults overridden by `options.limits`),
 * the deadline `resolveTimeoutMs` from now, and one budget over everything the resolve fetches.
 */
export function startResolve(options: {
  platform: Platform;
  limits?: Partial<Limits>;
  allowHosts?: ReadonlySet<string>;
}): FetchContext {
  const { platform } = options;
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const deadline = platform.now() + limits.resolveTimeoutMs;
  return {
    platform,
    limits,
    allowHosts: options.allowHosts ?? new Set(),
    deadline,
    budget: new ResolveBudget(limits, platform.now, deadline),
  };
}

export interface FetchInit {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Defaults to `limits.maxResponseBytes`. */
  maxBytes?: number;
  /** Defaults to `limits.maxRedirects`; 0 refuses any redirect. */
  maxRedirects?: number;
}

export interface FetchResult extends HttpResponse {
  /** The URL that answered, after redirects. */
  url: URL;
}

/** Parses the `SHL_ALLOW_HOSTS` secret: comma- or space-separated `host` or `host:port`. */
export function parseAllowHosts(text: string | undefined): Set<string> {
  const hosts = new Set<string>();
  for (const part of (text ?? '').split(/[\s,]+/)) {
    if (part) {
      hosts.add(part.toLowerCase());
    }
  }
  return hosts;
}

/** True when the URL's host (or host:port) is on the allow list (the URL parser lower-cases both). */
export function isAllowListed(url: URL, allowHosts: ReadonlySet<string>): boolean {
  return allowHosts.has(url.hostname) || allowHosts.has(url.host);
}

/**
 * Throws `fetch-failed` unless the URL may be requested: https (or http when allow-listed), no
 * user info, and no literal blocked address unless allow-listed.
 */
export function checkUrl(url: URL, allowHosts: ReadonlySet<string>): void {
  const allowed = isAllowListed(url, allowHosts);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed)) {
    throw new ShlError(
      'fetch-failed',
      `Refused to contact ${url.host || 'a server'} over ${url.protocol.replace(':', '')}: only https is allowed. Ask the sender for an https link.`
    );
  }
  if (url.username || url.password) {
    throw new ShlError('fetch-failed', `Refused a URL with credentials in it (${url.host}).`);
  }
  // `localhost.` is `localhost`: a name's trailing dot only says it is fully qualified. (An IPv6
  // host keeps its brackets: the address checks read past them.)
  const host = url.hostname.replace(/\.+$/, '');
  if (
    !allowed &&
    (host === 'localhost' || host.endsWith('.localhost') || (isIpLiteral(host) && isBlockedAddress(host)))
  ) {
    throw new ShlError('fetch-failed', `Refused to contact ${url.host}: it is a local or private address.`);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One request under the network rules, following redirects by hand. */
export async function fetchChecked(ctx: FetchContext, input: string | URL, init: FetchInit = {}): Promise<FetchResult> {
  let url = typeof input === 'string' ? parseUrl(input) : input;
  let method = init.method ?? 'GET';
  let body = init.body;
  let headers = init.headers ?? {};
  for (let hop = 0; ; hop++) {
    checkUrl(url, ctx.allowHosts);
    const timeoutMs = Math.min(ctx.limits.requestTimeoutMs, ctx.deadline - ctx.platform.now());
    if (timeoutMs <= 0) {
      throw new ShlError(
        'fetch-failed',
        'Resolving the link took too long. Try again; if it keeps failing, ask the sender.'
      );
    }
    const response = await ctx.platform.transport({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body,
      timeoutMs,
      maxBytes: init.maxBytes ?? ctx.limits.maxResponseBytes,
      allowPrivateAddress: isAllowListed(url, ctx.allowHosts),
    });
    if (!REDIRECTS.has(response.status)) {
      return { ...response, url };
    }
    const location = response.header('location');
    if (!location) {
      throw new ShlError('fetch-failed', `${url.host} answered a redirect without a destination.`);
    }
    const maxRedirects = init.maxRedirects ?? ctx.limits.maxRedirects;
    if (hop >= maxRedirects) {
      throw new ShlError(
        'fetch-failed',
        maxRedirects === 0
          ? `${url.host} answered with a redirect where none is accepted.`
          : `${url.host} redirected more than ${maxRedirects} times.`
      );
    }
    const next = parseUrl(location, url);
    if (next.origin !== url.origin) {
      // A bearer token is for the server it was issued for: never forwarded to another origin.
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
    }
    url = next;
    // 307 and 308 repeat the request as it was; the others are followed with a GET (as browsers
    // do with a POST answered 301 or 302).
    if (response.status !== 307 && response.status !== 308) {
      method = 'GET';
      body = undefined;
    }
  }
}

function parseUrl(text: string, base?: URL): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new ShlError('fetch-failed', 'A server gave an address that is not a valid URL.');
  }
}

/** The first value of a header as a number of seconds (`Retry-After` as seconds or a date). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
