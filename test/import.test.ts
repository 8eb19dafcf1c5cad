/**
 * The `import` operation against Medplum's in-memory FHIR server (full definitions indexed),
 * from links resolved by the bot: new and existing patients, references, allowed types,
 * attachments, deduplication, provenance and bad input.
 */
import type {
  Binary,
  Bundle,
  DiagnosticReport,
  DocumentReference,
  Observation,
  Patient,
  Provenance,
  Resource,
} from '@medplum/fhirtypes';
import { forbidden } from '@medplum/core';
import { describe, expect, test, vi } from 'vitest';
import { ENDPOINT_PATIENT_EXTENSION, PATIENT_SHARED_TAG } from '../bots/fhir/systems';
import { errorCode, ok } from './support/bot';
import { readFixture } from './support/fixtures';
import { aboutP, checkReferentialIntegrity, resolveBundle, runImport, setup, useSender } from './support/imports';
import { decodeShlinkPayload } from '../local/shl-sender';

const sender = useSender();

const asthma: Resource = {
  resourceType: 'Condition',
  id: 'c',
  subject: { reference: 'Patient/p' },
  code: { text: 'Asthma' },
};
const finding: Resource = {
  resourceType: 'Observation',
  id: 'o',
  status: 'final',
  code: { text: 'x' },
  subject: { reference: 'Patient/p' },
};

