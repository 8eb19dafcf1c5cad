/**
 * The one leak check of every bot-level test: no link, manifest URL, key, passcode, sealed input
 * or token may show up in what the bot answers, logs or writes to the FHIR server.
 *
 * It needs no test to remember it. What is watched is registered where it is made: the local
 * sender's links (their `shlink:/` text, payload, manifest URL and key, the passcode, and every
 * `access_token` in a file), `sealForBot` (the sealed text and what it seals), and the bot
 * harnesses, which open any sealed input they pass on with the bot's own key. What is checked is
 * recorded where it happens: the harnesses (`bot.ts`, `vmcontext.ts`) record every answer and,
 * while a bot runs, every resource written to their in-memory server; the setup file
 * (`leak-check-setup.ts`) records every console line and checks after every test of every file.
 * The watched list lives as long as the test file: a secret from one test must not show up in
 * the next either.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { compactDecrypt, importJWK } from 'jose';
import { AsyncLocalStorage } from 'node:async_hooks';
import { decodeShlinkPayload } from '../../local/shl-sender';

export type SecretKind =
  'link' | 'link payload' | 'manifest URL' | 'key' | 'passcode' | 'sealed input' | 'health card QR code' | 'token';

export interface Leak {
  kind: SecretKind;
  /** Where it showed up: `answer`, `log` or `stored <Type>`. */
  where: string;
  /** The secret's first characters and length, to tell which it was. */
  hint: string;
}

/** The shortest text watched: a shorter one would match ordinary words. */
export const MIN_WATCHED_LENGTH = 4;

const watched = new Map<string, SecretKind>();
/** What was recorded; `before` is what a stored resource held before the bot's write. */
const seen: { where: string; text: string; before?: string }[] = [];
const trackedRepos = new WeakSet<object>();
const insideWrite = new AsyncLocalStorage<boolean>();
let botRunsInFlight = 0;

/** Watches `value` (ignored when missing or too short to tell from ordinary text). */
export function watch(kind: SecretKind, value: unknown): void {
  if (typeof value === 'string' && value.length >= MIN_WATCHED_LENGTH && !watched.has(value)) {
    watched.set(value, kind);
  }
}

/** Watches a link and what it carries: the `shlink:/` text, its payload, manifest URL and key. */
export function watchLink(shl: string): void {
  const start = shl.indexOf('shlink:/');
  if (start < 0) {
    return;
  }
  const bare = shl.slice(start).trim();
  watch('link', bare);
  watch('link payload', bare.slice('shlink:/'.length));
  let payload: Record<string, unknown>;
  try {
    payload = decodeShlinkPayload(bare);
  } catch {
    // Not a decodable link (a test of malformed input): the text itself is watched.
    return;
  }
  watch('manifest URL', payload.url);
  watch('key', payload.key);
}

/** Watches every `access_token` value in a file's content (SMART API access files). */
export function watchTokens(content: string | Uint8Array): void {
  const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
  for (const match of text.matchAll(/"access_token"\s*:\s*"([^"]+)"/g)) {
    watch('token', match[1]);
  }
}

/** Watches a sealed input and what it seals: the link and passcode. */
export function watchSealedPlaintext(
  sealed: string,
  plaintext: { shl?: unknown; passcode?: unknown; shc?: unknown }
): void {
  watch('sealed input', sealed);
  if (typeof plaintext.shl === 'string') {
    watchLink(plaintext.shl);
  }
  watch('passcode', plaintext.passcode);
  // A bare health card's QR codes are its signed content.
  for (const code of Array.isArray(plaintext.shc) ? plaintext.shc : []) {
    watch('health card QR code', code);
  }
}

/**
 * Opens every sealed input in a bot's input (`sealed`, `follow.sealed`) with the bot's
 * `SHL_IMPORT_KEY` and watches it: the check then covers inputs sealed anywhere, even by hand.
 * Input sealed to another key (a test of that refusal) is watched as text only.
 */
export async function watchBotInput(input: unknown, importKeySecret: string | undefined): Promise<void> {
  const record = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const follow = (record.follow ?? {}) as Record<string, unknown>;
  for (const sealed of [record.sealed, follow.sealed]) {
    if (typeof sealed !== 'string') {
      continue;
    }
    if (sealed.split('.').length === 5) {
      watch('sealed input', sealed);
    }
    const plaintext = await openSealed(sealed, importKeySecret);
    if (plaintext) {
      watchSealedPlaintext(sealed, plaintext);
    }
  }
  for (const clear of [record.shl, record.passcode]) {
    // Sent in the clear (a test that the bot refuses it): watched all the same.
    if (typeof clear === 'string') {
      watchLink(clear);
      watch('passcode', clear);
    }
  }
}

