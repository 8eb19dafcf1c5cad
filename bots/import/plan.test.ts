/**
 * The reference walk of an import plan: references become the patient or an imported item's urn,
 * the rest keep only display and identifier; inline attachments become Binaries (inert unless a
 * passive type), attachment URLs into the server are dropped; and the warnings say what happened.
 */
import type { Condition, DocumentReference, Observation, Resource } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import type { ImportPlan, PlanInput } from './plan';
import { planImport } from './plan';
import { PATIENT_DATA_TYPES } from './patient-data-types';

const SERVER = 'https://medplum.example';

function plan(resources: Resource[], extra: Partial<PlanInput> = {}): ImportPlan {
  let n = 0;
  return planImport({
    resources,
    subject: 'Patient/in',
    target: { reference: 'Patient/chosen' },
    allowedTypes: PATIENT_DATA_TYPES,
    randomUUID: () => `UUID-${String(++n)}`,
    maxAttachmentBytes: 30,
    serverOrigin: SERVER,
    ...extra,
  });
}

const patient: Resource = { resourceType: 'Patient', id: 'in', name: [{ family: 'Lee' }] };

function item(result: ImportPlan, key: string): Resource {
  const found = result.items.find((i) => i.key === key);
  if (!found) {
    throw new Error(`${key} not planned`);
  }
  return found.resource;
}

