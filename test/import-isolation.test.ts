/**
 * Nothing crosses between patients, and nothing a sender writes steers the import to server
 * resources staff did not choose: duplicate detection stays in the patient's compartment,
 * shared resources match only by registry identifiers, a new patient is demographics only,
 * attachments cannot point into the server or run in a browser, and a link's own Provenance
 * is not imported.
 */
import type { Binary, DocumentReference, Encounter, Observation, Patient, Resource } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PATIENT_DATA_TYPES } from '../bots/import/patient-data-types';
import { planImport } from '../bots/import/plan';
import { aboutP, resolveBundle, runImport, setup, useSender } from './support/imports';

const sender = useSender();

describe('duplicates are looked for within the patient only', () => {
  test("two new patients whose links hold the same immunization each get their own, never the other's", async () => {
    const { medplum, bot } = await setup(sender());
    const shot: Resource = {
      resourceType: 'Immunization',
      id: 'flu',
      status: 'completed',
      patient: { reference: 'Patient/p' },
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '141' }] },
      occurrenceDateTime: '2025-10-15',
    };
    const first = await resolveBundle(sender(), bot, aboutP(shot));
    const a = await runImport(bot, first, {
      create: { resourceType: 'Patient', name: [{ given: ['Ann'], family: 'Lee' }], birthDate: '1990-01-01' },
    });
    const second = await resolveBundle(sender(), bot, aboutP(shot));
    const b = await runImport(bot, second, {
      create: { resourceType: 'Patient', name: [{ given: ['Bo'], family: 'Chen' }], birthDate: '1970-05-05' },
    });
    expect(b.existing).toEqual([]);
    expect(b.created.filter((r) => r.startsWith('Immunization/'))).toHaveLength(1);
    for (const patient of [a.patient.reference, b.patient.reference]) {
      expect(await medplum.searchResources('Immunization', { patient })).toHaveLength(1);
    }
  });

  test("an encounter identifier another patient's chart holds does not pull that encounter into this chart", async () => {
    const { medplum, bot } = await setup(sender());
    const other = await medplum.createResource<Patient>({ resourceType: 'Patient', name: [{ family: 'Other' }] });
    const theirs = await medplum.createResource<Encounter>({
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      subject: { reference: `Patient/${other.id}` },
      identifier: [{ system: 'https://hospital.example/encounters', value: 'E-1' }],
    });
    const target = await medplum.createResource<Patient>({ resourceType: 'Patient', name: [{ family: 'Doe' }] });
    const resolved = await resolveBundle(
      sender(),
      bot,
      aboutP(
        {
          resourceType: 'Encounter',
          id: 'e',
          status: 'finished',
          class: { code: 'AMB' },
          subject: { reference: 'Patient/p' },
          identifier: [{ system: 'https://hospital.example/encounters', value: 'E-1' }],
        },
        {
          resourceType: 'Observation',
          id: 'o',
          status: 'final',
          code: { text: 'Pulse' },
          subject: { reference: 'Patient/p' },
          encounter: { reference: 'Encounter/e' },
        }
      )
    );
    const result = await runImport(bot, resolved, { reference: `Patient/${target.id}` });
    expect(result.existing).toEqual([]);
    const observation = (await medplum.searchResources('Observation', { patient: `Patient/${target.id}` }))[0];
    expect(observation?.encounter?.reference).not.toBe(`Encounter/${theirs.id}`);
    expect(result.created).toContain(observation?.encounter?.reference);
  });

  test("a practitioner with a staff member's name and postcode is not that staff member; the same NPI is", async () => {
    const { medplum, bot } = await setup(sender());
    const staff = await medplum.createResource({
      resourceType: 'Practitioner',
      name: [{ given: ['Grace'], family: 'Hopper' }],
      address: [{ postalCode: '02115' }],
    });
    const doctor = await medplum.createResource({
      resourceType: 'Practitioner',
      name: [{ given: ['Ada'], family: 'Lovelace' }],
      identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }],
    });
    const observed = (id: string, performer: string): Observation => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { text: id },
      subject: { reference: 'Patient/p' },
      performer: [{ reference: performer }],
    });
    const resolved = await resolveBundle(
      sender(),
      bot,
      aboutP(
        {
          resourceType: 'Practitioner',
          id: 'fake',
          name: [{ given: ['Grace'], family: 'Hopper' }],
          address: [{ postalCode: '02115' }],
        },
        {
          resourceType: 'Practitioner',
          id: 'npi',
          name: [{ given: ['A.'], family: 'Lovelace' }],
          identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }],
        },
        observed('o1', 'Practitioner/fake'),
        observed('o2', 'Practitioner/npi')
      )
    );
    // What staff see in the review: the one on file by its NPI, and only that one.
    expect(resolved.onFile).toEqual([
      {
        resource: 'Practitioner/npi',
        existing: `Practitioner/${doctor.id}`,
        identifier: 'http://hl7.org/fhir/sid/us-npi|1234567893',
      },
    ]);
    const result = await runImport(bot, resolved, {
      create: { resourceType: 'Patient', name: [{ family: 'Doe' }], birthDate: '1999-09-09' },
    });
    const performers = new Map(
      (await medplum.searchResources('Observation', { patient: result.patient.reference })).map((o) => [
        o.code.text,
        o.performer?.[0]?.reference,
      ])
    );
    expect(performers.get('o1')).not.toBe(`Practitioner/${staff.id}`);
    expect(result.created).toContain(performers.get('o1'));
    expect(performers.get('o2')).toBe(`Practitioner/${doctor.id}`);
    expect(result.existing).toEqual([`Practitioner/${doctor.id}`]);
  });
});

