/**
 * The built bot (`dist/bots/shl-import.js`) inside a sandbox with only the globals Medplum's
 * vmcontext runtime gives (no crypto, Buffer, setTimeout, AbortController, atob), resolving
 * real links from a real sender against the local FHIR API over HTTP: resolve with matching,
 * import, check-in and poll, each answering what the same run outside the sandbox answers.
 */
import type { Patient, ProjectSetting, Task } from '@medplum/fhirtypes';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  BotOutput,
  CheckInOutput,
  ImportOutput,
  PollReport,
  PublicKeyOutput,
  ResolveOutput,
} from '../bots/contract';
import { FOLLOW_TASK_CODE, REVIEW_TASK_CODE } from '../bots/import/tasks';
import { ok } from './support/bot';
import { generateSealingSecret, sealForBot } from './support/seal';
import { ShlSender } from '../local/shl-sender';
import type { FhirApi, VmBotEvent } from './support/vmcontext';
import { runInNode, runInVmContext, serveFhirApi } from './support/vmcontext';

const BUILT = 'dist/bots/shl-import.js';

let code: string;
let sender: ShlSender;
let secrets: Record<string, ProjectSetting>;

beforeAll(async () => {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'pipe' });
  code = readFileSync(BUILT, 'utf8');
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

/** One way of running the bot: inside the sandbox, or the same built file outside it. */
type Runner = (event: VmBotEvent, logs: string[]) => Promise<unknown>;

interface ScenarioRun {
  /** Every warning any answer carried, in order. */
  warnings: string[];
  logs: string[];
  /** What each step answered, in the terms both runs must agree on. */
  steps: Record<string, unknown>;
}

const conditionBundle = (...conditions: string[]): string =>
  JSON.stringify({
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      {
        resource: {
          resourceType: 'Patient',
          id: 'in',
          name: [{ given: ['Robert'], family: 'Nunez' }],
          birthDate: '1980-04-12',
          telecom: [{ system: 'phone', value: '617-555-0142' }],
        },
      },
      ...conditions.map((text, i) => ({
        resource: { resourceType: 'Condition', id: `c${i}`, subject: { reference: 'Patient/in' }, code: { text } },
      })),
    ],
  });

/** Resolve with matching, a staged import that starts following, a kiosk check-in and a poll. */
async function scenario(run: Runner): Promise<ScenarioRun> {
  const api: FhirApi = await serveFhirApi();
  const logs: string[] = [];
  const warnings: string[] = [];
  const call = async <T>(input: Record<string, unknown>): Promise<T> => {
    const output = (await run({ input, secrets, baseUrl: api.baseUrl }, logs)) as BotOutput;
    if ('error' in output) {
      throw new Error(`${String(input.operation)}: ${output.error.code}: ${output.error.message}`);
    }
    warnings.push(...((output as { warnings?: string[] }).warnings ?? []));
    return output as T;
  };
  try {
    const onFile = await api.medplum.createResource<Patient>({
      resourceType: 'Patient',
      name: [{ given: ['Robert'], family: 'Nunez' }],
      birthDate: '1980-04-12',
      telecom: [{ system: 'phone', value: '617-555-0142' }],
    });
    const { jwk } = await call<PublicKeyOutput>({ operation: 'public-key' });
    const link = await sender.createLink({
      files: [{ content: conditionBundle('Asthma'), contentType: 'application/fhir+json' }],
      flag: 'L',
      label: 'Visit summary',
    });
    const sealed = await sealForBot(jwk, { shl: link.shl });
    const resolved = await call<ResolveOutput>({ operation: 'resolve', sealed });
    const patient = `Patient/${onFile.id}`;
    const imported = await call<ImportOutput>({
      operation: 'import',
      staged: resolved.staged,
      select: resolved.resources
        .filter((r) => r.resourceType !== 'Patient')
        .map((r) => `${r.resourceType}/${r.id ?? ''}`),
      patient: { reference: patient },
      follow: { sealed, auto: false },
    });
    const kiosk = await sender.createLink({
      files: [{ content: conditionBundle('Gout'), contentType: 'application/fhir+json' }],
    });
    const checkIn = await call<CheckInOutput>({
      operation: 'check-in',
      sealed: await sealForBot(jwk, { shl: kiosk.shl }),
    });
    // The followed link changes and is due: the poll queues a review.
    sender.setFiles(link.id, [
      { content: conditionBundle('Asthma', 'Diabetes'), contentType: 'application/fhir+json' },
    ]);
    const follow = (await api.medplum.searchOne('Task', {
      code: `${FOLLOW_TASK_CODE.system}|${FOLLOW_TASK_CODE.code}`,
    })) as Task;
    await api.medplum.updateResource<Task>({
      ...follow,
      extension: follow.extension?.map((e) => (e.valueDateTime ? { ...e, valueDateTime: '2000-01-01T00:00:00Z' } : e)),
    });
    const poll = await call<PollReport>({ operation: 'poll' });
    const reviews = await api.medplum.searchResources('Task', {
      code: `${REVIEW_TASK_CODE.system}|${REVIEW_TASK_CODE.code}`,
      status: 'requested',
    });
    return {
      warnings,
      logs,
      steps: {
        matches: resolved.matches.map((m) => [m.grade, `Patient/${m.patient.id ?? ''}` === patient]),
        staged: typeof resolved.staged === 'string',
        resources: resolved.resources.length,
        imported: [imported.patient.reference === patient, imported.created.length, typeof imported.following],
        checkIn: checkIn.status,
        poll,
        reviews: reviews.map((r) => r.description?.replace(/\(http[^)]*\)/, '(sender)')).sort(),
        conditions: (await api.medplum.searchResources('Condition', { subject: patient })).map((c) => c.code?.text),
      },
    };
  } finally {
    await api.close();
  }
}

describe('built bot in vmcontext against the local FHIR API over HTTP', () => {
  test('resolve with matching, import, check-in and poll answer as outside the sandbox, with no extra warning or log', async () => {
    const inside = await scenario((event, logs) => runInVmContext(code, event, logs));
    const outside = await scenario((event, logs) => runInNode(BUILT, event, logs));
    expect(inside.steps).toEqual({
      matches: [['certain', true]],
      staged: true,
      resources: 2,
      imported: [true, 1, 'string'],
      checkIn: 'queued',
      poll: { polled: 1, imported: 0, queued: 1, stopped: 0, deferred: 0 },
      reviews: [
        'Changes in Visit summary (sender): 1 new or changed item, 0 items no longer shared.',
        'Check-in: a SMART Health Link (sender). One certain match: confirm it.',
      ],
      conditions: ['Asthma'],
    });
    expect(outside.steps).toEqual(inside.steps);
    expect(inside.warnings).toEqual(outside.warnings);
    expect(inside.logs).toEqual(outside.logs);
  });
});
