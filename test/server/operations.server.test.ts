/**
 * Every operation of the deployed bot through `Bot/{id}/$execute` on the real server, as the
 * project admin client, with links served by a real SHL sender and results checked with FHIR
 * searches: public-key, resolve (matching a Patient created here), import of a 20-resource
 * IPS-like link into an existing and into a new patient, re-import, check-in, following with
 * Check now, convert-ccda with the server's own @medplum/ccda, and every contract error code the
 * server can produce end to end (the pages' client included).
 */
import type { DocumentReference, Patient, Provenance, Resource, Task } from '@medplum/fhirtypes';
import { exportJWK, generateKeyPair } from 'jose';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BotError, resolveLink } from '../../app/bot-client';
import { encodeShlink } from '../../local/shl-sender';
import { sealForBot } from '../../app/sealing';
import type {
  CheckInOutput,
  ConvertedDocument,
  ErrorOutput,
  ImportOutput,
  PollReport,
  ResolveOutput,
} from '../../bots/contract';
import { CONVERTED_FROM_CCDA, LINK_ID_SYSTEM } from '../../bots/fhir/systems';
import { FOLLOW_TASK_CODE, REVIEW_TASK_CODE, TASK_INPUT, taskInput } from '../../bots/import/tasks';
import type { SuiteContext } from './support/context';
import { suiteContext } from './support/context';
import type { Person } from './support/ips-like';
import { IPS_LIKE_TYPES, ipsLikeBundle, newPerson, patientOf } from './support/ips-like';
import { errorOf, projectSecrets, runBot, runOk, setProjectSecret } from './support/server';

const FHIR = 'application/fhir+json';

let ctx: SuiteContext;

beforeAll(async () => {
  ctx = await suiteContext();
});

afterAll(async () => {
  await ctx.close();
});

/** A link on the sender to IPS-like content of `count` resources about `person`. */
async function ipsLink(
  person: Person,
  count = 20,
  extra: { flag?: string } = {}
): Promise<{ shl: string; id: string }> {
  return ctx.sender.createLink({
    files: [
      { content: JSON.stringify(ipsLikeBundle(person, count)), contentType: FHIR, zip: true, delivery: 'location' },
    ],
    label: 'IPS-like summary',
    ...extra,
  });
}

async function resolve(link: { shl: string; passcode?: string }): Promise<ResolveOutput> {
  return runOk<ResolveOutput>(ctx.admin, ctx.botId, { operation: 'resolve', sealed: await ctx.seal(link) });
}

async function resolveError(link: { shl: string; passcode?: string }): Promise<ErrorOutput['error'] | undefined> {
  return errorOf(await runBot(ctx.admin, ctx.botId, { operation: 'resolve', sealed: await ctx.seal(link) }));
}

/** Every clinical resource the server holds for the patient, as `Type/id`. */
async function chartOf(patient: string): Promise<string[]> {
  const found: string[] = [];
  for (const type of IPS_LIKE_TYPES.filter((t) => t !== 'Patient')) {
    const resources = await ctx.admin.searchResources(type as 'Condition', { patient, _count: '1000' });
    found.push(...resources.map((r) => `${r.resourceType}/${r.id}`));
  }
  return found.sort();
}

const nonPatient = (created: string[]): string[] => created.filter((r) => !r.startsWith('Patient/')).sort();

