import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ShlSender } from '../local/shl-sender';
import { createNodePlatform, inflateRaw, nodeTransport } from './node-platform';
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
    try {
      await nodeTransport(request('http://127.0.0.1:1/secret-path?token=abc'));
      expect.unreachable();
    } catch (err) {
      expect(isShlError(err) && err.code).toBe('fetch-failed');
      expect((err as Error).message).not.toMatch(/secret-path|token/);
    }
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
