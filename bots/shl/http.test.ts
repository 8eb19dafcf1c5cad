/**
 * The network rules every outbound URL passes: the syntactic checks before any connection, and
 * fetchChecked's redirects, each target checked again, through a transport that records calls.
 */
import { describe, expect, test } from 'vitest';
import { portableCodec } from './base64url';
import { ResolveBudget } from './budget';
import { isShlError } from './errors';
import type { FetchContext, FetchInit } from './http';
import { checkUrl, fetchChecked, isAllowListed, parseAllowHosts, parseRetryAfter, startResolve } from './http';
import type { HttpRequest, HttpResponse } from './platform';
import { DEFAULT_LIMITS } from './platform';

function refusal(url: string, allow: string[] = []): string | undefined {
  let code: string | undefined;
  try {
    checkUrl(new URL(url), new Set(allow));
  } catch (err) {
    code = isShlError(err) ? err.code : 'not-an-shl-error';
  }
  return code;
}

describe('checkUrl', () => {
  test.each([
    'https://localhost/m',
    'https://localhost./m',
    'https://LOCALHOST../m',
    'https://app.localhost/m',
    'https://app.localhost./m',
    'https://127.0.0.1/m',
    'https://[::1]/m',
    'https://[2002:7f00:1::1]/m',
    'https://10.0.0.1/m',
    'https://169.254.169.254/latest/meta-data/',
    'https://203.0.113.9/m',
    'http://sender.example/m',
    'https://user:secret@sender.example/m',
    'https://user@sender.example/m',
    'https://:secret@sender.example/m',
    'ftp://sender.example/m',
    'file:///etc/passwd',
  ])('%s is refused', (url) => {
    expect(refusal(url)).toBe('fetch-failed');
  });

  test.each([
    'https://sender.example/m',
    'https://sender.example:8443/m',
    'https://8.8.8.8/m',
    'https://[2606:4700::1111]/m',
  ])('%s may be requested', (url) => {
    expect(refusal(url)).toBeUndefined();
  });

  test('allow-listed hosts may use http and loopback, and only those', () => {
    expect(refusal('http://127.0.0.1:8080/m', ['127.0.0.1:8080'])).toBeUndefined();
    expect(refusal('http://127.0.0.1:8081/m', ['127.0.0.1:8080'])).toBe('fetch-failed');
    expect(refusal('http://localhost/m', ['localhost'])).toBeUndefined();
    expect(refusal('https://app.localhost/m', ['app.localhost'])).toBeUndefined();
    expect(refusal('http://sender.example/m', ['sender.example'])).toBeUndefined();
    // The allow list opens http and private addresses, never credentials or other schemes.
    expect(refusal('http://user:pw@127.0.0.1:8080/m', ['127.0.0.1:8080'])).toBe('fetch-failed');
    expect(refusal('ftp://127.0.0.1:8080/m', ['127.0.0.1:8080'])).toBe('fetch-failed');
  });

  test('messages name the host and the reason, never the path', () => {
    const message = (url: string): string => {
      try {
        checkUrl(new URL(url), new Set());
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    expect(message('http://sender.example/secret-path')).toBe(
      'Refused to contact sender.example over http: only https is allowed. Ask the sender for an https link.'
    );
    expect(message('https://u:p@sender.example/secret-path')).toBe(
      'Refused a URL with credentials in it (sender.example).'
    );
    expect(message('https://127.0.0.1/secret-path')).toBe(
      'Refused to contact 127.0.0.1: it is a local or private address.'
    );
    expect(message('file:///secret-path')).toMatch(/^Refused to contact a server over file:/);
  });
});

describe('parseAllowHosts and isAllowListed', () => {
  test('comma- or space-separated entries, lower-cased, empty ones dropped', () => {
    expect([...parseAllowHosts(' Sender.Example:8080, ,other.example\n127.0.0.1 ')]).toEqual([
      'sender.example:8080',
      'other.example',
      '127.0.0.1',
    ]);
    expect(parseAllowHosts(undefined).size).toBe(0);
    expect(parseAllowHosts('').size).toBe(0);
  });

  test('a host matches by name alone or by name and port', () => {
    const hosts = parseAllowHosts('sender.example,127.0.0.1:8080');
    expect(isAllowListed(new URL('https://SENDER.example:9999/x'), hosts)).toBe(true);
    expect(isAllowListed(new URL('http://127.0.0.1:8080/x'), hosts)).toBe(true);
    expect(isAllowListed(new URL('http://127.0.0.1:8081/x'), hosts)).toBe(false);
    expect(isAllowListed(new URL('https://other.example/x'), hosts)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-24T00:00:00Z');
  test('seconds, an HTTP date (never negative), or nothing', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 7 ', now)).toBe(7);
    expect(parseRetryAfter(new Date(now + 90_500).toUTCString(), now)).toBe(90);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('5x', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBe(0);
  });
});

/** A server per URL: a redirect (status and Location) or, for anything else, 200 with the URL as body. */
type Routes = Record<string, { status: number; location?: string }>;

/** A platform whose transport records every request and answers from `routes`. */
function recording(routes: Routes, allow: string[] = [], now = 1_000_000) {
  const calls: HttpRequest[] = [];
  const ctx: FetchContext = {
    platform: {
      transport: (request) => {
        calls.push(request);
        const route = routes[request.url.href];
        const response: HttpResponse = {
          status: route?.status ?? 200,
          header: (name) => (name.toLowerCase() === 'location' ? route?.location : undefined),
          body: new TextEncoder().encode(request.url.href),
        };
        return Promise.resolve(response);
      },
      inflateRaw: (data) => data,
      codec: portableCodec,
      subtle: globalThis.crypto.subtle,
      now: () => now,
      randomId: () => 'id',
    },
    limits: DEFAULT_LIMITS,
    allowHosts: parseAllowHosts(allow.join(',')),
    deadline: now + 60_000,
    budget: new ResolveBudget(DEFAULT_LIMITS, () => now, now + 60_000),
  };
  return { ctx, calls, urls: () => calls.map((c) => c.url.href) };
}

async function outcome(ctx: FetchContext, url: string, init?: FetchInit): Promise<string> {
  try {
    return (await fetchChecked(ctx, url, init)).url.href;
  } catch (err) {
    return isShlError(err) ? `${err.code}: ${err.message}` : `not-an-shl-error: ${String(err)}`;
  }
}

describe('fetchChecked: every redirect target is checked before it is requested', () => {
  test.each([
    ['plain http on a public name', 'http://public.example/m'],
    ['credentials in the URL', 'https://user:secret@public.example/m'],
    ['a user name alone', 'https://user@public.example/m'],
    ['localhost', 'https://localhost/m'],
    ['a loopback address', 'https://127.0.0.1/m'],
    ['the metadata address', 'https://169.254.169.254/latest/meta-data/'],
    ['a private address', 'https://10.1.2.3/m'],
    ['IPv6 loopback', 'https://[::1]/m'],
    ['a documentation address', 'https://198.51.100.7/m'],
    ['another scheme', 'ftp://public.example/m'],
  ])('a redirect to %s is refused without requesting it', async (_what, target) => {
    const r = recording({ 'https://sender.example/m': { status: 302, location: target } });
    expect(await outcome(r.ctx, 'https://sender.example/m')).toMatch(/^fetch-failed: Refused/);
    expect(r.urls()).toEqual(['https://sender.example/m']);
  });

  test('a later hop is checked too: fine, fine, then plain http is refused before it is requested', async () => {
    const r = recording({
      'https://sender.example/a': { status: 301, location: 'https://cdn.example/b' },
      'https://cdn.example/b': { status: 307, location: 'https://cdn.example/c' },
      'https://cdn.example/c': { status: 302, location: 'http://cdn.example/d' },
    });
    expect(await outcome(r.ctx, 'https://sender.example/a')).toMatch(
      /^fetch-failed: Refused to contact cdn\.example over http/
    );
    expect(r.urls()).toEqual(['https://sender.example/a', 'https://cdn.example/b', 'https://cdn.example/c']);
  });

  test('an allowed redirect is followed, relative locations resolved against the current URL', async () => {
    const r = recording({
      'https://sender.example/a/m': { status: 308, location: '../b/n?x=1' },
      'https://sender.example/b/n?x=1': { status: 303, location: 'https://files.example/f' },
    });
    const response = await fetchChecked(r.ctx, 'https://sender.example/a/m');
    expect(response.status).toBe(200);
    expect(response.url.href).toBe('https://files.example/f');
    expect(new TextDecoder().decode(response.body)).toBe('https://files.example/f');
    expect(r.urls()).toEqual([
      'https://sender.example/a/m',
      'https://sender.example/b/n?x=1',
      'https://files.example/f',
    ]);
  });

  test('an allow-listed host is asked with private addresses allowed; others are not', async () => {
    const r = recording({ 'http://127.0.0.1:8080/m': { status: 302, location: 'https://public.example/m' } }, [
      '127.0.0.1:8080',
    ]);
    await fetchChecked(r.ctx, 'http://127.0.0.1:8080/m');
    expect(r.calls.map((c) => c.allowPrivateAddress)).toEqual([true, false]);
  });

  test('a redirect from an allow-listed host to a private address that is not is refused', async () => {
    const r = recording({ 'http://127.0.0.1:8080/m': { status: 302, location: 'http://127.0.0.1:8081/m' } }, [
      '127.0.0.1:8080',
    ]);
    expect(await outcome(r.ctx, 'http://127.0.0.1:8080/m')).toMatch(/^fetch-failed: Refused/);
    expect(r.urls()).toEqual(['http://127.0.0.1:8080/m']);
  });

  test('a bearer token goes only to the origin it was issued for', async () => {
    const r = recording({
      'https://api.example/a': { status: 302, location: 'https://api.example/b' },
      'https://api.example/b': { status: 302, location: 'https://elsewhere.example/c' },
    });
    await fetchChecked(r.ctx, 'https://api.example/a', { headers: { Authorization: 'Bearer t', accept: 'x' } });
    expect(r.calls.map((c) => c.headers)).toEqual([
      { Authorization: 'Bearer t', accept: 'x' },
      { Authorization: 'Bearer t', accept: 'x' },
      { accept: 'x' },
    ]);
  });

  test('303 turns any request into a GET without a body; 301 and 302 turn a POST into one; 307 and 308 keep it', async () => {
    const post = { method: 'POST', body: '{"recipient":"r"}' } as const;
    const shape = (c: HttpRequest): string => `${c.method} ${c.body ?? '-'} ${c.headers['content-type'] ?? '-'}`;
    for (const [status, after] of [
      [303, 'GET - -'],
      [301, 'GET - -'],
      [302, 'GET - -'],
      [307, 'POST {"recipient":"r"} application/json'],
      [308, 'POST {"recipient":"r"} application/json'],
    ] as const) {
      const r = recording({ 'https://sender.example/m': { status, location: 'https://sender.example/n' } });
      await fetchChecked(r.ctx, 'https://sender.example/m', post);
      expect(r.calls.map(shape)).toEqual(['POST {"recipient":"r"} application/json', after]);
    }
    const get = recording({ 'https://sender.example/m': { status: 302, location: 'https://sender.example/n' } });
    await fetchChecked(get.ctx, 'https://sender.example/m');
    expect(get.calls.map((c) => c.method)).toEqual(['GET', 'GET']);
  });

  test('at most maxRedirects are followed; 0 refuses any; a redirect without a Location is refused', async () => {
    const chain: Routes = {};
    for (let i = 0; i < 5; i++) {
      chain[`https://sender.example/${i}`] = { status: 302, location: `https://sender.example/${i + 1}` };
    }
    const three = recording(chain);
    expect(await outcome(three.ctx, 'https://sender.example/0')).toBe(
      'fetch-failed: sender.example redirected more than 3 times.'
    );
    expect(three.calls).toHaveLength(4);
    const fine = recording(chain);
    expect(await outcome(fine.ctx, 'https://sender.example/2')).toBe('https://sender.example/5');
    const none = recording(chain);
    expect(await outcome(none.ctx, 'https://sender.example/0', { maxRedirects: 0 })).toBe(
      'fetch-failed: sender.example answered with a redirect where none is accepted.'
    );
    expect(none.calls).toHaveLength(1);
    const nowhere = recording({ 'https://sender.example/m': { status: 301 } });
    expect(await outcome(nowhere.ctx, 'https://sender.example/m')).toBe(
      'fetch-failed: sender.example answered a redirect without a destination.'
    );
    const invalid = recording({ 'https://sender.example/m': { status: 302, location: 'https://[bad/' } });
    expect(await outcome(invalid.ctx, 'https://sender.example/m')).toBe(
      'fetch-failed: A server gave an address that is not a valid URL.'
    );
  });

  test('other statuses come back as they are, with the URL that answered', async () => {
    for (const status of [200, 204, 300, 304, 400, 404, 500]) {
      const r = recording({ 'https://sender.example/m': { status, location: 'https://elsewhere.example/' } });
      const response = await fetchChecked(r.ctx, 'https://sender.example/m');
      expect([response.status, response.url.href, r.calls.length]).toEqual([status, 'https://sender.example/m', 1]);
    }
  });

  test('each request gets the smaller of its timeout and the time left, and the body cap', async () => {
    const r = recording({});
    await fetchChecked({ ...r.ctx, deadline: 1_000_000 + 4000 }, 'https://sender.example/m', { maxBytes: 1234 });
    await fetchChecked(r.ctx, 'https://sender.example/m');
    expect(r.calls.map((c) => [c.timeoutMs, c.maxBytes])).toEqual([
      [4000, 1234],
      [DEFAULT_LIMITS.requestTimeoutMs, DEFAULT_LIMITS.maxResponseBytes],
    ]);
    const late = recording({});
    expect(await outcome({ ...late.ctx, deadline: 1_000_000 }, 'https://sender.example/m')).toMatch(
      /^fetch-failed: Resolving the link took too long/
    );
    expect(late.calls).toHaveLength(0);
    expect(await outcome(late.ctx, 'not a url')).toBe(
      'fetch-failed: A server gave an address that is not a valid URL.'
    );
  });
});

describe('startResolve', () => {
  test("the whole resolve's deadline is resolveTimeoutMs from its start", () => {
    const platform = { now: () => 1_000_000 } as unknown as Parameters<typeof startResolve>[0]['platform'];
    expect(startResolve({ platform }).deadline).toBe(1_000_000 + DEFAULT_LIMITS.resolveTimeoutMs);
    expect(startResolve({ platform, limits: { resolveTimeoutMs: 5000 } }).deadline).toBe(1_005_000);
  });
});
