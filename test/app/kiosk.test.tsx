// @vitest-environment jsdom
/** The kiosk check-in page and the staff review queue, against MockClient with a bot route. */
import type { Condition, Patient, Task } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import type { WithId } from '@medplum/core';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import { fingerprint, FOLLOW_TASK_CODE, REVIEW_TASK_CODE, TASK_INPUT } from '../../bots/import/tasks';
import { KioskPage } from '../../app/KioskPage';
import { ReviewQueuePage } from '../../app/ReviewQueuePage';
import { createFhirServer } from '../../local/fhir-server';
import { encodeShlink } from '../../local/shl-sender';
import { fakeBot, renderWith } from './fake-bot';

afterEach(() => {
  cleanup();
});

describe('KioskPage', () => {
  test('a check-in the bot queues thanks the patient and shows no health data', async () => {
    const medplum = createFhirServer();
    const inputs = fakeBot(medplum, () => ({ status: 'queued', task: 'Task/1' }));
    renderWith(medplum, <KioskPage bot="shl-import" />);
    fireEvent.change(screen.getByLabelText('SMART Health Link'), {
      target: {
        value: encodeShlink({ url: 'https://sender.example/m', key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q' }),
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Open link' }));
    expect(await screen.findByText(/A staff member will review/)).toBeInTheDocument();
    expect(inputs.find((i) => i.operation === 'check-in')?.sealed).toMatch(/^ey/);
  });
});

describe('ReviewQueuePage', () => {
  test('lists queued check-ins; reviewing one resolves the Task (the bot holds its link) and completes it on import', async () => {
    const medplum = createFhirServer();
    const task = await medplum.createResource<Task>({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [REVIEW_TASK_CODE] },
      description: 'Check-in: Visit summary (https://sender.example).',
      input: [{ type: { text: TASK_INPUT.link }, valueString: 'the-bots-box' }],
    });
    const patient = { resourceType: 'Patient', id: 'in', name: [{ given: ['Ann'], family: 'Lee' }] };
    const inputs = fakeBot(medplum, (input) =>
      input.operation === 'resolve'
        ? {
            source: {
              origin: 'https://sender.example',
              flags: '',
              retrievedAt: '2026-11-24T00:00:00Z',
              linkId: 'a'.repeat(64),
            },
            files: [],
            resources: [
              patient,
              { resourceType: 'Condition', id: 'c', subject: { reference: 'Patient/in' }, code: { text: 'Asthma' } },
            ],
            patient,
            matches: [],
            healthCards: [],
            warnings: [],
          }
        : {
            patient: { reference: 'Patient/new' },
            created: ['Patient/new', 'Condition/x'],
            existing: [],
            skipped: [],
            warnings: [],
          }
    );
    renderWith(medplum, <ReviewQueuePage bot="shl-import" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Review' }));
    expect(await screen.findByText('Choose the patient')).toBeInTheDocument();
    expect(inputs.find((i) => i.operation === 'resolve')).toEqual({ operation: 'resolve', task: `Task/${task.id}` });
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Import 1 resource' }));
    await waitFor(async () => {
      expect((await medplum.readResource('Task', task.id)).status).toBe('completed');
    });
  });
});

describe('ReviewQueuePage order', () => {
  test('whoever has waited longest is listed first', async () => {
    const medplum = createFhirServer();
    // Created in an order that neither creation nor last-update order would list correctly.
    for (const [description, authoredOn] of [
      ['Check-in: middle', '2026-11-24T09:00:00Z'],
      ['Check-in: later', '2026-11-24T10:00:00Z'],
      ['Check-in: earlier', '2026-11-24T08:00:00Z'],
    ]) {
      await medplum.createResource<Task>({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        code: { coding: [REVIEW_TASK_CODE] },
        description,
        authoredOn,
      });
    }
    fakeBot(medplum, () => ({}));
    renderWith(medplum, <ReviewQueuePage bot="shl-import" />);
    await screen.findByText('Check-in: later');
    expect(screen.getAllByText(/^Check-in: /).map((e) => e.textContent)).toEqual([
      'Check-in: earlier',
      'Check-in: middle',
      'Check-in: later',
    ]);
  });
});

/** A followed link's Task, as `import` with `follow` leaves it. */
function followedLink(medplum: MockClient): Promise<WithId<Task>> {
  return medplum.createResource<Task>({
    resourceType: 'Task',
    status: 'in-progress',
    intent: 'order',
    code: { coding: [FOLLOW_TASK_CODE] },
    description: 'Following Diabetes diary (https://sender.example); new content is queued for review.',
  });
}

describe('followed links', () => {
  test('staff can stop following a link from the queue', async () => {
    const medplum = createFhirServer();
    const task = await followedLink(medplum);
    fakeBot(medplum, () => ({}));
    renderWith(medplum, <ReviewQueuePage bot="shl-import" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Stop following' }));
    await waitFor(async () => {
      expect((await medplum.readResource('Task', task.id)).status).toBe('cancelled');
    });
  });

  test('"Check now" asks the bot to poll that link and says what it found', async () => {
    const medplum = createFhirServer();
    const task = await followedLink(medplum);
    const inputs = fakeBot(medplum, () => ({ polled: 1, imported: 0, queued: 1, stopped: 0, deferred: 0 }));
    renderWith(medplum, <ReviewQueuePage bot="shl-import" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Check now' }));
    expect(await screen.findByText('New content was found and is listed above for review.')).toBeInTheDocument();
    expect(inputs).toContainEqual({ operation: 'poll', task: `Task/${task.id}` });
  });

  test('a review of new content opens with the followed patient chosen and what changed marked first', async () => {
    const medplum = createFhirServer();
    const followed = await medplum.createResource<Patient>({
      resourceType: 'Patient',
      name: [{ given: ['Jan'], family: 'Doe' }],
      birthDate: '1970-01-01',
    });
    const condition = (id: string, text: string): Condition => ({
      resourceType: 'Condition',
      id,
      subject: { reference: 'Patient/in' },
      code: { text },
    });
    const incoming: Patient = { resourceType: 'Patient', id: 'in', name: [{ given: ['Jan'], family: 'Doe' }] };
    // Staff saw Asthma and Hay fever; the link now shares Asthma and Diabetes.
    const seen = [incoming, condition('old1', 'Asthma'), condition('old2', 'Hay fever')].map(fingerprint);
    const task = await medplum.createResource<Task>({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [REVIEW_TASK_CODE] },
      for: { reference: `Patient/${followed.id}` },
      description:
        'Changes in Diabetes diary (https://sender.example): 1 new or changed item, 1 item no longer shared.',
      input: [
        { type: { text: TASK_INPUT.link }, valueString: 'the-bots-box' },
        { type: { text: TASK_INPUT.seen }, valueString: seen.join(' ') },
      ],
    });
    const inputs = fakeBot(medplum, (input) =>
      input.operation === 'resolve'
        ? {
            source: { origin: 'https://sender.example', flags: 'L', retrievedAt: '2026-11-24T00:00:00Z', linkId: 'b' },
            files: [],
            resources: [incoming, condition('c1', 'Asthma'), condition('c2', 'Diabetes')],
            patient: incoming,
            // The matcher found nobody (say the chart's name was corrected): the Task's patient is still offered.
            matches: [],
            healthCards: [],
            warnings: [],
          }
        : { patient: input.patient, created: ['Condition/x'], existing: [], skipped: [], warnings: [] }
    );
    renderWith(medplum, <ReviewQueuePage bot="shl-import" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Review' }));
    expect(await screen.findByRole('radio', { name: /Jan Doe.*patient on the task/i })).toBeChecked();
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    expect(await screen.findByText(/^1 new or changed, 1 no longer shared\./)).toBeInTheDocument();
    expect(screen.queryByText(/Keep following it\?/)).not.toBeInTheDocument();
    const rows = within(screen.getByRole('region', { name: 'Condition' })).getAllByRole('checkbox');
    expect(rows.map((r) => r.closest('label')?.textContent ?? r.parentElement?.parentElement?.textContent)).toEqual([
      expect.stringMatching(/Diabetes.*New or changed/),
      expect.stringMatching(/Asthma.*Unchanged/),
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Import 2 resources' }));
    await waitFor(async () => {
      expect((await medplum.readResource('Task', task.id)).status).toBe('completed');
    });
    expect(inputs.find((i) => i.operation === 'import')?.patient).toEqual({ reference: `Patient/${followed.id}` });
  });
});
