/**
 * checkIn's one decision: import unattended only when the project allows it and exactly one
 * existing patient is a certain match (and the link names its patient); otherwise queue a
 * review Task whose box holds the sealed input and the single certain match, if any.
 */
import type { Condition, Patient, Task } from '@medplum/fhirtypes';
import { webcrypto } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createFhirServer } from '../../local/fhir-server';
import type { BoxKey } from '../bot-box';
import { openBoxText } from '../bot-box';
import type { MatchGrade, PatientMatch, ResolveOutput } from '../contract';
import { checkIn } from './check-in';
import type { ImportSettings } from './import';
import { PATIENT_DATA_TYPES } from './patient-data-types';
import { boundReview, REVIEW_TASK_CODE, TASK_INPUT, taskInput } from './tasks';

const NOW = Date.parse('2026-11-24T09:30:00Z');

const box: BoxKey = {
  key: await webcrypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
  subtle: webcrypto.subtle as SubtleCrypto,
  randomBytes: (n) => webcrypto.getRandomValues(new Uint8Array(n)),
};

let uuid = 0;
const settings: ImportSettings = {
  allowedTypes: PATIENT_DATA_TYPES,
  randomUUID: () => `00000000-0000-4000-8000-${String(++uuid).padStart(12, '0')}`,
  maxAttachmentBytes: 1 << 20,
  maxRequestBytes: 1 << 20,
  sleep: () => Promise.resolve(),
  now: () => NOW,
  maxWaitMs: 0,
};

const incoming: Patient = { resourceType: 'Patient', id: 'in', name: [{ given: ['Ann'], family: 'Lee' }] };
const condition: Condition = {
  resourceType: 'Condition',
  id: 'c',
  subject: { reference: 'Patient/in' },
  code: { text: 'Asthma' },
};

async function world(...grades: MatchGrade[]) {
  const medplum = createFhirServer();
  const patients = [];
  for (const grade of grades) {
    patients.push(await medplum.createResource<Patient>({ resourceType: 'Patient', name: [{ family: grade }] }));
  }
  const resolved = (matches: PatientMatch[], patient: Patient | null = incoming): ResolveOutput => ({
    source: { label: 'Visit summary', origin: 'https://sender.example', flags: '', retrievedAt: '', linkId: 'x' },
    files: [],
    resources: [incoming, condition],
    ...(patient && { patient }),
    matches,
    healthCards: [],
    warnings: [],
  });
  const matches = patients.map((patient, i) => ({
    patient,
    grade: grades[i] as MatchGrade,
    score: grades[i] === 'certain' ? 1 : 0.9,
    basis: 'test',
  }));
  const conditionsOf = async (patient: Patient): Promise<number> =>
    (await medplum.searchResources('Condition', { subject: `Patient/${patient.id ?? ''}` })).length;
  const tasks = (): Promise<Task[]> => medplum.searchResources('Task', {});
  return { medplum, patients, matches, resolved, conditionsOf, tasks };
}

describe('checkIn', () => {
  test('unattended and one certain match: imported into that patient, no Task', async () => {
    const w = await world('certain');
    expect(await checkIn(w.medplum, box, 'sealed-1', w.resolved(w.matches), true, settings)).toEqual({
      status: 'imported',
      imported: 1,
    });
    expect(await w.conditionsOf(w.patients[0] as Patient)).toBe(1);
    expect(await w.tasks()).toHaveLength(0);
  });

  test('unattended, a probable match listed before the one certain: imported into the certain one', async () => {
    const w = await world('probable', 'certain');
    expect(await checkIn(w.medplum, box, 'sealed-1', w.resolved(w.matches), true, settings)).toMatchObject({
      status: 'imported',
    });
    expect([await w.conditionsOf(w.patients[0] as Patient), await w.conditionsOf(w.patients[1] as Patient)]).toEqual([
      0, 1,
    ]);
  });

  test.each([
    ['only a probable match', ['probable']],
    ['only a possible match', ['possible']],
    ['two certain matches', ['certain', 'certain']],
    ['no match', []],
  ] as [string, MatchGrade[]][])('unattended with %s: queued for staff, nothing imported', async (_what, grades) => {
    const w = await world(...grades);
    const output = await checkIn(w.medplum, box, 'sealed-2', w.resolved(w.matches), true, settings);
    expect(output).toEqual({ status: 'queued', task: expect.stringMatching(/^Task\//) });
    expect(await w.medplum.searchResources('Condition', {})).toHaveLength(0);
    const [task] = await w.tasks();
    expect(task?.for).toBeUndefined();
    expect(task?.description).toBe(
      'Check-in: Visit summary (https://sender.example). No single certain match: choose the patient.'
    );
    expect(await openBoxText(box, 'review-task', taskInput(task as Task, TASK_INPUT.link))).toEqual({
      sealed: 'sealed-2',
    });
  });

  test('one certain match without unattended imports: queued for staff, the match on the Task and in its box', async () => {
    const w = await world('certain');
    const output = await checkIn(w.medplum, box, 'sealed-3', w.resolved(w.matches), false, settings);
    expect(output.status).toBe('queued');
    const task = await w.medplum.readReference<Task>({ reference: output.task ?? '' });
    const patient = `Patient/${w.patients[0]?.id ?? ''}`;
    expect(task).toMatchObject({
      status: 'requested',
      code: { coding: [REVIEW_TASK_CODE] },
      for: { reference: patient },
      authoredOn: new Date(NOW).toISOString(),
      description: 'Check-in: Visit summary (https://sender.example). One certain match: confirm it.',
    });
    const opened = await openBoxText(box, 'review-task', taskInput(task, TASK_INPUT.link));
    expect(opened).toEqual({ sealed: 'sealed-3', patient });
    expect(boundReview(task, opened)).toEqual({ sealed: 'sealed-3', patient });
    expect(JSON.stringify(task)).not.toContain('sealed-3');
    expect(await w.conditionsOf(w.patients[0] as Patient)).toBe(0);
  });

  test('unattended and one certain match, but no patient in the link (or a match without an id): queued', async () => {
    const w = await world('certain');
    expect((await checkIn(w.medplum, box, 's', w.resolved(w.matches, null), true, settings)).status).toBe('queued');
    expect(
      (await checkIn(w.medplum, box, 's', w.resolved(w.matches, { resourceType: 'Patient' }), true, settings)).status
    ).toBe('queued');
    const noId = [{ ...w.matches[0], patient: { resourceType: 'Patient' } } as PatientMatch];
    expect((await checkIn(w.medplum, box, 's', w.resolved(noId), true, settings)).status).toBe('queued');
    expect(await w.medplum.searchResources('Condition', {})).toHaveLength(0);
    expect(await w.tasks()).toHaveLength(3);
  });

  test('a link without a label is named as such', async () => {
    const w = await world();
    const resolved = w.resolved([]);
    delete resolved.source.label;
    await checkIn(w.medplum, box, 's', resolved, false, settings);
    expect((await w.tasks())[0]?.description).toBe(
      'Check-in: a SMART Health Link (https://sender.example). No single certain match: choose the patient.'
    );
  });
});