describe('references', () => {
  test("patient data that names the patient is the patient's own; anything else is looked up as shared", () => {
    const result = plan([
      patient,
      {
        resourceType: 'Observation',
        id: 'mine',
        status: 'final',
        code: { text: 'Glucose' },
        performer: [{ reference: 'Practitioner/dr' }],
        subject: { reference: 'Patient/in' },
      },
      { resourceType: 'Observation', id: 'nobody', status: 'final', code: { text: 'Glucose' } },
      {
        resourceType: 'Observation',
        id: 'elsewhere',
        status: 'final',
        code: { text: 'Glucose' },
        performer: [{ reference: 'Practitioner/dr' }],
      },
      { resourceType: 'Practitioner', id: 'dr', name: [{ family: 'Who' }] },
    ]);
    const shared = (key: string): boolean | undefined => result.items.find((i) => i.key === key)?.shared;
    expect(shared('Observation/mine')).toBe(false);
    expect(shared('Observation/nobody')).toBe(true);
    expect(shared('Observation/elsewhere')).toBe(true);
    expect(shared('Practitioner/dr')).toBe(true);
  });

  test('the subject becomes the chosen patient, an imported resource its urn; needs list the urns', () => {
    const result = plan([
      patient,
      {
        resourceType: 'Encounter',
        id: 'e',
        status: 'finished',
        class: { code: 'AMB' },
        subject: { reference: 'Patient/in' },
      },
      {
        resourceType: 'Condition',
        id: 'c',
        subject: { reference: 'Patient/in' },
        encounter: { reference: 'Encounter/e' },
      },
    ]);
    const condition = item(result, 'Condition/c') as Condition;
    expect(condition.subject).toEqual({ reference: 'Patient/chosen' });
    expect(condition.encounter).toEqual({ reference: 'urn:uuid:uuid-1' });
    expect(result.items.find((i) => i.key === 'Condition/c')?.needs).toEqual(['urn:uuid:uuid-1']);
    expect(result.items.find((i) => i.key === 'Encounter/e')?.needs).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  test('a full URL naming an imported resource is rewritten like its Type/id', () => {
    const result = plan([
      patient,
      { resourceType: 'Encounter', id: 'e', status: 'finished', class: { code: 'AMB' } },
      {
        resourceType: 'Condition',
        id: 'c',
        subject: { reference: 'https://ehr.example/fhir/Patient/in' },
        encounter: { reference: 'https://ehr.example/fhir/Encounter/e' },
      },
    ]);
    const condition = item(result, 'Condition/c') as Condition;
    expect(condition.subject).toEqual({ reference: 'Patient/chosen' });
    expect(condition.encounter?.reference).toBe('urn:uuid:uuid-1');
  });

  test('a new patient is a urn the others need', () => {
    const result = plan([patient, { resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/in' } }], {
      target: { create: { resourceType: 'Patient', name: [{ family: 'Lee' }] } },
    });
    expect(result.patientRef).toBe('urn:uuid:uuid-2');
    expect(result.items.find((i) => i.key === 'Condition/c')?.needs).toEqual(['urn:uuid:uuid-2']);
  });

  test('what is not imported keeps display and identifier only, and gets a display when it has neither', () => {
    const result = plan([
      patient,
      { resourceType: 'Patient', id: 'other' },
      {
        resourceType: 'Observation',
        id: 'o',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: 'Patient/in' },
        performer: [
          { reference: 'Practitioner/missing', display: 'Dr. A' },
          { reference: 'Organization/missing', identifier: { value: '1' } },
          { reference: 'Practitioner/gone' },
          { reference: 'Patient/other' },
          { reference: 'urn:uuid:nowhere' },
          { reference: '' },
          { reference: '#contained' },
        ],
      },
    ]);
    const observation = item(result, 'Observation/o') as Observation;
    expect(observation.performer).toEqual([
      { display: 'Dr. A' },
      { identifier: { value: '1' } },
      { display: 'Practitioner (not imported)' },
      { display: 'Another person in the shared record' },
      { display: 'Resource (not imported)' },
      {},
      { reference: '#contained' },
    ]);
    expect(result.items.find((i) => i.key === 'Observation/o')?.needs).toEqual([]);
    expect(result.warnings).toEqual([
      'Some references point to what is not imported (Organization, Practitioner, a resource outside the link, another person in the link): they keep their display text but no link.',
    ]);
  });

  test('the incoming resources are left as they were', () => {
    const condition: Condition = { resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/in' } };
    plan([patient, condition]);
    expect(condition).toEqual({ resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/in' } });
  });
});

describe('attachments', () => {
  const doc = (attachments: Record<string, unknown>[]): DocumentReference => ({
    resourceType: 'DocumentReference',
    id: 'd',
    status: 'current',
    subject: { reference: 'Patient/in' },
    content: attachments.map((attachment) => ({ attachment })),
  });

  test('inline data becomes a Binary first in the plan, tied to the patient; a passive type keeps its type', () => {
    const result = plan([patient, doc([{ contentType: 'application/pdf', data: 'JVBERi0=' }])]);
    const [binary] = result.items;
    expect(binary).toEqual({
      kind: 'binary',
      urn: 'urn:uuid:uuid-2',
      resource: {
        resourceType: 'Binary',
        contentType: 'application/pdf',
        data: 'JVBERi0=',
        securityContext: { reference: 'Patient/chosen' },
      },
      needs: [],
    });
    const docRef = item(result, 'DocumentReference/d') as DocumentReference;
    expect(docRef.content[0]?.attachment).toEqual({ contentType: 'application/pdf', url: 'urn:uuid:uuid-2' });
    expect(result.items.find((i) => i.key === 'DocumentReference/d')?.needs).toEqual(['urn:uuid:uuid-2']);
    expect(result.warnings).toEqual([]);
  });

  test('a Binary for a new patient needs the patient', () => {
    const result = plan([patient, doc([{ contentType: 'text/plain', data: 'aGk=' }])], {
      target: { create: { resourceType: 'Patient' } },
    });
    expect(result.items[0]?.needs).toEqual([result.patientRef]);
  });

  test('a type that can run code is stored as plain bytes, with a warning naming the types', () => {
    const result = plan([
      patient,
      doc([
        { contentType: 'text/html; charset=utf-8', data: 'PGI+' },
        { contentType: 'IMAGE/SVG+XML', data: 'PHN2Zz4=' },
        { contentType: '', data: 'eA==' },
        { contentType: 'image/png', data: 'iVBO' },
      ]),
    ]);
    expect(
      result.items.filter((i) => i.kind === 'binary').map((i) => (i.resource as { contentType: string }).contentType)
    ).toEqual(['application/octet-stream', 'application/octet-stream', 'application/octet-stream', 'image/png']);
    expect(result.warnings).toEqual([
      'Attached files of type image/svg+xml, text/html, unknown can run code in a browser: they were stored as plain downloads, not to be opened in the chart.',
    ]);
  });

  test('data over the limit is dropped with a warning; at the limit it is kept', () => {
    // maxAttachmentBytes is 30: 40 base64 characters are 30 bytes, 44 are 33.
    const result = plan(
      [
        patient,
        doc([
          { contentType: 'text/plain', data: 'a'.repeat(40) },
          { contentType: 'text/plain', data: 'a'.repeat(44) },
          { contentType: 'text/plain', data: 'a'.repeat(44) },
        ]),
      ],
      { maxAttachmentBytes: (30 * 1048576) / 1048576 }
    );
    const docRef = item(result, 'DocumentReference/d') as DocumentReference;
    expect(docRef.content.map((c) => Boolean(c.attachment.data))).toEqual([false, false, false]);
    expect(docRef.content.map((c) => c.attachment.url?.startsWith('urn:uuid:') ?? false)).toEqual([true, false, false]);
    expect(result.warnings).toEqual([
      '2 attached files were larger than 0 MB and not imported; the rest of each resource was.',
    ]);
    const one = plan([patient, doc([{ contentType: 'text/plain', data: 'a'.repeat(44) }])], {
      maxAttachmentBytes: 30,
    });
    expect(one.warnings).toEqual([
      '1 attached file was larger than 0 MB and not imported; the rest of each resource was.',
    ]);
  });

  test('URLs into the server, relative or not http(s), are dropped; others kept', () => {
    const result = plan([
      patient,
      doc([
        { contentType: 'application/pdf', url: `${SERVER}/fhir/R4/Binary/1` },
        { contentType: 'application/pdf', url: 'Binary/1' },
        { contentType: 'application/pdf', url: 'javascript:alert(1)' },
        { contentType: 'application/pdf', url: 'https://elsewhere.example/doc.pdf' },
        { contentType: 'application/pdf', url: 'http://elsewhere.example/doc.pdf' },
      ]),
    ]);
    const docRef = item(result, 'DocumentReference/d') as DocumentReference;
    expect(docRef.content.map((c) => c.attachment.url)).toEqual([
      undefined,
      undefined,
      undefined,
      'https://elsewhere.example/doc.pdf',
      'http://elsewhere.example/doc.pdf',
    ]);
    expect(result.warnings).toEqual([
      '3 attachment links pointed into this server, or were no web address, and were removed.',
    ]);
    const one = plan([patient, doc([{ contentType: 'application/pdf', url: 'Binary/1' }])]);
    expect(one.warnings).toEqual([
      '1 attachment link pointed into this server, or was no web address, and was removed.',
    ]);
  });

  test('without a known server origin, an absolute https URL stays', () => {
    const result = plan([patient, doc([{ contentType: 'application/pdf', url: `${SERVER}/x.pdf` }])], {
      serverOrigin: undefined,
    });
    expect((item(result, 'DocumentReference/d') as DocumentReference).content[0]?.attachment.url).toBe(
      `${SERVER}/x.pdf`
    );
  });
});
