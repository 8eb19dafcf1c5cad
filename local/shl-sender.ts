/**
 * A real SMART Health Links sender on 127.0.0.1 for tests and benchmarks. It speaks the
 * protocol as real senders do, quirks included: manifests with embedded and `location` files
 * (location tokens short-lived, optionally single-use or stale), passcodes with a lifetime
 * attempt budget, `U` links, `L` links whose content changes, forced statuses (404, 410, 429 +
 * Retry-After, 400 `{error}`), top-level `status`, slow answers, tampered files.
 */
import type { AddressInfo } from 'node:net';
import { createCipheriv, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { deflateRawSync } from 'node:zlib';

export interface FileSpec {
  /** The plaintext. */
  content: string | Uint8Array;
  /** The manifest's `contentType`. */
  contentType: string;
  /** The JWE `cty`: omitted when undefined or null. */
  cty?: string | null;
  zip?: boolean;
  delivery?: 'embedded' | 'location' | 'both';
  /** Flip one ciphertext character. */
  tamper?: boolean;
  status?: string;
  locationSingleUse?: boolean;
  /** Answer location GETs with this status. */
  locationStatus?: number;
  /** The first location handed out answers 404; later ones work. */
  locationStaleOnce?: boolean;
}

export interface LinkOptions {
  files: FileSpec[];
  flag?: string;
  passcode?: string;
  /** Lifetime passcode budget (default 5). */
  attempts?: number;
  exp?: number | string;
  label?: string;
  key?: Uint8Array;
  v?: number;
  /** Answer every request to this link with this. */
  response?: { status: number; headers?: Record<string, string>; body?: string };
  topLevelStatus?: string;
  /** 400 when `recipient` is missing (default true). */
  requireRecipient?: boolean;
  /** Appended to the link's path, e.g. `?format=jose`. */
  manifestPath?: string;
  delayMs?: number;
}

export interface CreatedLink {
  shl: string;
  payload: Record<string, unknown>;
  /** base64url key. */
  key: string;
  id: string;
  url: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** The JSON body, with any passcode replaced by '***'. */
  body?: Record<string, unknown>;
  recipient?: string;
}

interface LinkState {
  options: LinkOptions;
  key: Uint8Array;
  jwes: string[];
  attemptsLeft: number;
  revoked: boolean;
  manifestRequests: number;
  staleHandedOut: Set<number>;
}

interface Location {
  jwe: string;
  expires: number;
  singleUse: boolean;
  status?: number;
}

/** A compact JWE, `dir` / `A256GCM`, optional `zip` DEF, the way senders make them. */
export function encryptFile(
  plaintext: string | Uint8Array,
  key: Uint8Array,
  options: { cty?: string | null; zip?: boolean; extraHeader?: Record<string, unknown> } = {}
): string {
  const header = {
    alg: 'dir',
    enc: 'A256GCM',
    ...(options.cty ? { cty: options.cty } : {}),
    ...(options.zip ? { zip: 'DEF' } : {}),
    ...options.extraHeader,
  };
  const protectedB64 = Buffer.from(JSON.stringify(header)).toString('base64url');
  const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext) : plaintext;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(protectedB64, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(options.zip ? deflateRawSync(bytes) : bytes), cipher.final()]);
  return [
    protectedB64,
    '',
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
  ].join('.');
}

/** `shlink:/` + base64url(JSON), optionally behind a viewer URL. */
export function encodeShlink(payload: Record<string, unknown>, options: { viewerPrefix?: string } = {}): string {
  const shl = 'shlink:/' + Buffer.from(JSON.stringify(payload)).toString('base64url');
  return options.viewerPrefix ? `${options.viewerPrefix}#${shl}` : shl;
}