describe('what a sender writes cannot reach server resources', () => {
  test('a new patient is built from demographics only: no link, managing organization or practitioner', async () => {
    const { medplum, bot } = await setup(sender());
    const victim = await medplum.createResource<Patient>({ resourceType: 'Patient', name: [{ family: 'Victim' }] });
    const org = await medplum.createResource({ resourceType: 'Organization', name: 'Clinic' });
    const incoming: Patient = {
      resourceType: 'Patient',
      id: 'p',
      name: [{ given: ['Eve'], family: 'Doe' }],
      birthDate: '1980-01-01',
      link: [{ other: { reference: `Patient/${victim.id}` }, type: 'replaced-by' }],
      managingOrganization: { reference: `Organization/${org.id}` },
      generalPractitioner: [{ reference: `Organization/${org.id}` }],
      identifier: [{ system: 'https://mrn.example', value: '7', assigner: { reference: `Organization/${org.id}` } }],
    };
    const resolved = await resolveBundle(sender(), bot, {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: incoming }],
    });
    const result = await runImport(bot, resolved, { create: resolved.patient });
    const created = await medplum.readReference<Patient>({ reference: result.patient.reference });
    expect(created.link).toBeUndefined();
    expect(created.managingOrganization).toBeUndefined();
    expect(created.generalPractitioner).toBeUndefined();
    expect(created.identifier?.[0]?.assigner?.reference).toBeUndefined();
    expect(created.name?.[0]?.family).toBe('Doe');
  });

  test('a patient reference must name an existing Patient: "Patient/." and the like are refused', async () => {
    const { bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, aboutP());
    for (const reference of ['Patient/.', 'Patient/..', 'Patient/', 'Organization/1', 'Patient/a/b']) {
      const output = await bot.run({
        operation: 'import',
        source: resolved.source,
        resources: resolved.resources,
        patient: { reference },
      });
      expect(output, reference).toMatchObject({ error: { code: 'invalid-input' } });
    }
  });

  test("attachments: a URL into the server is dropped, active content is stored inert, the file is the patient's", async () => {
    const { medplum, bot } = await setup(sender());
    const html = Buffer.from('<script>alert(1)</script>').toString('base64');
    const doc = (id: string, attachment: Record<string, unknown>): DocumentReference => ({
      resourceType: 'DocumentReference',
      id,
      status: 'current',
      subject: { reference: 'Patient/p' },
      content: [{ attachment }],
    });
    const resolved = await resolveBundle(
      sender(),
      bot,
      aboutP(
        doc('into-server', { contentType: 'application/pdf', url: 'Binary/someone-elses' }),
        doc('absolute', { contentType: 'application/pdf', url: `${medplum.getBaseUrl()}fhir/R4/Binary/x` }),
        doc('page', { contentType: 'text/html', data: html }),
        doc('picture', { contentType: 'image/svg+xml', data: Buffer.from('<svg onload="x()"/>').toString('base64') })
      )
    );
    const result = await runImport(bot, resolved, {
      create: { resourceType: 'Patient', name: [{ family: 'Doe' }], birthDate: '1999-09-09' },
    });
    const docs = await medplum.searchResources('DocumentReference', { patient: result.patient.reference });
    const byId = (url: string | undefined): Promise<Binary> => medplum.readReference<Binary>({ reference: url ?? '' });
    const urls = docs.map((d) => d.content[0]?.attachment.url);
    expect(urls.filter((u) => u === undefined)).toHaveLength(2);
    const stored = await Promise.all(urls.filter((u): u is string => u !== undefined).map(byId));
    expect(stored.map((b) => b.contentType)).toEqual(['application/octet-stream', 'application/octet-stream']);
    expect(stored.map((b) => b.securityContext?.reference)).toEqual([
      result.patient.reference,
      result.patient.reference,
    ]);
    expect(result.warnings.join(' ')).toMatch(/text\/html.*run code|image\/svg\+xml.*run code/);
    expect(result.warnings.join(' ')).toMatch(/pointed into this server/);
  });

  test("a link's own Provenance and AuditEvent are not imported", async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(
      sender(),
      bot,
      aboutP(
        {
          resourceType: 'Provenance',
          id: 'forged',
          target: [{ reference: 'Patient/p' }],
          recorded: '2020-01-01T00:00:00Z',
          agent: [{ who: { display: 'Chief of medicine' } }],
        },
        {
          resourceType: 'AuditEvent',
          id: 'a',
          type: { code: 'x' },
          recorded: '2020-01-01T00:00:00Z',
          source: { observer: { display: 'x' } },
          agent: [{ requestor: true }],
        }
      )
    );
    const result = await runImport(bot, resolved, { create: { resourceType: 'Patient', name: [{ family: 'Doe' }] } });
    expect(result.skipped.map((s) => s.resourceType).sort()).toEqual(['AuditEvent', 'Provenance']);
    const provenances = await medplum.searchResources('Provenance', {});
    expect(provenances.map((p) => p.agent[0]?.who.display)).not.toContain('Chief of medicine');
  });
});

