import type { LookupAddress } from 'node:dns';
import type { Server } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ShlSender } from '../local/shl-sender';
import type { ResolveAll } from './node-platform';
import { createNodePlatform, guardedLookup, inflateRaw, nodeCodec, nodeTransport } from './node-platform';
import { portableCodec } from './shl/base64url';
import { isShlError } from './shl/errors';
import type { FetchContext } from './shl/http';
import { fetchChecked, parseAllowHosts } from './shl/http';
import type { HttpRequest } from './shl/platform';
import { DEFAULT_LIMITS } from './shl/platform';
import { ResolveBudget } from './shl/budget';

let sender: ShlSender;
let silent: Server;
let silentPort: number;

beforeAll(async () => {
  sender = await ShlSender.start();
  sender.serve('/hello', '{"hello":"world"}');
  sender.serve('/big', 'x'.repeat(5000), 'text/plain');
  sender.redirect('/to-metadata', 'http://169.254.169.254/latest/meta-data/');
  sender.redirect('/to-https-elsewhere', 'https://127.0.0.1:1/x');
  for (let i = 0; i < 5; i++) {
    sender.redirect(`/loop${i}`, `${sender.origin}/loop${i + 1}`);
  }
  sender.redirect('/once', `${sender.origin}/hello`, 307);
  // A server that accepts connections and never answers.
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as AddressInfo).port;
});

afterAll(async () => {
  await sender.close();
  silent.closeAllConnections();
  silent.close();
});

function request(url: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: 'GET',
    url: new URL(url),
    headers: {},
    timeoutMs: 2000,
    maxBytes: 1 << 20,
    allowPrivateAddress: true,
    ...extra,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return isShlError(err) ? err.code : `not-an-shl-error: ${String(err)}`;
  }
}

describe('nodeTransport', () => {
  test('reads a body, headers case-insensitively, and returns redirects as they are', async () => {
    const response = await nodeTransport(request(`${sender.origin}/hello`));
    expect(response.status).toBe(200);
    expect(response.header('Content-Type')).toBe('application/json');
    expect(new TextDecoder().decode(response.body)).toBe('{"hello":"world"}');
    const redirect = await nodeTransport(request(`${sender.origin}/once`));
    expect(redirect.status).toBe(307);
    expect(redirect.header('location')).toBe(`${sender.origin}/hello`);
  });

  test('sends a POST body', async () => {
    await nodeTransport(
      request(`${sender.origin}/echo`, {
        method: 'POST',
        body: '{"recipient":"r"}',
        headers: { 'content-type': 'application/json' },
      })
    );
    expect(sender.requests.at(-1)).toMatchObject({ method: 'POST', path: '/echo', body: { recipient: 'r' } });
  });

  test('refuses loopback by literal address and by a name that resolves to it, unless allowed', async () => {
    const port = new URL(sender.origin).port;
    expect(await codeOf(nodeTransport(request(`http://127.0.0.1:${port}/hello`, { allowPrivateAddress: false })))).toBe(
      'fetch-failed'
    );
    expect(await codeOf(nodeTransport(request(`http://localhost:${port}/hello`, { allowPrivateAddress: false })))).toBe(
      'fetch-failed'
    );
    expect(
      await codeOf(nodeTransport(request(`http://[::ffff:127.0.0.1]:${port}/hello`, { allowPrivateAddress: false })))
    ).toBe('fetch-failed');
    expect((await nodeTransport(request(`http://localhost:${port}/hello`))).status).toBe(200);
  });

  test('times out a server that never answers', async () => {
    const started = Date.now();
    expect(await codeOf(nodeTransport(request(`http://127.0.0.1:${silentPort}/`, { timeoutMs: 200 })))).toBe(
      'fetch-failed'
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('caps bodies, with and without content-length', async () => {
    expect(await codeOf(nodeTransport(request(`${sender.origin}/big`, { maxBytes: 1000 })))).toBe('too-large');
    const chunked = createServer((_req, res) => {
      res.write('y'.repeat(800));
      res.write('y'.repeat(800));
      res.end();
    });
    await new Promise<void>((resolve) => chunked.listen(0, '127.0.0.1', resolve));
    const port = (chunked.address() as AddressInfo).port;
    try {
      expect(await codeOf(nodeTransport(request(`http://127.0.0.1:${port}/`, { maxBytes: 1000 })))).toBe('too-large');
    } finally {
      chunked.close();
    }
  });

  test('a refused connection is fetch-failed and names only the host', async () => {
    const err = await nodeTransport(request('http://127.0.0.1:1/secret-path?token=abc')).then(
      () => undefined,
      (reason: unknown) => reason
    );
    expect(isShlError(err) && err.code).toBe('fetch-failed');
    expect((err as Error).message).not.toMatch(/secret-path|token/);
  });
});

/** A DNS that answers every name with `addresses`, and counts its lookups. */
function dnsAnswering(addresses: string[]): ResolveAll & { lookups: number } {
  const dns = (_host: string, _options: unknown, callback: (err: null, found: LookupAddress[]) => void): void => {
    dns.lookups++;
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))
    );
  };
  dns.lookups = 0;
  return dns;
}

