/**
 * A local Medplum-compatible API on 127.0.0.1 for local mode and browser tests: the FHIR API of
 * @medplum/fhir-router over an in-memory repository at the standard paths (`/fhir/R4/...`),
 * `auth/me`, the key-value store (`/keyvalue/v1/:key`, shared with the bot's client), and
 * `Bot/$execute` running the built `shl-import` bot. No account, no network.
 */
import { getStatus } from '@medplum/core';
import type { ProjectSetting } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeyValueRefused, MemoryKeyValueStore } from './key-value-store';

type BotHandler = (medplum: unknown, event: unknown) => Promise<unknown>;

export interface LocalApiOptions {
  medplum: MockClient;
  bot: BotHandler;
  secrets: Record<string, ProjectSetting>;
  /** Extra JSON routes (local mode's demo links). */
  routes?: Record<string, () => unknown>;
}

export interface LocalApi {
  origin: string;
  close(): Promise<void>;
}

export async function startLocalApi(options: LocalApiOptions, port = 0): Promise<LocalApi> {
  const keyValue = new MemoryKeyValueStore();
  keyValue.attachTo(options.medplum);
  const server: Server = createServer((req, res) => {
    handle(options, keyValue, req, res).catch(() => {
      send(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  options: LocalApiOptions,
  keyValue: MemoryKeyValueStore,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const text = await readText(req);
  if (url.pathname.startsWith('/keyvalue/v1/')) {
    await keyValueRoute(keyValue, req.method ?? 'GET', decodeURIComponent(url.pathname.slice(13)), text, res);
    return;
  }
  const body = parseBody(text);
  const route = options.routes?.[url.pathname];
  if (route) {
    send(res, 200, route());
    return;
  }
  if (url.pathname === '/auth/me') {
    send(res, 200, await options.medplum.get('auth/me'));
    return;
  }
  // `/fhir/R4` itself is where MedplumClient posts batch and transaction Bundles.
  if (url.pathname !== '/fhir/R4' && !url.pathname.startsWith('/fhir/R4/')) {
    send(res, 404, { error: 'not found' });
    return;
  }
  const path = url.pathname.slice('/fhir/R4'.length);
  const execute = /^\/Bot\/(?:([^/]+)\/)?\$execute$/.exec(path);
  if (execute && req.method === 'POST') {
    const output = await options.bot(options.medplum, {
      bot: { reference: `Bot/${execute[1] ?? 'shl-import'}` },
      contentType: req.headers['content-type'] ?? 'application/json',
      input: body,
      secrets: options.secrets,
      requester: { reference: `Practitioner/${options.medplum.getProfile()?.id ?? 'local'}` },
    });
    send(res, 200, output);
    return;
  }
  const [outcome, resource] = await options.medplum.router.handleRequest(
    {
      method: (req.method ?? 'GET') as 'GET',
      url: path + url.search,
      pathname: '',
      body,
      params: Object.create(null) as Record<string, string>,
      query: Object.create(null) as Record<string, string>,
      headers: req.headers,
    },
    options.medplum.repo
  );
  send(res, getStatus(outcome), resource ?? outcome);
}

/** The key-value store's routes, answering as Medplum's: the value as text, 404 when missing, 204. */
async function keyValueRoute(
  store: MemoryKeyValueStore,
  method: string,
  key: string,
  body: string,
  res: ServerResponse
): Promise<void> {
  try {
    if (method === 'GET') {
      const value = await store.get(key);
      res.writeHead(value === undefined ? 404 : 200, { 'content-type': 'text/plain' }).end(value ?? 'Not found');
      return;
    }
    await (method === 'PUT' ? store.set(key, body) : store.delete(key));
    res.writeHead(204).end();
  } catch (err) {
    if (!(err instanceof KeyValueRefused)) {
      throw err;
    }
    res.writeHead(400, { 'content-type': 'text/plain' }).end(err.message);
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): unknown {
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(body));
}
