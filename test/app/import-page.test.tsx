// @vitest-environment jsdom
/**
 * The import page around the bot's answers: a failed open keeps the link with "Try again"; a slow
 * one can be cancelled and its late answer is ignored; a bare health card goes through the same
 * steps, its issuer named; the review says whose chart and reads in clinical words; a long
 * import shows the items written so far, or honestly what it knows; Done hands off to the chart
 * with counts in words; and the import opened from a patient's page offers only that patient.
 */
import type { Patient, Resource } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import type { ImportOutput } from '../../bots/contract';
import { fingerprint } from '../../bots/import/tasks';
import { ReviewStep } from '../../app/components/ReviewStep';
import { ShlImportModal } from '../../app/ShlImportModal';
import { ShlImportPage } from '../../app/ShlImportPage';
import { shcCodes } from '../../local/health-card-issuer';
import { encodeShlink } from '../../local/shl-sender';
import { fakeBot, patient, renderWith, resolved } from './fake-bot';

const KEY = 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q';
const LINK = encodeShlink({ url: 'https://sender.example/m', key: KEY, label: 'Visit summary' });

afterEach(() => {
  cleanup();
});

/** A promise the test settles when it wants: a slow bot. */
function later<T>(): { promise: Promise<T>; settle: (value: T) => void } {
  let settle: (value: T) => void = () => undefined;
  const promise = new Promise<T>((resolve) => {
    settle = resolve;
  });
  return { promise, settle };
}

function renderPage(answer: (input: Record<string, unknown>) => unknown, medplum = new MockClient()): MockClient {
  fakeBot(medplum, answer);
  renderWith(medplum, <ShlImportPage bot="shl-import" />);
  return medplum;
}

function field(): HTMLTextAreaElement {
  return screen.getByLabelText('SMART Health Link');
}

function open(text = LINK): void {
  fireEvent.change(field(), { target: { value: text } });
  fireEvent.keyDown(field(), { key: 'Enter' });
}

async function toReview(): Promise<void> {
  fireEvent.click(await screen.findByLabelText("Create a new patient from the link's details"));
  fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
  await screen.findByText('Review what will be imported');
}

describe('opening a link', () => {
  test('a failed open keeps the link: "Try again" opens it again, with nothing rescanned', async () => {
    let resolves = 0;
    renderPage((input) => {
      if (input.operation !== 'resolve') {
        return {};
      }
      resolves++;
      return resolves === 1
        ? { error: { code: 'fetch-failed', message: 'The sender did not answer in time.' } }
        : resolved();
    });
    open();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not reach the sender');
    expect(field()).toHaveValue(LINK);
    expect(within(alert).getByRole('button', { name: 'Start again' })).toBeInTheDocument();
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Choose the patient')).toBeInTheDocument();
    expect(resolves).toBe(2);
  });

  test('"Start again" after a failure empties the field, focused for the next scan', async () => {
    renderPage(() => ({ error: { code: 'not-found', message: 'Revoked.' } }));
    open();
    fireEvent.click(within(await screen.findByRole('alert')).getByRole('button', { name: 'Start again' }));
    await waitFor(() => expect(field()).toHaveValue(''));
    expect(document.activeElement).toBe(field());
    expect(screen.queryByRole('alert')).toBeNull();
  });

  test('a slow open can be cancelled: the link is kept, and the late answer is ignored', async () => {
    const slow = later<unknown>();
    renderPage((input) => (input.operation === 'resolve' ? slow.promise : {}));
    open();
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(await screen.findByText('Scan or paste the link')).toBeInTheDocument();
    expect(field()).toHaveValue(LINK);
    await act(async () => {
      slow.settle(resolved());
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    expect(screen.queryByText('Choose the patient')).toBeNull();
    expect(field()).toHaveValue(LINK);
  });

  test('a bare health card is opened through the same steps; the review names its issuer', async () => {
    const card = `eyJhbGciOiJFUzI1NiJ9.${'x'.repeat(200)}.${'s'.repeat(86)}`;
    const immunization: Resource = {
      resourceType: 'Immunization',
      id: 'i1',
      status: 'completed',
      patient: { reference: 'Patient/in' },
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '141' }] },
      occurrenceDateTime: '2025-10-15',
    };
    const inputs: Record<string, unknown>[] = [];
    renderPage((input) => {
      inputs.push(input);
      return resolved({
        source: { ...resolved().source, label: 'SMART Health Card', origin: 'https://issuer.example/shc' },
        resources: [patient, immunization],
        healthCards: [
          {
            issuer: 'https://issuer.example/shc',
            issuerName: 'Demo Health Department',
            verified: true,
            trusted: true,
            status: 'verified',
            message: 'Signature verified.',
            resources: ['Patient/in', 'Immunization/i1'],
          },
        ],
      });
    });
    open(shcCodes(card)[0]);
    await toReview();
    expect(inputs.map((i) => i.operation)).toEqual(['resolve']);
    expect(String(inputs[0]?.sealed)).not.toContain('shc:/');
    expect(screen.getByText(/a SMART Health Card from Demo Health Department/)).toBeInTheDocument();
    expect(screen.getByText('Verified card from Demo Health Department (trusted issuer)')).toBeInTheDocument();
    // The bare CVX code 141 read as a vaccine, its status as a word.
    expect(screen.getByText('Flu vaccine (seasonal)')).toBeInTheDocument();
    expect(screen.getByText(/Oct 15, 2025 · Given/)).toBeInTheDocument();
  });
});