/** What a guarded lookup hands on for `sender.test`: the error code, or the addresses. */
function lookUp(
  allowPrivate: boolean,
  dns: ResolveAll,
  all: boolean
): Promise<{ code?: string; addresses?: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve) => {
    guardedLookup(allowPrivate, dns)('sender.test', { all }, (err, addresses, family) => {
      resolve(err ? { code: isShlError(err) ? err.code : String(err.code) } : { addresses, family });
    });
  });
}

describe('guardedLookup: every address a name resolves to is checked', () => {
  test.each([
    ['public, then private', ['93.184.216.34', '10.0.0.1']],
    ['private, then public', ['192.168.1.20', '93.184.216.34']],
    ['public, then loopback', ['93.184.216.34', '127.0.0.1']],
    ['public, then metadata', ['8.8.8.8', '169.254.169.254']],
    ['public IPv6, then IPv6 loopback', ['2606:4700::1111', '::1']],
    ['public IPv4, then IPv6 unique local', ['8.8.8.8', 'fd00:ec2::254']],
    ['public, then a documentation address', ['8.8.8.8', '203.0.113.9']],
    ['nothing', []],
  ])('a name resolving to %s is refused', async (_answer, addresses) => {
    for (const all of [false, true]) {
      expect(await lookUp(false, dnsAnswering(addresses), all)).toEqual({ code: 'fetch-failed' });
    }
  });

  test('only public addresses: the first is handed on (or all of them, when all are asked for)', async () => {
    const dns = dnsAnswering(['93.184.216.34', '2606:4700::1111']);
    expect(await lookUp(false, dns, false)).toEqual({ addresses: '93.184.216.34', family: 4 });
    expect(await lookUp(false, dns, true)).toEqual({
      addresses: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700::1111', family: 6 },
      ],
    });
  });

  test('an allow-listed host may resolve to private addresses', async () => {
    expect(await lookUp(true, dnsAnswering(['127.0.0.1', '10.0.0.1']), false)).toEqual({
      addresses: '127.0.0.1',
      family: 4,
    });
  });

  test('a failed lookup passes its error on', async () => {
    const failing: ResolveAll = (_host, _options, callback) => {
      callback(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }), []);
    };
    expect(await lookUp(false, failing, false)).toEqual({ code: 'ENOTFOUND' });
  });

  test('a connection goes to the address checked, and none is made for a mixed answer', async () => {
    const port = Number(new URL(sender.origin).port);
    const get = (allowPrivate: boolean, dns: ResolveAll): Promise<number | string> =>
      new Promise((resolve) => {
        const req = httpRequest(
          { host: 'sender.test', port, path: '/hello', lookup: guardedLookup(allowPrivate, dns) },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          }
        );
        req.on('error', (err) => {
          resolve(isShlError(err) ? err.code : String(err));
        });
        req.end();
      });
    const before = sender.requests.length;
    const mixed = dnsAnswering(['93.184.216.34', '127.0.0.1']);
    expect(await get(false, mixed)).toBe('fetch-failed');
    expect(mixed.lookups).toBeGreaterThan(0);
    expect(sender.requests.length).toBe(before);
    // Allowed, the name reaches the sender at the address the lookup gave.
    expect(await get(true, dnsAnswering(['127.0.0.1']))).toBe(200);
    expect(sender.requests.at(-1)?.path).toBe('/hello');
  });
});

