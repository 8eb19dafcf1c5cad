/**
 * The built bot (`dist/bots/shl-import.js`) inside a sandbox with only the globals Medplum's
 * vmcontext runtime gives (no crypto, Buffer, setTimeout, AbortController, atob), resolving a
 * real link from a real sender.
 */
import type { ProjectSetting } from '@medplum/fhirtypes';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BotOutput, PublicKeyOutput } from '../bots/contract';
import { ok } from './support/bot';
import { generateSealingSecret, sealForBot } from './support/seal';
import { ShlSender } from '../local/shl-sender';
import { runInVmContext } from './support/vmcontext';

let code: string;
let sender: ShlSender;
let secrets: Record<string, ProjectSetting>;

beforeAll(async () => {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'pipe' });
  code = readFileSync('dist/bots/shl-import.js', 'utf8');
  sender = await ShlSender.start();
  secrets = {
    SHL_IMPORT_KEY: { name: 'SHL_IMPORT_KEY', valueString: await generateSealingSecret() },
    SHL_ALLOW_HOSTS: { name: 'SHL_ALLOW_HOSTS', valueString: sender.host },
  };
}, 60_000);

afterAll(async () => {
  await sender.close();
});

describe('built bot in vmcontext', () => {
  test('is one CommonJS file with only runtime-provided packages left external', () => {
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    // @medplum/core and @medplum/ccda are what every Medplum bot runtime provides.
    const provided = new Set(['@medplum/ccda', '@medplum/core']);
    expect(required.filter((name) => !name?.startsWith('node:') && !provided.has(name ?? ''))).toEqual([]);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(code.trimEnd().endsWith('Object.assign(exports, module.exports);')).toBe(true);
  });

  test('answers public-key and resolves a zip, location-served link with a passcode', async () => {
    const logs: string[] = [];
    const { jwk } = (await runInVmContext(
      code,
      { input: { operation: 'public-key' }, secrets },
      logs
    )) as PublicKeyOutput;
    expect(jwk.kty).toBe('EC');
    const content = JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'urn:uuid:7f0b2a8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b', resource: { resourceType: 'Patient', id: 'p' } },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'Weight' },
            subject: { reference: 'urn:uuid:7f0b2a8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b' },
          },
        },
      ],
    });
    const link = await sender.createLink({
      files: [{ content, contentType: 'application/fhir+json', zip: true, delivery: 'location' }],
      flag: 'P',
      passcode: 'vm-passcode-1',
    });
    const sealed = await sealForBot(jwk, { shl: link.shl, passcode: 'vm-passcode-1' });
    const output = (await runInVmContext(
      code,
      { input: { operation: 'resolve', sealed, recipient: 'VM clinic' }, secrets },
      logs
    )) as BotOutput;
    const result = ok(output);
    expect(result.resources.map((r) => r.resourceType)).toEqual(['Patient', 'Observation']);
    expect(result.resources[1]).toMatchObject({ subject: { reference: 'Patient/p' } });
    const text = JSON.stringify(output) + logs.join('\n');
    for (const secret of [link.key, 'vm-passcode-1', link.shl]) {
      expect(text).not.toContain(secret);
    }
  });

  test('a tampered file is decrypt-failed inside the sandbox too: the error body, and its code the only logged line', async () => {
    const { jwk } = (await runInVmContext(code, { input: { operation: 'public-key' }, secrets })) as PublicKeyOutput;
    const link = await sender.createLink({
      files: [{ content: '{"resourceType":"Patient"}', contentType: 'application/fhir+json', tamper: true }],
    });
    const sealed = await sealForBot(jwk, { shl: link.shl });
    const logs: string[] = [];
    const output = (await runInVmContext(
      code,
      { input: { operation: 'resolve', sealed, recipient: 'x' }, secrets },
      logs
    )) as { error?: { code: string; message: string } };
    expect(output.error?.code).toBe('decrypt-failed');
    expect(output.error?.message).toMatch(/\w/);
    // What Medplum keeps in the run's AuditEvent (auditEventTrigger on-output): one PHI-free line.
    expect(logs).toEqual(['import bot: resolve failed: decrypt-failed']);
  });
});