describe('import', () => {
  test('IPS fixture end to end into a new patient: every reference intact on the server', async () => {
    const { medplum, bot } = await setup(sender());
    const link = sender().serveDirectFile(
      readFixture('ips-example/enc.txt'),
      decodeShlinkPayload(readFixture('ips-example/shl.txt'))
    );
    const resolved = ok(await bot.resolve(link.shl));
    expect(resolved.matches).toEqual([]);
    const result = await runImport(bot, resolved, { create: resolved.patient });
    expect(result.created).toHaveLength(20);
    expect(result.existing).toEqual([]);
    expect(result.patient.reference).toMatch(/^Patient\//);
    expect(result.created).toContain(result.patient.reference);
    expect(await checkReferentialIntegrity(medplum, result.created)).toBeGreaterThanOrEqual(30);
    const conditions = await medplum.searchResources('Condition', { patient: result.patient.reference });
    expect(conditions).toHaveLength(2);
    expect(conditions[0]?.meta?.tag).toContainEqual(expect.objectContaining(PATIENT_SHARED_TAG));
    // Incoming ids never become server ids.
    const incomingIds = new Set(resolved.resources.map((r) => r.id));
    expect(result.created.filter((ref) => incomingIds.has(ref.split('/')[1]))).toEqual([]);

    const provenance = await medplum.readReference<Provenance>({ reference: result.provenance ?? '' });
    expect(provenance.target.map((t) => t.reference).sort()).toEqual([...result.created].sort());
    expect(provenance.entity?.[0]?.what.identifier?.value).toBe(resolved.source.linkId);
    expect(provenance.agent.map((a) => a.who.reference ?? a.who.display)).toEqual([
      'Practitioner/front-desk-1',
      `Demo SHL for IPS_IG-bundle-01 (${sender().origin})`,
    ]);
    expect(JSON.stringify(provenance)).not.toContain(link.key);

    // The same link again creates nothing new.
    const again = await runImport(bot, resolved, { reference: result.patient.reference });
    expect(again.created).toEqual([]);
    expect(again.existing).toHaveLength(19);
    expect(again.provenance).toBeUndefined();
  });

  test('what an import writes goes in transaction Bundles, all or nothing; only reads are batches', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, aboutP(asthma, finding));
    // Records what the bot sends; the in-memory server answers as it would anyway.
    const sent = vi.spyOn(medplum, 'executeBatch');
    const result = await runImport(bot, resolved, { create: resolved.patient });
    expect(result.created).toHaveLength(3);
    const bundles: Bundle[] = sent.mock.calls.map(([bundle]) => bundle);
    const writes = bundles.filter((b) => b.entry?.some((e) => e.request?.method !== 'GET'));
    expect(writes.map((b) => b.type)).toEqual(writes.map(() => 'transaction'));
    expect(writes.flatMap((b) => b.entry?.map((e) => e.resource?.resourceType) ?? []).sort()).toEqual([
      'Condition',
      'Observation',
      'Patient',
      'Provenance',
    ]);
    expect(
      bundles.filter((b) => b.type !== 'transaction').every((b) => b.entry?.every((e) => e.request?.method === 'GET'))
    ).toBe(true);
    sent.mockRestore();
  });

  test('an existing patient found by the matcher; overlapping content from another link is not duplicated', async () => {
    const { medplum, bot } = await setup(sender());
    const stored = await medplum.createResource<Patient>({
      resourceType: 'Patient',
      name: [{ family: 'Argonaut', given: ['Jessica'] }],
      birthDate: '1985-03-15',
      telecom: [{ system: 'phone', value: '(555) 234-5678' }],
    });
    const glucose = (id: string, when: string): Observation => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
      subject: { reference: 'Patient/incoming' },
      effectiveDateTime: when,
      valueQuantity: { value: 99, unit: 'mg/dL' },
    });
    const incoming: Patient = {
      resourceType: 'Patient',
      id: 'incoming',
      name: [{ family: 'Argonaut', given: ['Jessica'] }],
      birthDate: '1985-03-15',
      telecom: [{ system: 'phone', value: '555.234.5678' }],
    };
    const first = await resolveBundle(sender(), bot, {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [incoming, glucose('g1', '2026-01-01T08:00:00Z'), glucose('g2', '2026-01-01T08:05:00Z')].map(
        (resource) => ({ resource })
      ),
    });
    expect(first.matches[0]).toMatchObject({ grade: 'certain', patient: { id: stored.id } });
    const one = await runImport(bot, first, { reference: `Patient/${stored.id}` });
    expect(one.created).toHaveLength(2);
    expect(one.created).not.toContain(`Patient/${stored.id}`);

    const second = await resolveBundle(sender(), bot, {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [incoming, glucose('x1', '2026-01-01T08:05:00Z'), glucose('x2', '2026-01-01T08:10:00Z')].map(
        (resource) => ({ resource })
      ),
    });
    const two = await runImport(bot, second, { reference: `Patient/${stored.id}` });
    expect(two.created).toHaveLength(1);
    expect(two.existing).toHaveLength(1);
    expect(await medplum.searchResources('Observation', { patient: `Patient/${stored.id}` })).toHaveLength(3);
  });

  test('CARIN card: the beneficiary is the patient; the subscriber is not created and keeps only a display', async () => {
    const { medplum, bot } = await setup(sender());
    const link = sender().serveDirectFile(
      readFixture('shc-carin-example/jws.txt'),
      decodeShlinkPayload(readFixture('shc-carin-example/shl.txt'))
    );
    const resolved = ok(await bot.resolve(link.shl));
    expect(resolved.patient?.name?.[0]?.given?.[0]).toBe('Jane');
    const result = await runImport(bot, resolved, { create: resolved.patient });
    expect(result.skipped.map((s) => s.resourceType)).toEqual(['Patient']);
    expect(result.skipped[0]?.reason).toMatch(/Another person/);
    const coverage = (await medplum.searchResources('Coverage', {}))[0];
    expect(coverage?.beneficiary.reference).toBe(result.patient.reference);
    expect(coverage?.subscriber).toEqual({ display: 'John Doe' });
    expect(coverage?.payor[0]?.reference).toMatch(/^Organization\//);
    expect(result.warnings.join(' ')).toMatch(/another person in the link/);
  });

  test('a deselected resource that others reference: the link becomes display text, with a warning', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: { resourceType: 'Patient', id: 'p', name: [{ family: 'Doe', given: ['Jan'] }] } },
        {
          resource: {
            resourceType: 'Observation',
            id: 'hb',
            status: 'final',
            code: { text: 'Hemoglobin' },
            subject: { reference: 'Patient/p' },
          },
        },
        {
          resource: {
            resourceType: 'DiagnosticReport',
            id: 'cbc',
            status: 'final',
            code: { text: 'CBC' },
            subject: { reference: 'Patient/p' },
            result: [{ reference: 'Observation/hb', display: 'Hemoglobin 13.5' }],
          },
        },
      ],
    });
    const reviewed = resolved.resources.filter((r) => r.resourceType !== 'Observation');
    const result = await runImport(bot, resolved, { create: resolved.patient }, reviewed);
    const report = (await medplum.searchResources('DiagnosticReport', {}))[0] as DiagnosticReport;
    expect(report.result).toEqual([{ display: 'Hemoglobin 13.5' }]);
    expect(report.subject?.reference).toBe(result.patient.reference);
    expect(result.warnings.join(' ')).toMatch(/not imported \(Observation\)/);
    expect(await medplum.searchResources('Observation', {})).toHaveLength(0);
  });

  test('injected Bot, AccessPolicy, Subscription and ProjectMembership are skipped with a reason', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: { resourceType: 'Patient', id: 'p', name: [{ family: 'Doe' }] } },
        { resource: { resourceType: 'Bot', id: 'evil', name: 'evil' } },
        {
          resource: { resourceType: 'AccessPolicy', id: 'open', name: 'everything', resource: [{ resourceType: '*' }] },
        },
        {
          resource: {
            resourceType: 'Subscription',
            id: 's',
            status: 'active',
            reason: 'x',
            criteria: 'Patient',
            channel: { type: 'rest-hook', endpoint: 'https://attacker.example' },
          },
        },
        {
          resource: {
            resourceType: 'ProjectMembership',
            id: 'm',
            project: { reference: 'Project/1' },
            user: { reference: 'User/1' },
            profile: { reference: 'Practitioner/1' },
          },
        },
        {
          resource: {
            resourceType: 'Condition',
            id: 'c',
            subject: { reference: 'Patient/p' },
            code: { text: 'Asthma' },
          },
        },
      ],
    });
    const result = await runImport(bot, resolved, { create: resolved.patient });
    expect(result.skipped.map((s) => s.resourceType).sort()).toEqual([
      'AccessPolicy',
      'Bot',
      'ProjectMembership',
      'Subscription',
    ]);
    expect(result.skipped[0]?.reason).toMatch(/not patient data/);
    expect(result.created.map((r) => r.split('/')[0]).sort()).toEqual(['Condition', 'Patient']);
    expect(await medplum.searchResources('Subscription', {})).toHaveLength(0);
  });

  test('an Endpoint offered by the link is imported tied to the patient, and never followed', async () => {
    const { medplum, bot } = await setup(sender());
    const endpoint: Resource = {
      resourceType: 'Endpoint',
      id: 'e',
      status: 'active',
      connectionType: { system: 'https://smarthealthit.org', code: 'shl-interactive-experience' },
      payloadType: [{ text: 'web page' }],
      address: 'https://sender.example/visit',
    };
    const resolved = await resolveBundle(sender(), bot, aboutP(endpoint));
    const result = await runImport(bot, resolved, { create: resolved.patient });
    const stored = (await medplum.searchResources('Endpoint', {}))[0];
    expect(stored?.address).toBe('https://sender.example/visit');
    expect(stored?.extension).toEqual([
      { url: ENDPOINT_PATIENT_EXTENSION, valueReference: { reference: result.patient.reference } },
    ]);
  });

  test('SHL_IMPORT_TYPES narrows what is imported', async () => {
    const { bot } = await setup(sender(), { SHL_IMPORT_TYPES: 'Condition, Bot' });
    const resolved = await resolveBundle(sender(), bot, aboutP(asthma, finding, { resourceType: 'Bot', id: 'b' }));
    const result = await runImport(bot, resolved, { create: resolved.patient });
    expect(result.created.map((r) => r.split('/')[0]).sort()).toEqual(['Condition', 'Patient']);
    expect(result.skipped.map((s) => s.resourceType).sort()).toEqual(['Bot', 'Observation']);
  });

  test('a PDF DocumentReference becomes a Binary the document points at', async () => {
    const { medplum, bot } = await setup(sender());
    const pdf = Buffer.from('%PDF-1.4 patient story').toString('base64');
    const resolved = await resolveBundle(sender(), bot, {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: { resourceType: 'Patient', id: 'p' } },
        {
          resource: {
            resourceType: 'DocumentReference',
            id: 'story',
            status: 'current',
            type: { coding: [{ system: 'http://loinc.org', code: '51855-5' }] },
            subject: { reference: 'Patient/p' },
            content: [{ attachment: { contentType: 'application/pdf', data: pdf, title: 'My story' } }],
          },
        },
      ],
    });
    const result = await runImport(bot, resolved, { create: resolved.patient });
    expect(result.created.map((r) => r.split('/')[0]).sort()).toEqual(['Binary', 'DocumentReference', 'Patient']);
    const doc = (await medplum.searchResources('DocumentReference', {}))[0] as DocumentReference;
    const attachment = doc.content[0]?.attachment;
    expect(attachment).toMatchObject({ contentType: 'application/pdf', title: 'My story' });
    expect(attachment?.data).toBeUndefined();
    expect(attachment?.url).toMatch(/^Binary\//);
    const binary = await medplum.readReference<Binary>({ reference: attachment?.url ?? '' });
    expect(binary.contentType).toBe('application/pdf');
  });

  test('bad input is invalid-input and creates nothing', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, {
      resourceType: 'Patient',
      id: 'p',
      name: [{ family: 'Doe' }],
    });
    const codes = [
      await bot.run({
        operation: 'import',
        source: resolved.source,
        resources: resolved.resources,
        patient: { reference: 'Patient/does-not-exist' },
      }),
      await bot.run({
        operation: 'import',
        source: resolved.source,
        resources: 'nope',
        patient: { create: resolved.patient },
      }),
      await bot.run({
        operation: 'import',
        source: { linkId: 'x' },
        resources: [],
        patient: { create: resolved.patient },
      }),
      await bot.run({
        operation: 'import',
        source: resolved.source,
        resources: [{ id: 1 }],
        patient: { create: resolved.patient },
      }),
      await bot.run({
        operation: 'import',
        source: resolved.source,
        resources: [],
        patient: { create: { resourceType: 'Bot' } },
      }),
    ].map(errorCode);
    expect(codes).toEqual(['invalid-input', 'invalid-input', 'invalid-input', 'invalid-input', 'invalid-input']);
    expect(await medplum.searchResources('Patient', {})).toHaveLength(0);
  });

  test('an entry the server refuses undoes the whole import: nothing is left, and the answer says why', async () => {
    const { medplum, bot } = await setup(sender());
    // The user's access policy (here: a route) refuses to create Observations.
    medplum.router.add('POST', 'Observation', () => Promise.resolve([forbidden]));
    const resolved = await resolveBundle(sender(), bot, aboutP(asthma, finding));
    const output = await bot.run({
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { create: resolved.patient },
    });
    expect(output).toMatchObject({
      error: { code: 'invalid-input', message: expect.stringMatching(/refused the import.*nothing was imported/) },
    });
    expect(output).not.toHaveProperty('error.left');
    for (const type of ['Condition', 'Patient', 'Provenance'] as const) {
      expect(await medplum.searchResources(type, {})).toHaveLength(0);
    }
  });
});