async function openSealed(
  sealed: string,
  importKeySecret: string | undefined
): Promise<{ shl?: unknown; passcode?: unknown } | undefined> {
  try {
    const jwk = JSON.parse(importKeySecret ?? '') as Record<string, string>;
    const key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }, 'ECDH-ES');
    const { plaintext } = await compactDecrypt(sealed, key);
    return JSON.parse(new TextDecoder().decode(plaintext)) as { shl?: unknown; passcode?: unknown };
  } catch {
    return undefined;
  }
}

/** Records what the bot answered. */
export function recordAnswer(output: unknown): void {
  seen.push({ where: 'answer', text: JSON.stringify({ output }) });
}

/** Records a console line or a line the bot's sandbox logged. */
export function recordLog(line: string): void {
  seen.push({ where: 'log', text: line });
}

/**
 * Records a resource written while a bot ran. `before` is the version it replaced: what was
 * already there (a Task someone else wrote, which the bot marks failed) is not the bot's leak.
 */
export function recordStored(resource: Resource, before?: Resource): void {
  seen.push({
    where: `stored ${resource.resourceType}`,
    text: JSON.stringify(resource),
    ...(before && { before: JSON.stringify(before) }),
  });
}

/** Runs one bot run: what the in-memory servers store meanwhile is the bot's. */
export async function duringBotRun<T>(run: () => Promise<T>): Promise<T> {
  botRunsInFlight++;
  try {
    return await run();
  } finally {
    botRunsInFlight--;
  }
}

/**
 * Records every resource the bot writes to this in-memory server (creates, updates, patches,
 * whether through the client, a Bundle or HTTP), each version as written. The mock seeds its
 * own resources on its first request: that is made here, before anything is recorded.
 */
export async function trackStoredResources(medplum: MockClient): Promise<void> {
  const repo = medplum.repo as unknown as Record<string, (...args: unknown[]) => Promise<Resource>>;
  if (trackedRepos.has(repo)) {
    return;
  }
  trackedRepos.add(repo);
  await medplum.searchOne('Patient');
  for (const method of ['createResource', 'updateResource', 'patchResource'] as const) {
    const original = repo[method]?.bind(repo);
    if (!original) {
      throw new Error(`MemoryRepository has no ${method}: the leak check cannot see what the bot stores`);
    }
    repo[method] = async (...args: unknown[]): Promise<Resource> => {
      // An update is a create inside the repository: only the outermost write is recorded.
      const outermost = !insideWrite.getStore() && botRunsInFlight > 0;
      const before = outermost && method !== 'createResource' ? await previous(repo, args) : undefined;
      const written = await insideWrite.run(true, () => original(...args));
      if (outermost) {
        recordStored(written, before);
      }
      return written;
    };
  }
}

/** The stored version an update or patch (`args`: the resource, or type and id) replaces. */
async function previous(
  repo: Record<string, (...args: unknown[]) => Promise<Resource>>,
  args: unknown[]
): Promise<Resource | undefined> {
  const [first, second] = args;
  const [type, id] =
    typeof first === 'string' ? [first, second] : [(first as Resource).resourceType, (first as Resource).id];
  try {
    return await (repo.readResource as (type: unknown, id: unknown) => Promise<Resource>)(type, id);
  } catch {
    return undefined;
  }
}

/** Every watched secret in what was recorded since the last `takeLeaks`, once per kind and place. */
export function findLeaks(): Leak[] {
  const leaks = new Map<string, Leak>();
  for (const { where, text, before } of seen) {
    for (const [secret, kind] of watched) {
      if (text.includes(secret) && !before?.includes(secret)) {
        leaks.set(`${kind}|${where}`, { kind, where, hint: `${secret.slice(0, 3)}…, ${secret.length} characters` });
      }
    }
  }
  return [...leaks.values()];
}

/** The leaks since the last call, and a fresh record for the next test (the watched list stays). */
export function takeLeaks(): Leak[] {
  const leaks = findLeaks();
  seen.length = 0;
  return leaks;
}

/** What the check has seen and watches, for its own tests. */
export function leakCheckState(): { watched: ReadonlyMap<string, SecretKind>; recorded: number } {
  return { watched, recorded: seen.length };
}
