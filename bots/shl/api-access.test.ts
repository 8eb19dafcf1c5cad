import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNodePlatform } from '../node-platform';
import { fetchApiData, readApiAccess } from './api-access';
import type { FetchContext } from './http';
import { parseAllowHosts } from './http';
import { DEFAULT_LIMITS } from './platform';
import { ResolveBudget } from './budget';

const TOKEN = 'api-token-s3cr3t-value';
const seen: { path: string; authorization?: string }[] = [];
let origin = '';
let other = '';
const servers: ReturnType<typeof createServer>[] = [];

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function bundle(ids: string[], next?: string): string {
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'searchset',
    entry: ids.map((id) => ({ resource: { resourceType: 'Observation', id, status: 'final', code: { text: id } } })),
    ...(next && { link: [{ relation: 'next', url: next }] }),
  });
}

beforeAll(async () => {
  other = await listen((req, res) => {
    seen.push({ path: `other${req.url ?? ''}`, authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(bundle(['elsewhere']));
  });
  origin = await listen((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end();
    } else if (req.url?.startsWith('/fhir/Patient/p-1/$everything')) {
      const page = Number(new URL(req.url, origin).searchParams.get('page') ?? '1');
      res
        .writeHead(200, { 'content-type': 'application/fhir+json' })
        .end(bundle([`e${page}`], page < 20 ? `${origin}/fhir/Patient/p-1/$everything?page=${page + 1}` : undefined));
    } else if (req.url?.startsWith('/fhir/Patient/p-2/$everything')) {
      res.writeHead(404).end();
    } else if (/^\/fhir\/(Condition|Immunization)\?patient=p-2$/.test(req.url ?? '')) {
      res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(bundle([req.url?.slice(6, 10) ?? '']));
    } else if (req.url?.startsWith('/fhir/Coverage')) {
      res.writeHead(302, { location: `${other}/fhir/Coverage` }).end();
    } else {
      res.writeHead(404).end();
    }
  });
});

afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

function ctx(): FetchContext {
  return {
    platform: createNodePlatform(),
    limits: DEFAULT_LIMITS,
    allowHosts: parseAllowHosts(`${new URL(origin).host},${new URL(other).host}`),
    deadline: Date.now() + 10_000,
    budget: new ResolveBudget(DEFAULT_LIMITS, Date.now, Date.now() + 10_000),
  };
}

describe('smart-api-access', () => {
  test('reads a token response with aud, query hints and patient', () => {
    expect(
      readApiAccess({ access_token: 't', aud: 'https://fhir.example/r4', query: ['Coverage', 3], patient: 'p' })
    ).toMatchObject({
      accessToken: 't',
      queries: ['Coverage'],
      patient: 'p',
    });
    expect(readApiAccess({ access_token: 't' })).toBeUndefined();
    expect(readApiAccess({ aud: 'https://fhir.example' })).toBeUndefined();
  });

  test("without hints: the patient's $everything, with paging capped at 10 pages", async () => {
    seen.length = 0;
    const access = readApiAccess({ access_token: TOKEN, aud: `${origin}/fhir`, patient: 'p-1' });
    const result = await fetchApiData(ctx(), access as NonNullable<typeof access>);
    expect(result.contents).toHaveLength(10);
    expect(seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  test('a server without $everything: US Core searches for the patient instead, no warning for the attempt', async () => {
    seen.length = 0;
    const access = readApiAccess({ access_token: TOKEN, aud: `${origin}/fhir`, patient: 'p-2' });
    const result = await fetchApiData(ctx(), access as NonNullable<typeof access>);
    expect(seen[0]?.path).toBe('/fhir/Patient/p-2/$everything');
    expect(seen.slice(1).every((s) => s.path.endsWith('patient=p-2'))).toBe(true);
    expect(seen.map((s) => s.path)).toContain('/fhir/Observation?category=laboratory&patient=p-2');
    expect(result.contents).toHaveLength(2);
    // Four of the six searches answer 404: a warning each; the $everything attempt adds none.
    expect(result.warnings).toHaveLength(4);
    expect(result.warnings.every((w) => w.includes('HTTP 404'))).toBe(true);
  });

  test('the token is not forwarded to another origin on a redirect; failures are warnings without the token', async () => {
    seen.length = 0;
    const access = readApiAccess({
      access_token: TOKEN,
      aud: `${origin}/fhir`,
      query: ['Coverage', 'Nothing', 'https://evil.example/x'],
    });
    const result = await fetchApiData(ctx(), access as NonNullable<typeof access>);
    expect(seen.find((s) => s.path.startsWith('other'))?.authorization).toBeUndefined();
    expect(result.contents).toHaveLength(1);
    expect(result.warnings.join(' ')).toMatch(/HTTP 404/);
    expect(result.warnings.join(' ')).toMatch(/not a query on it/);
    expect(JSON.stringify(result.warnings)).not.toContain(TOKEN);
  });

  test('an unreachable API is a warning, not an error', async () => {
    const access = readApiAccess({ access_token: TOKEN, aud: 'http://127.0.0.1:1/fhir', query: ['Condition'] });
    const result = await fetchApiData(
      { ...ctx(), allowHosts: parseAllowHosts('127.0.0.1:1') },
      access as NonNullable<typeof access>
    );
    expect(result.contents).toEqual([]);
    expect(result.warnings[0]).toMatch(/could not be read/);
  });
});