describe('resolve and import a 20-resource IPS-like link', () => {
  let person: Person;
  let existing: Patient;
  let link: { shl: string; id: string };
  let resolved: ResolveOutput;

  beforeAll(async () => {
    person = newPerson();
    const { id: _senderId, ...incoming } = patientOf(person);
    existing = await ctx.admin.createResource<Patient>(incoming);
    link = await ipsLink(person);
  });

  test('resolve: the 20 resources, the incoming patient, and the Patient on this server as the certain match', async () => {
    resolved = await resolve(link);
    expect(resolved.resources).toHaveLength(20);
    expect(resolved.patient?.name?.[0]?.family).toBe(person.family);
    expect(resolved.source).toMatchObject({ label: 'IPS-like summary', origin: ctx.sender.origin });
    expect(resolved.source.linkId).toMatch(/^[0-9a-f]{64}$/);
    expect(resolved.matches[0]).toMatchObject({ grade: 'certain', patient: { id: existing.id } });
    // The sender was asked with a recipient (the project's name unless a secret names one).
    expect(ctx.sender.requests.some((r) => r.path.includes(link.id) && r.body?.recipient)).toBe(true);
  });

  test('import into that patient: 19 resources created, found by FHIR searches, and a Provenance of the link', async () => {
    const patient = `Patient/${existing.id ?? ''}`;
    const output = await runOk<ImportOutput>(ctx.admin, ctx.botId, {
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { reference: patient },
    });
    expect(output.patient.reference).toBe(patient);
    expect(output.created).toHaveLength(19);
    expect(output.existing).toEqual([]);
    expect(await chartOf(patient)).toEqual(nonPatient(output.created));
    const provenance = await ctx.admin.readReference<Provenance>({ reference: output.provenance ?? 'Provenance/none' });
    expect(provenance.target.map((t) => t.reference).sort()).toEqual([...output.created, patient].sort());
    expect(provenance.entity?.[0]?.what.identifier).toEqual({ system: LINK_ID_SYSTEM, value: resolved.source.linkId });
  });

  test('the same link again: nothing new, all 19 reported as existing', async () => {
    const patient = `Patient/${existing.id ?? ''}`;
    const before = await chartOf(patient);
    const again = await resolve(link);
    const output = await runOk<ImportOutput>(ctx.admin, ctx.botId, {
      operation: 'import',
      source: again.source,
      resources: again.resources,
      patient: { reference: patient },
    });
    expect(output.created).toEqual([]);
    expect(output.existing.sort()).toEqual(before);
    expect(output.provenance).toBeUndefined();
    expect(await chartOf(patient)).toEqual(before);
  });

  test('import into a new patient: the Patient made from the link, the 19 resources under it', async () => {
    const someone = newPerson();
    const fresh = await resolve(await ipsLink(someone));
    expect(fresh.matches.filter((m) => m.grade === 'certain')).toEqual([]);
    const { id: _senderId, ...create } = fresh.patient as Patient;
    const output = await runOk<ImportOutput>(ctx.admin, ctx.botId, {
      operation: 'import',
      source: fresh.source,
      resources: fresh.resources,
      patient: { create },
    });
    const patient = output.patient.reference;
    expect(output.created).toContain(patient);
    expect(output.created).toHaveLength(20);
    const created = await ctx.admin.readReference<Patient>({ reference: patient });
    expect(created.name?.[0]).toMatchObject({ family: someone.family, given: [someone.given] });
    expect(await chartOf(patient)).toEqual(nonPatient(output.created));
  });
});

describe('check-in and following', () => {
  test('check-in: queued for staff as a Task only the bot can open; the answer carries no health data', async () => {
    const person = newPerson();
    const sealed = await ctx.seal(await ipsLink(person));
    const output = await runOk<CheckInOutput>(ctx.admin, ctx.botId, { operation: 'check-in', sealed });
    expect(output.status).toBe('queued');
    expect(JSON.stringify(output)).not.toContain(person.family);
    const task = await ctx.admin.readReference<Task>({ reference: output.task ?? 'Task/none' });
    expect(task).toMatchObject({ status: 'requested', code: { coding: [REVIEW_TASK_CODE] } });
    // The link is in the bot's box, not even sealed: a Task reader cannot replay it.
    expect(taskInput(task, TASK_INPUT.link)).toMatch(/^[\w-]{40,}$/);
    expect(JSON.stringify(task)).not.toContain(sealed);
    expect(JSON.stringify(task)).not.toContain(person.family);
    const resolved = await runOk<ResolveOutput>(ctx.admin, ctx.botId, { operation: 'resolve', task: output.task });
    expect(resolved.patient?.name?.[0]?.family).toBe(person.family);
  });

  test('following a long-lived link: a Task keeps it; after the sender adds a result, Check now queues a review', async () => {
    const person = newPerson();
    const link = await ipsLink(person, 5, { flag: 'L' });
    const sealed = await ctx.seal(link);
    const resolved = await runOk<ResolveOutput>(ctx.admin, ctx.botId, { operation: 'resolve', sealed });
    const { id: _senderId, ...create } = resolved.patient as Patient;
    const imported = await runOk<ImportOutput & { following?: string }>(ctx.admin, ctx.botId, {
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { create },
      follow: { sealed, auto: false },
    });
    const follow = await ctx.admin.readReference<Task>({ reference: imported.following ?? 'Task/none' });
    expect(follow).toMatchObject({ status: 'in-progress', code: { coding: [FOLLOW_TASK_CODE] } });
    expect(follow.for?.reference).toBe(imported.patient.reference);

    ctx.sender.setFiles(link.id, [
      { content: JSON.stringify(ipsLikeBundle(person, 6)), contentType: FHIR, zip: true, delivery: 'location' },
    ]);
    const report = await runOk<PollReport>(ctx.admin, ctx.botId, { operation: 'poll', task: imported.following });
    expect(report).toEqual({ polled: 1, imported: 0, queued: 1, stopped: 0, deferred: 0 });
    const [review, ...more] = await ctx.admin.searchResources('Task', { 'based-on': imported.following ?? '' });
    expect(more).toEqual([]);
    expect(review).toMatchObject({ status: 'requested', for: { reference: imported.patient.reference } });
    expect(review?.description).toMatch(/1 new or changed item, 0 items no longer shared/);
  });
});