/** The payload of a `shlink:/` (bare or viewer-prefixed). */
export function decodeShlinkPayload(shl: string): Record<string, unknown> {
  const encoded = /shlink:\/([A-Za-z0-9_-]+)/.exec(shl)?.[1] ?? '';
  return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export class ShlSender {
  readonly requests: LoggedRequest[] = [];
  private readonly links = new Map<string, LinkState>();
  private readonly locations = new Map<string, Location>();
  private readonly statics = new Map<string, { body: string | Uint8Array; contentType: string }>();
  private readonly redirects = new Map<string, { to: string; status: number }>();

  private readonly server: Server;
  /** `http://HOST:PORT` */
  origin = '';
  /** `HOST:PORT`, for the `SHL_ALLOW_HOSTS` secret. */
  host = '';

  private constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
  }

  /**
   * Listens on `host` (default 127.0.0.1; links name it too, so it must be an address the bot's
   * server reaches) and `port` (default: any free one).
   */
  static async start(options: { host?: string; port?: number } = {}): Promise<ShlSender> {
    const sender = new ShlSender();
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      sender.server.once('error', reject);
      sender.server.listen(options.port ?? 0, host, resolve);
    });
    const { port } = sender.server.address() as AddressInfo;
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    sender.origin = `http://${authority}`;
    sender.host = authority;
    return sender;
  }

  /** How many client connections are open to this sender now (keep-alive ones included). */
  openConnections(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.getConnections((err, count) => (err ? reject(err) : resolve(count)));
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  async createLink(options: LinkOptions): Promise<CreatedLink> {
    const id = randomBytes(32).toString('base64url');
    const key = options.key ?? randomBytes(32);
    const state: LinkState = {
      options,
      key,
      jwes: [],
      attemptsLeft: options.attempts ?? 5,
      revoked: false,
      manifestRequests: 0,
      staleHandedOut: new Set(),
    };
    this.links.set(id, state);
    this.setFiles(id, options.files);
    const url = `${this.origin}/shl/${id}${options.manifestPath ?? ''}`;
    const payload: Record<string, unknown> = {
      url,
      key: Buffer.from(key).toString('base64url'),
      ...(options.flag !== undefined && { flag: options.flag }),
      ...(options.exp !== undefined && { exp: options.exp }),
      ...(options.label !== undefined && { label: options.label }),
      ...(options.v !== undefined && { v: options.v }),
    };
    return Promise.resolve({ shl: encodeShlink(payload), payload, key: payload.key as string, id, url });
  }

  /** Replaces a link's files (a long-lived link whose content changed). */
  setFiles(id: string, files: FileSpec[]): void {
    const state = this.link(id);
    state.options = { ...state.options, files };
    state.jwes = files.map((file) => {
      const jwe = encryptFile(file.content, state.key, { cty: file.cty, zip: file.zip });
      return file.tamper ? tamper(jwe) : jwe;
    });
  }

  revoke(id: string): void {
    this.link(id).revoked = true;
  }

  manifestRequestCount(id: string): number {
    return this.link(id).manifestRequests;
  }

  /** Serves a static file (issuer JWKS, CRLs, fixture JWEs). */
  serve(path: string, body: string | Uint8Array, contentType = 'application/json'): void {
    this.statics.set(path, { body, contentType });
  }

  redirect(path: string, to: string, status = 302): void {
    this.redirects.set(path, { to, status });
  }

  /** Serves a stored JWE at a path and returns a `U` link to it with the given payload fields. */
  serveDirectFile(jwe: string, payload: Record<string, unknown>): CreatedLink {
    const id = randomBytes(16).toString('base64url');
    this.serve(`/direct/${id}`, jwe, 'application/jose');
    const url = `${this.origin}/direct/${id}`;
    const full: Record<string, unknown> = { ...payload, url };
    return { shl: encodeShlink(full), payload: full, key: String(full.key), id, url };
  }

  private link(id: string): LinkState {
    const state = this.links.get(id);
    if (!state) {
      throw new Error(`no link ${id}`);
    }
    return state;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const recipient = url.searchParams.get('recipient') ?? undefined;
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      ...(body && { body: 'passcode' in body ? { ...body, passcode: '***' } : body }),
      ...(recipient !== undefined && { recipient }),
    });

    const redirect = this.redirects.get(url.pathname);
    if (redirect) {
      res.writeHead(redirect.status, { location: redirect.to }).end();
      return;
    }
    const file = this.statics.get(url.pathname);
    if (file) {
      const needsRecipient = url.pathname.startsWith('/direct/');
      if (needsRecipient && !recipient) {
        send(res, 400, { error: 'recipient required' });
        return;
      }
      res.writeHead(200, { 'content-type': file.contentType }).end(file.body);
      return;
    }
    const [, kind, token] = url.pathname.split('/');
    if (kind === 'file' && token) {
      this.serveLocation(token, res);
      return;
    }
    const state = kind === 'shl' && token ? this.links.get(token) : undefined;
    if (!state) {
      send(res, 404, { error: 'not found' });
      return;
    }
    if (state.options.delayMs) {
      await new Promise((resolve) => setTimeout(resolve, state.options.delayMs));
    }
    const forced = state.options.response;
    if (forced) {
      res.writeHead(forced.status, { 'content-type': 'application/json', ...forced.headers }).end(forced.body ?? '');
      return;
    }
    if (state.revoked) {
      send(res, 404, { error: 'not found' });
      return;
    }
    const flags = state.options.flag ?? '';
    if (flags.includes('U')) {
      if (req.method !== 'GET') {
        send(res, 405, { error: 'use GET' });
      } else if (!recipient && state.options.requireRecipient !== false) {
        send(res, 400, { error: 'recipient required' });
      } else {
        res.writeHead(200, { 'content-type': 'application/jose' }).end(state.jwes[0] ?? '');
      }
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, { error: 'use POST' });
      return;
    }
    if (typeof body?.recipient !== 'string' && state.options.requireRecipient !== false) {
      send(res, 400, { error: 'recipient required' });
      return;
    }
    if (flags.includes('P')) {
      if (state.attemptsLeft <= 0) {
        send(res, 404, { error: 'not found' });
        return;
      }
      if (body?.passcode !== state.options.passcode) {
        state.attemptsLeft--;
        send(res, 401, { remainingAttempts: state.attemptsLeft });
        return;
      }
    }
    state.manifestRequests++;
    send(res, 200, this.manifest(state, body?.embeddedLengthMax), flags.includes('L') ? { 'retry-after': '5' } : {});
  }

  private manifest(state: LinkState, embeddedLengthMax: unknown): Record<string, unknown> {
    const max = typeof embeddedLengthMax === 'number' ? embeddedLengthMax : Infinity;
    const files = state.options.files.map((spec, index) => {
      const jwe = state.jwes[index] ?? '';
      const delivery = spec.delivery ?? 'embedded';
      const embed = delivery !== 'location' && jwe.length <= max;
      const locate = delivery !== 'embedded' || !embed;
      return {
        contentType: spec.contentType,
        ...(embed && { embedded: jwe }),
        ...(locate && { location: this.newLocation(state, spec, index, jwe) }),
        ...(spec.status !== undefined && { status: spec.status }),
        lastUpdated: '2026-11-01T00:00:00Z',
      };
    });
    return { files, ...(state.options.topLevelStatus !== undefined && { status: state.options.topLevelStatus }) };
  }

  private newLocation(state: LinkState, spec: FileSpec, index: number, jwe: string): string {
    const token = randomBytes(24).toString('base64url');
    let status = spec.locationStatus;
    if (spec.locationStaleOnce && !state.staleHandedOut.has(index)) {
      state.staleHandedOut.add(index);
      status = 404;
    }
    this.locations.set(token, {
      jwe,
      expires: Date.now() + 60_000,
      singleUse: spec.locationSingleUse ?? false,
      ...(status !== undefined && { status }),
    });
    return `${this.origin}/file/${token}`;
  }

  private serveLocation(token: string, res: ServerResponse): void {
    const location = this.locations.get(token);
    if (!location || location.expires < Date.now()) {
      send(res, 404, { error: 'not found' });
      return;
    }
    if (location.status !== undefined) {
      send(res, location.status, { error: 'unavailable' });
      return;
    }
    if (location.singleUse) {
      this.locations.delete(token);
    }
    res.writeHead(200, { 'content-type': 'application/jose' }).end(location.jwe);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Flips one character in the middle of the ciphertext segment. */
function tamper(jwe: string): string {
  const parts = jwe.split('.');
  const ciphertext = parts[3] ?? '';
  const i = Math.floor(ciphertext.length / 2);
  parts[3] = ciphertext.slice(0, i) + (ciphertext[i] === 'A' ? 'B' : 'A') + ciphertext.slice(i + 1);
  return parts.join('.');
}