describe('planning, for any input', () => {
  const ids = fc.constantFrom('a', 'b', 'p', 'x', '.', '123');
  const types = fc.constantFrom('Patient', 'Observation', 'Condition', 'Practitioner', 'Bot', 'Binary', 'Organization');
  const reference = fc.oneof(
    fc.tuple(types, ids).map(([t, i]) => `${t}/${i}`),
    fc.tuple(types, ids).map(([t, i]) => `https://other.example/fhir/${t}/${i}`),
    fc.constantFrom('urn:uuid:11111111-1111-4111-8111-111111111111', 'Patient/server-patient', '#contained', '')
  );
  const resource = fc.record({
    resourceType: types,
    id: ids,
    subject: fc.record({ reference }),
    performer: fc.array(fc.record({ reference }), { maxLength: 3 }),
    content: fc.array(
      fc.record({ attachment: fc.record({ contentType: fc.constant('application/pdf'), url: reference }) }),
      {
        maxLength: 2,
      }
    ),
  });

  test('never writes a reference to a server resource except the chosen patient', () => {
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 12 }), fc.boolean(), (resources, existing) => {
        let n = 0;
        const plan = planImport({
          resources: resources as unknown as Resource[],
          subject: 'Patient/p',
          target: existing
            ? { reference: 'Patient/chosen' }
            : {
                create: {
                  resourceType: 'Patient',
                  link: [{ other: { reference: 'Patient/server-patient' }, type: 'seealso' }],
                },
              },
          allowedTypes: PATIENT_DATA_TYPES,
          randomUUID: () => `00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`,
          maxAttachmentBytes: 1000,
          serverOrigin: 'https://medplum.example',
        });
        const urns = new Set(plan.items.map((i) => i.urn));
        for (const item of plan.items) {
          const text = JSON.stringify(item.resource);
          for (const [, value] of text.matchAll(/"(?:reference|url)":"([^"]*)"/g)) {
            const ok =
              urns.has(value ?? '') ||
              value === plan.patientRef ||
              value?.startsWith('#') ||
              value?.startsWith('https://other.example/');
            if (!ok) {
              throw new Error(`${item.resource.resourceType} refers to ${value ?? ''}`);
            }
          }
        }
      }),
      { numRuns: 300 }
    );
  });
});