describe("convert-ccda with the server's own @medplum/ccda", () => {
  const xml = readFileSync('test/fixtures/ccd-jan-dekker.xml', 'utf8');
  const document: DocumentReference = {
    resourceType: 'DocumentReference',
    id: 'ccd',
    status: 'current',
    subject: { reference: 'Patient/p' },
    content: [{ attachment: { contentType: 'application/cda+xml', data: Buffer.from(xml).toString('base64') } }],
  };
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'p',
    name: [{ given: ['Jan'], family: 'Dekker' }],
    birthDate: '1970-01-01',
  };

  test("the document's entries become resources about the link's patient, tagged as converted", async () => {
    const output = await runOk<ConvertedDocument>(ctx.admin, ctx.botId, {
      operation: 'convert-ccda',
      document,
      patient,
    });
    // What the real @medplum/ccda 5.1.10 made of this document, recorded (test/fixtures).
    const recorded = JSON.parse(readFileSync('test/fixtures/ccd-jan-dekker.fhir.json', 'utf8')) as {
      entry: { resource: Resource }[];
    };
    const types = (resources: Resource[]): string[] =>
      resources
        .map((r) => r.resourceType)
        .filter((t) => t !== 'Composition' && t !== 'Patient')
        .sort();
    expect(types(output.resources)).toEqual(types(recorded.entry.map((e) => e.resource)));
    for (const resource of output.resources) {
      expect(resource.meta?.tag).toContainEqual(CONVERTED_FROM_CCDA);
      expect(JSON.stringify(resource)).not.toMatch(/"reference":"Patient\/(?!p")/);
    }
  });
});

