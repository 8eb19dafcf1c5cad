/**
 * The shared leak check (test/support/leak-check.ts) itself: what it watches without being told,
 * and that it reports a watched secret in an answer, a log line or a resource the bot stores,
 * but not what a test wrote itself.
 */
import type { Task } from '@medplum/fhirtypes';
import { CompactEncrypt, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createFhirServer } from '../local/fhir-server';
import { ShlSender } from '../local/shl-sender';
import { createBotHarness } from './support/bot';
import {
  duringBotRun,
  leakCheckState,
  recordAnswer,
  takeLeaks,
  trackStoredResources,
  watchLink,
} from './support/leak-check';

let sender: ShlSender;

beforeAll(async () => {
  sender = await ShlSender.start();
});

afterAll(async () => {
  await sender.close();
});

const watched = (): Map<string, string> => new Map(leakCheckState().watched);

describe('what the leak check watches', () => {
  test("a sender's link: its text, payload, manifest URL, key, passcode and the tokens in its files", async () => {
    const token = 'api-token-5f1d0c';
    const link = await sender.createLink({
      files: [
        { content: JSON.stringify({ access_token: token, aud: 'x' }), contentType: 'application/smart-api-access' },
      ],
      flag: 'P',
      passcode: 'passcode-93b1',
    });
    const list = watched();
    expect(list.get(link.shl)).toBe('link');
    expect(list.get(link.url)).toBe('manifest URL');
    expect(list.get(link.key)).toBe('key');
    expect(list.get('passcode-93b1')).toBe('passcode');
    expect(list.get(token)).toBe('token');
  });

  test('input sealed by hand is opened with the bot key and watched, passcode and all', async () => {
    const bot = await createBotHarness();
    const jwk = await bot.publicKey();
    const shl = `shlink:/${Buffer.from(JSON.stringify({ url: 'http://127.0.0.1:1/m/3c5e9a', key: 'k'.repeat(43) })).toString('base64url')}`;
    const sealed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ shl, passcode: 'by-hand-77c2' })))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' })
      .encrypt(await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'ECDH-ES'));
    // Plain http to a host not allow-listed: refused before any request.
    expect(await bot.run({ operation: 'resolve', sealed })).toMatchObject({ error: { code: 'fetch-failed' } });
    const list = watched();
    expect(list.get(sealed)).toBe('sealed input');
    expect(list.get(shl)).toBe('link');
    expect(list.get('http://127.0.0.1:1/m/3c5e9a')).toBe('manifest URL');
    expect(list.get('k'.repeat(43))).toBe('key');
    expect(list.get('by-hand-77c2')).toBe('passcode');
    expect(takeLeaks()).toEqual([]);
  });
});

describe('what the leak check reports', () => {
  const url = 'https://sender.example/manifest/8d0a41f6';
  beforeAll(() => {
    watchLink(`shlink:/${Buffer.from(JSON.stringify({ url, key: 'q'.repeat(43) })).toString('base64url')}`);
  });

  test('a watched secret in an answer or a log line', () => {
    recordAnswer({ error: { code: 'fetch-failed', message: `Could not reach ${url}` } });
    console.log('fetching %s', 'q'.repeat(43));
    expect(takeLeaks()).toEqual([
      { kind: 'manifest URL', where: 'answer', hint: 'htt…, 40 characters' },
      { kind: 'key', where: 'log', hint: 'qqq…, 43 characters' },
    ]);
    expect(takeLeaks()).toEqual([]);
  });

  test('what the bot stores, but not what the test wrote, nor what a bot update kept', async () => {
    const medplum = createFhirServer();
    await trackStoredResources(medplum);
    const task: Task = { resourceType: 'Task', status: 'requested', intent: 'order', description: url };
    const byTest = await medplum.createResource(task);
    await duringBotRun(() => medplum.updateResource({ ...byTest, status: 'failed' }));
    expect(takeLeaks()).toEqual([]);
    await duringBotRun(() => medplum.createResource(task));
    expect(takeLeaks()).toEqual([{ kind: 'manifest URL', where: 'stored Task', hint: 'htt…, 40 characters' }]);
    const clean = await medplum.createResource({ ...task, description: 'nothing' });
    await duringBotRun(() => medplum.updateResource({ ...clean, description: url }));
    expect(takeLeaks()).toEqual([{ kind: 'manifest URL', where: 'stored Task', hint: 'htt…, 40 characters' }]);
  });
});