describe('fetchChecked with the Node transport', () => {
  const ctx = (): FetchContext => ({
    platform: createNodePlatform(),
    limits: DEFAULT_LIMITS,
    allowHosts: parseAllowHosts(sender.host),
    deadline: Date.now() + 10_000,
    budget: new ResolveBudget(DEFAULT_LIMITS, Date.now, Date.now() + 10_000),
  });

  test('follows a redirect to an allowed place', async () => {
    const response = await fetchChecked(ctx(), `${sender.origin}/once`);
    expect(response.status).toBe(200);
    expect(response.url.pathname).toBe('/hello');
  });

  test('re-checks redirect targets: metadata and non-allow-listed http are refused', async () => {
    expect(await codeOf(fetchChecked(ctx(), `${sender.origin}/to-metadata`))).toBe('fetch-failed');
    expect(await codeOf(fetchChecked(ctx(), `${sender.origin}/to-https-elsewhere`))).toBe('fetch-failed');
  });

  test('follows at most 3 redirects', async () => {
    expect(await codeOf(fetchChecked(ctx(), `${sender.origin}/loop1`))).toBe('fetch-failed');
  });

  test('http and private addresses need the allow list', async () => {
    const strict = { ...ctx(), allowHosts: new Set<string>() };
    const before = sender.requests.length;
    expect(await codeOf(fetchChecked(strict, `${sender.origin}/hello`))).toBe('fetch-failed');
    expect(await codeOf(fetchChecked(strict, 'https://10.0.0.1/x'))).toBe('fetch-failed');
    expect(await codeOf(fetchChecked(strict, 'https://[fd00:ec2::254]/x'))).toBe('fetch-failed');
    expect(await codeOf(fetchChecked(strict, 'https://user:pass@example.org/x'))).toBe('fetch-failed');
    expect(await codeOf(fetchChecked(strict, 'ftp://example.org/x'))).toBe('fetch-failed');
    expect(sender.requests.length).toBe(before);
  });

  test('a spent deadline stops requests', async () => {
    expect(await codeOf(fetchChecked({ ...ctx(), deadline: Date.now() - 1 }, `${sender.origin}/hello`))).toBe(
      'fetch-failed'
    );
  });
});

describe('inflateRaw', () => {
  test('round trip, a bounded bomb, and garbage', () => {
    const text = 'résumé '.repeat(1000);
    expect(new TextDecoder().decode(inflateRaw(deflateRawSync(text), 1 << 20))).toBe(text);
    const bomb = deflateRawSync(Buffer.alloc(100 * 1024 * 1024));
    expect(() => inflateRaw(bomb, 1 << 20)).toThrow(expect.objectContaining({ code: 'too-large' }));
    expect(() => inflateRaw(new Uint8Array([1, 2, 3, 4, 5]), 1 << 20)).toThrow(
      expect.objectContaining({ code: 'decrypt-failed' })
    );
  });
});

/** Node's base64 decoder answers as the portable one does: the same bytes, or both refuse. */
function expectSameBase64(text: string): void {
  const ours = nodeCodec.decodeBase64url(text);
  const portable = portableCodec.decodeBase64url(text);
  expect(ours && [...ours]).toEqual(portable && [...portable]);
}

describe("Node's codec", () => {
  test('decodes and encodes exactly as the portable codec: BOM dropped, invalid UTF-8 and base64 refused', () => {
    const texts = [
      new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
      new TextEncoder().encode('{"name":"Zoë 😀"}'),
      new TextEncoder().encode('plain ASCII'),
      new Uint8Array([0xff, 0x41]),
      new Uint8Array([0xc3]),
      new Uint8Array(0),
    ];
    for (const bytes of texts) {
      expect(nodeCodec.decodeUtf8(bytes)).toBe(portableCodec.decodeUtf8(bytes));
    }
    expect(nodeCodec.decodeUtf8(texts[0] as Uint8Array)).toBe('{}');
    expect(nodeCodec.decodeUtf8(texts[3] as Uint8Array)).toBeUndefined();
    for (const text of [
      '',
      'QQ',
      'QQ=',
      'QQ==',
      'QQ===',
      'QUFB=',
      'Q',
      'QUFBQ',
      '+/+/',
      '-_-_',
      'a b',
      'a.b',
      'é',
      'QQ=A',
    ]) {
      expectSameBase64(text);
    }
    // Any text, valid or not: base64 of either alphabet with stray characters, `=` anywhere,
    // spaces and non-ASCII mixed in.
    const char = fc.constantFrom(...'AQgw09az-_+/====  .\né'.split(''));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 40 }), (chars) => {
        expectSameBase64(chars.join(''));
      }),
      { numRuns: 2000 }
    );
    for (let length = 0; length < 70; length++) {
      const bytes = new Uint8Array(Array.from({ length }, (_, i) => (i * 89 + length) & 255));
      expect(nodeCodec.encodeBase64(bytes)).toBe(portableCodec.encodeBase64(bytes));
      expect(nodeCodec.encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect([...(nodeCodec.decodeBase64url(Buffer.from(bytes).toString('base64url')) ?? [])]).toEqual([...bytes]);
    }
  });
});