describe('contract errors, end to end', () => {
  test('invalid-link, unsupported-version, passcode-required, passcode-invalid (with attempts left)', async () => {
    expect((await resolveError({ shl: 'shlink:/not*base64' }))?.code).toBe('invalid-link');
    const v2 = await ctx.sender.createLink({ files: [{ content: '{}', contentType: FHIR }], v: 2 });
    expect((await resolveError(v2))?.code).toBe('unsupported-version');
    const protectedLink = await ctx.sender.createLink({
      files: [{ content: JSON.stringify(ipsLikeBundle(newPerson(), 3)), contentType: FHIR }],
      flag: 'P',
      passcode: 'right-2468',
    });
    expect((await resolveError(protectedLink))?.code).toBe('passcode-required');
    expect(await resolveError({ shl: protectedLink.shl, passcode: 'wrong' })).toMatchObject({
      code: 'passcode-invalid',
      remainingAttempts: 4,
    });
    expect((await resolve({ shl: protectedLink.shl, passcode: 'right-2468' })).resources).toHaveLength(3);
  });

  test("not-found, rate-limited (with the sender's Retry-After), fetch-failed", async () => {
    const gone = await ctx.sender.createLink({ files: [], response: { status: 404 } });
    expect((await resolveError(gone))?.code).toBe('not-found');
    const busy = await ctx.sender.createLink({
      files: [],
      response: { status: 429, headers: { 'retry-after': '120' } },
    });
    expect(await resolveError(busy)).toMatchObject({ code: 'rate-limited', retryAfter: 120 });
    const broken = await ctx.sender.createLink({ files: [], response: { status: 500 } });
    expect((await resolveError(broken))?.code).toBe('fetch-failed');
    // A loopback address the project does not allow: refused before any request.
    const key = randomBytes(32).toString('base64url');
    expect((await resolveError({ shl: encodeShlink({ url: 'http://127.0.0.1:9/shl/x', key }) }))?.code).toBe(
      'fetch-failed'
    );
  });

  test('decrypt-failed for a tampered file, too-large for a file that inflates past the limit', async () => {
    const tampered = await ctx.sender.createLink({
      files: [{ content: JSON.stringify(ipsLikeBundle(newPerson(), 2)), contentType: FHIR, tamper: true }],
    });
    expect((await resolveError(tampered))?.code).toBe('decrypt-failed');
    // 60 MB of FHIR-looking JSON deflates to well under a megabyte; the bot stops at 50 MB.
    const bomb = await ctx.sender.createLink({
      files: [
        { content: `{"resourceType":"Bundle","x":"${'0'.repeat(60 * 1024 * 1024)}"}`, contentType: FHIR, zip: true },
      ],
    });
    expect((await resolveError(bomb))?.code).toBe('too-large');
  });

  test('sealing-required (in clear, or sealed to another key) and invalid-input', async () => {
    const link = await ipsLink(newPerson(), 2);
    const clear = await runBot(ctx.admin, ctx.botId, { operation: 'resolve', shl: link.shl });
    expect(errorOf(clear)?.code).toBe('sealing-required');
    const { publicKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const other = { ...(await exportJWK(publicKey)), kid: 'another-key', use: 'enc', alg: 'ECDH-ES' };
    const toAnother = await runBot(ctx.admin, ctx.botId, {
      operation: 'resolve',
      sealed: await sealForBot(other, { shl: link.shl }),
    });
    expect(errorOf(toAnother)?.code).toBe('sealing-required');
    expect(errorOf(await runBot(ctx.admin, ctx.botId, { operation: 'nope' }))?.code).toBe('invalid-input');
    const badPatient = await runBot(ctx.admin, ctx.botId, {
      operation: 'import',
      source: { origin: ctx.sender.origin, linkId: '0'.repeat(64) },
      resources: [],
      patient: { reference: 'Practitioner/1' },
    });
    expect(errorOf(badPatient)?.code).toBe('invalid-input');
  });

  test('the pages get the error as the contract says: code, message and attempts left', async () => {
    const link = await ctx.sender.createLink({
      files: [{ content: '{}', contentType: FHIR }],
      flag: 'P',
      passcode: 'p-1',
    });
    const error = await resolveLink(ctx.admin, ctx.botId, { shl: link.shl, passcode: 'nope' }).then(
      () => undefined,
      (err: unknown) => err
    );
    expect(error).toBeInstanceOf(BotError);
    expect((error as BotError).error).toMatchObject({ code: 'passcode-invalid', remainingAttempts: 4 });
    expect((error as BotError).error.message).toMatch(/\w/);
  });

  test('not-configured while SHL_IMPORT_KEY is unusable (restored at once)', async () => {
    const key = (await projectSecrets(ctx.admin, ctx.projectId)).find((s) => s.name === 'SHL_IMPORT_KEY');
    expect(key?.valueString).toBeDefined();
    let output: unknown;
    try {
      await setProjectSecret(ctx.admin, ctx.projectId, 'SHL_IMPORT_KEY', '{"kty":"EC"}');
      output = await runBot(ctx.admin, ctx.botId, { operation: 'public-key' });
    } finally {
      await setProjectSecret(ctx.admin, ctx.projectId, 'SHL_IMPORT_KEY', key?.valueString);
    }
    expect(errorOf(output)?.code).toBe('not-configured');
    expect(await runOk(ctx.admin, ctx.botId, { operation: 'public-key' })).toHaveProperty('jwk');
  });
});