describe('review in clinical words', () => {
  test('group titles, statuses and dates with their time; a followed link shows new content first', () => {
    const glucose = (id: string, at: string, value: number): Resource => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      subject: { reference: 'Patient/in' },
      code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
      effectiveDateTime: at,
      valueQuantity: { value, unit: 'mg/dL' },
    });
    const allergy: Resource = {
      resourceType: 'AllergyIntolerance',
      id: 'a1',
      patient: { reference: 'Patient/in' },
      code: { text: 'Penicillin' },
      clinicalStatus: { coding: [{ code: 'active' }] },
    };
    const old = glucose('o1', '2026-01-01T08:00:00Z', 90);
    render(
      <MantineProvider>
        <ReviewStep
          resolved={resolved({ resources: [patient, allergy, old, glucose('o2', '2026-01-01T20:30:00Z', 140)] })}
          seen={[patient, allergy, old].map(fingerprint)}
          into={{
            patient: {
              resourceType: 'Patient',
              name: [{ given: ['Maria'], family: 'López' }],
              birthDate: '1979-08-21',
            },
            isNew: false,
          }}
          onImport={() => undefined}
          onBack={() => undefined}
        />
      </MantineProvider>
    );
    expect(screen.getByLabelText('Whose chart')).toHaveTextContent('Importing into Maria López, born 1979-08-21');
    // The group with the new result comes before the unchanged allergies, and the new result first in it.
    expect(screen.getAllByRole('region').map((r) => r.getAttribute('aria-label'))).toEqual([
      'Results and measurements',
      'Allergies',
    ]);
    const results = within(screen.getByRole('region', { name: 'Results and measurements' }));
    const rows = results.getAllByText(/^Glucose$/).map((e) => e.closest('label')?.textContent ?? '');
    // Each reading with its time (in the reader's time zone), not just the day.
    const time = (iso: string): string =>
      new Date(iso).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
    expect(rows[0]).toContain(`${time('2026-01-01T20:30:00Z')} · 140 mg/dL · Final`);
    expect(rows[0]).toContain('New or changed');
    expect(rows[1]).toContain(`${time('2026-01-01T08:00:00Z')} · 90 mg/dL · Final`);
    expect(rows[1]).toContain('Unchanged');
    expect(screen.getByText('Active')).toBeInTheDocument();
  });
});

