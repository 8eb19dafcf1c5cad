// @vitest-environment jsdom
/** The kiosk check-in page and the staff review queue, against MockClient with a bot route. */
import type { Task } from '@medplum/fhirtypes';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import { CHECK_IN_TASK_CODE } from '../../bots/import/check-in';
import { FOLLOW_TASK_CODE } from '../../bots/import/follow';
import { KioskPage } from '../../app/KioskPage';
import { ReviewQueuePage } from '../../app/ReviewQueuePage';
import { createFhirServer } from '../../app/local/fhir-server';
import { encodeShlink } from '../../app/local/shl-sender';
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
  test('lists queued check-ins; reviewing one resolves its sealed input and completes the Task on import', async () => {
    const medplum = createFhirServer();
    const task = await medplum.createResource<Task>({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [CHECK_IN_TASK_CODE] },
      description: 'Check-in: Visit summary (https://sender.example).',
      input: [{ type: { text: 'sealed-shl' }, valueString: 'sealed-jwe-from-the-kiosk' }],
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
    expect(inputs.find((i) => i.operation === 'resolve')?.sealed).toBe('sealed-jwe-from-the-kiosk');
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Import 1 resource' }));
    await waitFor(async () => {
      expect((await medplum.readResource('Task', task.id)).status).toBe('completed');
    });
  });
});

describe('followed links', () => {
  test('staff can stop following a link from the queue', async () => {
    const medplum = createFhirServer();
    const task = await medplum.createResource<Task>({
      resourceType: 'Task',
      status: 'in-progress',
      intent: 'order',
      code: { coding: [FOLLOW_TASK_CODE] },
      description: 'Following Diabetes diary (https://sender.example); new content is queued for review.',
    });
    fakeBot(medplum, () => ({}));
    renderWith(medplum, <ReviewQueuePage bot="shl-import" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Stop following' }));
    await waitFor(async () => {
      expect((await medplum.readResource('Task', task.id)).status).toBe('cancelled');
    });
  });
});
