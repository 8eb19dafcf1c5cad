// @vitest-environment jsdom
/** The kiosk check-in page and the staff review queue, against MockClient with a bot route. */
import type { Condition, Patient, Task } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import type { WithId } from '@medplum/core';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { compactDecrypt, importJWK } from 'jose';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { fingerprint, FOLLOW_TASK_CODE, REVIEW_TASK_CODE, TASK_INPUT } from '../../bots/import/tasks';
import { CLEAR_AFTER_S, KioskPage } from '../../app/KioskPage';
import { ReviewQueuePage } from '../../app/ReviewQueuePage';
import { createFhirServer } from '../../local/fhir-server';
import { shcCodes } from '../../local/health-card-issuer';
import { encodeShlink } from '../../local/shl-sender';
import { fakeBot, PUBLIC_JWK, renderWith } from './fake-bot';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** What a check-in sealed: PUBLIC_JWK's private half is published with it (RFC 7515, A.3). */
async function unsealed(sealed: unknown): Promise<Record<string, unknown>> {
  const key = await importJWK({ ...PUBLIC_JWK, d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' }, 'ECDH-ES');
  const { plaintext } = await compactDecrypt(String(sealed), key);
  return JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>;
}

/** Everything a bot could answer about the person: what the kiosk must never show. */
const HEALTH_DATA = {
  patient: {
    resourceType: 'Patient',
    id: 'in',
    name: [{ given: ['Roberta'], family: 'Quintanilla' }],
    birthDate: '1980-04-12',
  },
  resources: [{ resourceType: 'Condition', id: 'c', code: { text: 'Hypertension' } }],
  matches: [
    {
      patient: { resourceType: 'Patient', id: 'm', name: [{ family: 'Quintanilla' }] },
      grade: 'certain',
      score: 1,
      basis: 'CMS rule',
    },
  ],
  warnings: ['Roberta Quintanilla: 1 of 2 files could not be read'],
};
const SHOWN_NOWHERE = /Quintanilla|Roberta|Hypertension|1980|CMS rule|files could not be read/;

const LINK_FIELD = 'Your health link or QR code';

function pasteLink(payload: Record<string, unknown>): void {
  fireEvent.change(screen.getByLabelText(LINK_FIELD), { target: { value: encodeShlink(payload) } });
  fireEvent.click(screen.getByRole('button', { name: 'Check in' }));
}

describe('KioskPage', () => {
  test('a check-in the bot queues thanks the patient and shows no health data', async () => {
    const medplum = createFhirServer();
    const inputs = fakeBot(medplum, () => ({ status: 'queued', task: 'Task/1', ...HEALTH_DATA }));
    renderWith(medplum, <KioskPage bot="shl-import" />);
    fireEvent.change(screen.getByLabelText('Your health link or QR code'), {
      target: {
        value: encodeShlink({ url: 'https://sender.example/m', key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q' }),
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Check in' }));
    expect(await screen.findByText(/you are checked in\. Please take a seat: a staff member/)).toBeInTheDocument();
    expect(document.body.innerHTML).not.toMatch(SHOWN_NOWHERE);
    // Where the link points is not shown to patients.
    expect(screen.queryByText(/sender\.example/)).toBeNull();
    expect(inputs.find((i) => i.operation === 'check-in')?.sealed).toMatch(/^ey/);
  });
});

describe("KioskPage in the patient's words", () => {
  test('a failure says once what to do, with "Try again" and "Start again", and clears itself', async () => {
    const medplum = createFhirServer();
    let sends = 0;
    fakeBot(medplum, () => {
      sends++;
      return { error: { code: 'fetch-failed', message: 'Could not reach https://sender.example in 10 s.' } };
    });
    renderWith(medplum, <KioskPage bot="shl-import" />);
    fireEvent.change(screen.getByLabelText('Your health link or QR code'), {
      target: {
        value: encodeShlink({ url: 'https://sender.example/m', key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q' }),
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Check in' }));
    const said = await screen.findByText(/could not be fetched right now/);
    expect(screen.getAllByText(/could not be fetched right now/)).toHaveLength(1);
    expect(said.closest('main, div')?.textContent).not.toMatch(/sender\.example|fetch-failed|Could not reach/);
    expect(screen.getByText(/This screen clears in \d+ s for the next person\./)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(sends).toBe(2));
    fireEvent.click(await screen.findByRole('button', { name: 'Start again' }));
    expect(await screen.findByLabelText('Your health link or QR code')).toHaveValue('');
    expect(document.activeElement).toBe(screen.getByLabelText('Your health link or QR code'));
  });

  test('a health card QR code checks in too', async () => {
    const medplum = createFhirServer();
    const inputs = fakeBot(medplum, () => ({ status: 'queued', task: 'Task/1' }));
    renderWith(medplum, <KioskPage bot="shl-import" />);
    const [code] = shcCodes(`eyJhbGciOiJFUzI1NiJ9.${'x'.repeat(200)}.${'s'.repeat(86)}`);
    fireEvent.change(screen.getByLabelText('Your health link or QR code'), { target: { value: code } });
    fireEvent.click(screen.getByRole('button', { name: 'Check in' }));
    expect(await screen.findByText(/you are checked in/)).toBeInTheDocument();
    expect(inputs.find((i) => i.operation === 'check-in')?.sealed).toMatch(/^ey/);
  });
});

describe('KioskPage for the next person', () => {
  test('whatever the bot answers, no health data is shown; after the thanks the screen is fresh, the last passcode gone', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const medplum = createFhirServer();
    const inputs = fakeBot(medplum, (input) =>
      input.operation === 'check-in' && inputs.filter((i) => i.operation === 'check-in').length === 1
        ? { error: { code: 'passcode-invalid', message: 'Wrong passcode.', remainingAttempts: 2 }, ...HEALTH_DATA }
        : { status: 'imported', imported: 3, ...HEALTH_DATA }
    );
    renderWith(medplum, <KioskPage bot="shl-import" />);
    // The first person: a passcode link, a wrong passcode, then the right one.
    pasteLink({ url: 'https://sender.example/m/first', key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q', flag: 'P' });
    fireEvent.change(await screen.findByLabelText('Passcode'), { target: { value: 'first-person-passcode' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check in' }));
    expect(await screen.findByText(/2 tries left before the link is disabled/)).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Passcode'), { target: { value: 'first-person-passcode-2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check in' }));
    expect(
      await screen.findByText(
        'Thank you, you are checked in. Your health information was added to your record. Please take a seat.'
      )
    ).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(SHOWN_NOWHERE);
    expect(document.body.innerHTML).not.toMatch(SHOWN_NOWHERE);

    // Still there just before the reset, gone after it: a fresh, empty link field.
    await act(() => vi.advanceTimersByTimeAsync(CLEAR_AFTER_S.thanks * 1000 - 500));
    expect(screen.getByText(/Thank you,/)).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(750));
    expect(screen.queryByText(/Thank you,/)).not.toBeInTheDocument();
    expect(screen.queryByText(/tries left/)).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Passcode')).not.toBeInTheDocument();
    expect(screen.getByLabelText(LINK_FIELD)).toHaveValue('');

    // The next person: their link alone, never the first person's passcode.
    pasteLink({ url: 'https://sender.example/m/second', key: 'Ax9TgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7' });
    expect(await screen.findByText(/Thank you,/)).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(SHOWN_NOWHERE);
    const checkIns = await Promise.all(inputs.filter((i) => i.operation === 'check-in').map((i) => unsealed(i.sealed)));
    expect(checkIns.map((c) => [c.passcode, String(c.shl).length > 20])).toEqual([
      ['first-person-passcode', true],
      ['first-person-passcode-2', true],
      [undefined, true],
    ]);
    expect(checkIns[2]?.shl).toBe(
      encodeShlink({ url: 'https://sender.example/m/second', key: 'Ax9TgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7' })
    );
  });

  test('an error shows none of the health data the answer carries, and is cleared for the next person too', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const medplum = createFhirServer();
    // Patients get the kiosk's own words for the code; nothing the answer carries is shown.
    fakeBot(medplum, () => ({ error: { code: 'not-found', message: 'The link was revoked.' }, ...HEALTH_DATA }));
    renderWith(medplum, <KioskPage bot="shl-import" />);
    pasteLink({ url: 'https://sender.example/m/x', key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q' });
    expect(await screen.findByText(/This link no longer works/)).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(SHOWN_NOWHERE);
    await act(() => vi.advanceTimersByTimeAsync(CLEAR_AFTER_S.error * 1000 + 250));
    expect(screen.queryByText(/This link no longer works/)).not.toBeInTheDocument();
    expect(screen.getByLabelText(LINK_FIELD)).toHaveValue('');
  });
  test('a person who goes back after a wrong passcode leaves nothing of theirs for the next person', async () => {
    const medplum = createFhirServer();
    const inputs = fakeBot(medplum, () => ({
      error: { code: 'passcode-invalid', message: 'Wrong passcode.', remainingAttempts: 2 },
    }));
    renderWith(medplum, <KioskPage bot="shl-import" />);
    pasteLink({ url: 'https://sender.example/m/first', key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q', flag: 'P' });
    fireEvent.change(await screen.findByLabelText('Passcode'), { target: { value: 'first-person-passcode' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check in' }));
    expect(await screen.findByText(/2 tries left/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Start again' }));
    // The next person's passcode link: no warning about someone else's tries.
    pasteLink({
      url: 'https://sender.example/m/second',
      key: 'Ax9TgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7',
      flag: 'P',
    });
    expect(await screen.findByLabelText('Passcode')).toHaveValue('');
    expect(screen.queryByText(/tries left/)).not.toBeInTheDocument();
    expect(inputs.filter((i) => i.operation === 'check-in')).toHaveLength(1);
  });
});

describe('ReviewQueuePage', () => {
  test('each check-in says who and how long they have waited, without the sender address', async () => {
    const medplum = createFhirServer();
    const jan = await medplum.createResource<Patient>({
      resourceType: 'Patient',
      name: [{ given: ['Jan'], family: 'Doe' }],
      birthDate: '1970-01-01',
    });
    const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
    for (const [description, authoredOn, patient] of [
      ['Check-in: Visit summary (https://sender.example). One certain match: confirm it.', minutesAgo(125), jan.id],
      [
        'Check-in: IPS (https://other.example). No single certain match: choose the patient.',
        minutesAgo(12),
        undefined,
      ],
    ] as const) {
      await medplum.createResource<Task>({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        code: { coding: [REVIEW_TASK_CODE] },
        description,
        authoredOn,
        ...(patient && { for: { reference: `Patient/${patient}` } }),
      });
    }
    fakeBot(medplum, () => ({}));
    renderWith(medplum, <ReviewQueuePage bot="shl-import" />);
    const first = await screen.findByRole('article', { name: 'Jan Doe, born 1970-01-01' });
    expect(first).toHaveTextContent('Waiting 2 h 5 min');
    expect(first).toHaveTextContent('Check-in: Visit summary. One certain match: confirm it.');
    const second = screen.getByRole('article', { name: 'Patient not identified yet' });
    expect(second).toHaveTextContent('Waiting 12 min');
    expect(screen.queryByText(/https?:\/\//)).toBeNull();
  });

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
    fireEvent.click(screen.getByLabelText("Create a new patient from the link's details"));
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Import 1 item' }));
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
    expect(await screen.findByRole('radio', { name: /Jan Doe.*Patient this is for/i })).toBeChecked();
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    expect(await screen.findByText(/^1 new or changed, 1 no longer shared\./)).toBeInTheDocument();
    expect(screen.queryByText(/Keep following it\?/)).not.toBeInTheDocument();
    const rows = within(screen.getByRole('region', { name: 'Conditions and problems' }))
      .getAllByRole('checkbox')
      .slice(1);
    expect(rows.map((r) => r.closest('label')?.textContent ?? r.parentElement?.parentElement?.textContent)).toEqual([
      expect.stringMatching(/Diabetes.*New or changed/),
      expect.stringMatching(/Asthma.*Unchanged/),
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Import 2 items' }));
    await waitFor(async () => {
      expect((await medplum.readResource('Task', task.id)).status).toBe('completed');
    });
    expect(inputs.find((i) => i.operation === 'import')?.patient).toEqual({ reference: `Patient/${followed.id}` });
  });
});