describe('importing and done', () => {
  const output: ImportOutput = {
    patient: { reference: 'Patient/p-7' },
    created: ['Condition/c-1', 'Condition/c-2', 'AllergyIntolerance/a-1', 'Binary/b-1', 'Provenance/pr-1'],
    existing: ['Observation/o-1'],
    skipped: [
      { resourceType: 'Bot', id: 'x', reason: 'not patient data' },
      { resourceType: 'Subscription', id: 'y', reason: 'not patient data' },
    ],
    provenance: 'Provenance/pr-1',
    warnings: [],
  };

  test('a long import shows the items written so far; Done says what went into whose chart, in words', async () => {
    const slow = later<unknown>();
    const medplum = new MockClient();
    const asked: string[] = [];
    Object.defineProperty(medplum, 'keyValue', {
      value: {
        get: (key: string) => {
          asked.push(key);
          return Promise.resolve(JSON.stringify({ written: 120, total: 2001 }));
        },
      },
    });
    const inputs = fakeBot(medplum, (input) => (input.operation === 'resolve' ? resolved() : slow.promise));
    renderWith(medplum, <ShlImportPage bot="shl-import" />);
    open();
    await toReview();
    fireEvent.click(screen.getByRole('button', { name: 'Import 1 item' }));
    expect(await screen.findByText('120 of 2,001 items written', { exact: false })).toBeInTheDocument();
    expect(screen.getByText('Importing 1 item into Jessica Argonaut, born 1985-03-15…')).toBeInTheDocument();
    const token = inputs.find((i) => i.operation === 'import')?.progress;
    expect(asked[0]).toBe(`shl-import-progress-${String(token)}`);
    await act(async () => {
      slow.settle(output);
      await Promise.resolve();
    });
    expect(
      await screen.findByText("3 items added to Jessica Argonaut's chart: 2 conditions and 1 allergy.")
    ).toBeInTheDocument();
    expect(
      screen.getByText(/1 item was already in the chart and was not added again \(1 result\)/)
    ).toBeInTheDocument();
    expect(screen.getByText('2 items: not patient data')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: "Open Jessica Argonaut's chart" })).toHaveAttribute('href', '/Patient/p-7');
  });

  test('where progress cannot be read, the page says how many items and the seconds so far', async () => {
    const slow = later<unknown>();
    renderPage((input) => (input.operation === 'resolve' ? resolved() : slow.promise));
    open();
    await toReview();
    fireEvent.click(screen.getByRole('button', { name: 'Import 1 item' }));
    expect(await screen.findByText(/^Working: \d+ s so far\./)).toBeInTheDocument();
    expect(screen.getByRole('status', { name: 'Import progress' })).toHaveTextContent('Importing 1 item into');
  });
});

describe('import from a patient page', () => {
  test('only that patient is offered, already chosen; a link for someone else says so', async () => {
    const medplum = new MockClient();
    const maria: Patient = {
      resourceType: 'Patient',
      id: 'maria',
      name: [{ given: ['Maria'], family: 'López' }],
      birthDate: '1979-08-21',
    };
    const inputs = fakeBot(medplum, (input) =>
      input.operation === 'resolve'
        ? resolved()
        : { patient: { reference: 'Patient/maria' }, created: ['Condition/x'], existing: [], skipped: [], warnings: [] }
    );
    let closed = false;
    renderWith(medplum, <ShlImportModal bot="shl-import" patient={maria} opened onClose={() => (closed = true)} />);
    expect(await screen.findByText("Import a health link into Maria López's chart")).toBeInTheDocument();
    open();
    expect(await screen.findByRole('radio', { name: /Maria López/ })).toBeChecked();
    expect(screen.getAllByRole('radio')).toHaveLength(1);
    expect(screen.queryByRole('search')).toBeNull();
    expect(screen.getByText('Check that this is the right patient')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Import 1 item' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Close' }));
    expect(closed).toBe(true);
    expect(inputs.find((i) => i.operation === 'import')?.patient).toEqual({ reference: 'Patient/maria' });
  });
});
