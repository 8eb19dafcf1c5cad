// @vitest-environment jsdom
/**
 * The import page's steps with Testing Library, against Medplum's MockClient with a
 * `Bot/:id/$execute` route that answers like the bot.
 */
import { MantineProvider } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import type { ImportOutput, PatientMatch } from '../../bots/contract';
import { ShlImportPage } from '../../app/ShlImportPage';
import { PatientStep } from '../../app/components/PatientStep';
import { ReviewStep } from '../../app/components/ReviewStep';
import { encodeShlink } from '../../local/shl-sender';
import { ERROR_TITLES } from '../../app/error-messages';
import { fakeBot, patient, renderWith, resolved } from './fake-bot';

const KEY = 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q';

type Answer = (input: Record<string, unknown>) => unknown;

function renderPage(answer: Answer): { inputs: Record<string, unknown>[] } {
  const medplum = new MockClient();
  const inputs = fakeBot(medplum, answer);
  renderWith(medplum, <ShlImportPage bot="shl-import" />);
  return { inputs };
}

function paste(text: string): void {
  fireEvent.change(screen.getByLabelText('SMART Health Link'), { target: { value: text } });
}

afterEach(() => {
  cleanup();
});

describe('ShlImportPage', () => {
  test('shows what a pasted link says before sending anything; a bad link says why', async () => {
    const { inputs } = renderPage(() => resolved());
    paste('hello');
    expect(await screen.findByText(/not a SMART Health Link/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open link' })).toBeDisabled();
    paste(encodeShlink({ url: 'https://sender.example/m', key: KEY, label: 'Visit summary', flag: 'LP', exp: 1000 }));
    expect(await screen.findByText('Visit summary')).toBeInTheDocument();
    expect(screen.getByText('Passcode')).toBeInTheDocument();
    expect(screen.getByText(/Expired/)).toBeInTheDocument();
    expect(inputs).toEqual([]);
  });

  test('the whole flow: link, patient, review, done; the link is sent sealed only', async () => {
    const shl = encodeShlink({ url: 'https://sender.example/m', key: KEY, label: 'Visit summary' });
    const output: ImportOutput = {
      patient: { reference: 'Patient/new-1' },
      created: ['Patient/new-1', 'Condition/c-9'],
      existing: [],
      skipped: [],
      provenance: 'Provenance/p-1',
      warnings: [],
    };
    const { inputs } = renderPage((input) => (input.operation === 'resolve' ? resolved() : output));
    paste(shl);
    fireEvent.keyDown(screen.getByLabelText('SMART Health Link'), { key: 'Enter' });
    expect(await screen.findByText('Choose the patient')).toBeInTheDocument();
    // Nobody is chosen for staff: continuing waits for a choice.
    expect(screen.getByRole('button', { name: 'Continue to review' })).toBeDisabled();
    fireEvent.click(screen.getByLabelText("Create a new patient from the link's details"));
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    expect(await screen.findByText('Asthma')).toBeInTheDocument();
    expect(screen.getByLabelText('Whose chart')).toHaveTextContent(
      'Importing into a new patient record: Jessica Argonaut, born 1985-03-15'
    );
    fireEvent.click(screen.getByRole('button', { name: 'Import 1 item' }));
    expect(await screen.findByText("1 item added to Jessica Argonaut's chart: 1 condition.")).toBeInTheDocument();
    expect(screen.getByRole('link', { name: "Open Jessica Argonaut's chart" })).toHaveAttribute(
      'href',
      '/Patient/new-1'
    );
    // A hand-off, not a list of ids.
    expect(screen.queryByText(/Provenance|Condition\/c-9|Patient\/new-1/)).toBeNull();
    expect(inputs.find((i) => i.operation === 'import')?.progress).toMatch(/^[0-9a-f-]{36}$/);
    const sent = JSON.stringify(inputs);
    expect(sent).not.toContain(KEY);
    expect(sent).not.toContain(shl.slice(8));
    expect(inputs.find((i) => i.operation === 'resolve')?.sealed).toMatch(/^ey[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(inputs.find((i) => i.operation === 'import')).toMatchObject({
      patient: { create: { resourceType: 'Patient' } },
    });
  });

  test('a C-CDA document is converted on request: its resources join the review, selected and marked', async () => {
    const ccd = {
      resourceType: 'DocumentReference' as const,
      id: 'ccd',
      status: 'current' as const,
      description: 'Visit summary (C-CDA)',
      content: [
        {
          attachment: { contentType: 'application/cda+xml', data: btoa('<ClinicalDocument xmlns="urn:hl7-org:v3"/>') },
        },
      ],
    };
    const converted = {
      resourceType: 'AllergyIntolerance',
      id: 'a-from-ccd',
      patient: { reference: 'Patient/in' },
      code: { text: 'Penicillin G' },
      meta: { tag: [{ system: 'https://smarthealthit.org/shl-import/source', code: 'converted-from-ccda' }] },
    };
    let conversions = 0;
    const { inputs } = renderPage((input) => {
      if (input.operation === 'resolve') {
        return resolved({ resources: [patient, ccd] });
      }
      if (input.operation === 'convert-ccda') {
        conversions++;
        return conversions === 1
          ? { error: { code: 'not-configured', message: 'C-CDA conversion needs @medplum/ccda.' } }
          : { resources: [converted], warnings: ["The C-CDA document's patient has another birth date."] };
      }
      return { patient: { reference: 'Patient/new' }, created: [], existing: [], skipped: [], warnings: [] };
    });
    paste(encodeShlink({ url: 'https://sender.example/m', key: KEY }));
    fireEvent.keyDown(screen.getByLabelText('SMART Health Link'), { key: 'Enter' });
    fireEvent.click(await screen.findByLabelText("Create a new patient from the link's details"));
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    const convert = await screen.findByRole('button', { name: /^Convert .* into separate entries for review$/ });
    // A failure says why in staff words (not the runtime's parts), next to the document, and loses nothing.
    fireEvent.click(convert);
    expect(
      await screen.findByText(/^This server cannot turn C-CDA documents into separate entries/)
    ).toBeInTheDocument();
    expect(screen.queryByText(/@medplum\/ccda|runtime/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Import 1 item' })).toBeInTheDocument();
    fireEvent.click(convert);
    expect(await screen.findByText('Penicillin G')).toBeInTheDocument();
    expect(screen.getByText('Converted from C-CDA')).toBeInTheDocument();
    expect(screen.getByText("The C-CDA document's patient has another birth date.")).toBeInTheDocument();
    expect(inputs.filter((i) => i.operation === 'convert-ccda').at(-1)).toMatchObject({ document: ccd, patient });
    fireEvent.click(await screen.findByRole('button', { name: 'Import 2 items' }));
    await waitFor(() => {
      expect(inputs.find((i) => i.operation === 'import')?.resources).toEqual([patient, ccd, converted]);
    });
  });

  test('an L link offers to keep following it; the choice is sent with the sealed input', async () => {
    const shl = encodeShlink({ url: 'https://sender.example/m', key: KEY, flag: 'L' });
    const output: ImportOutput = {
      patient: { reference: 'Patient/new-1' },
      created: ['Patient/new-1'],
      existing: [],
      skipped: [],
      warnings: [],
    };
    const { inputs } = renderPage((input) =>
      input.operation === 'resolve' ? resolved({ source: { ...resolved().source, flags: 'L' } }) : output
    );
    paste(shl);
    fireEvent.click(screen.getByRole('button', { name: 'Open link' }));
    fireEvent.click(await screen.findByLabelText("Create a new patient from the link's details"));
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    fireEvent.click(await screen.findByLabelText('Yes, queue changes for review'));
    fireEvent.click(screen.getByRole('button', { name: 'Import 1 item' }));
    await screen.findByText(/New chart created/);
    const sent = inputs.find((i) => i.operation === 'import') as { follow?: { sealed: string; auto: boolean } };
    expect(sent.follow?.auto).toBe(false);
    expect(sent.follow?.sealed).toBe(inputs.find((i) => i.operation === 'resolve')?.sealed);
    expect(JSON.stringify(inputs)).not.toContain(KEY);
  });

  test('a passcode link asks for the passcode, shows attempts left after a wrong one, and never retries', async () => {
    const shl = encodeShlink({ url: 'https://sender.example/m', key: KEY, flag: 'P' });
    let resolves = 0;
    renderPage(() => {
      resolves++;
      return resolves === 1 ? { error: { code: 'passcode-invalid', message: 'no', remainingAttempts: 2 } } : resolved();
    });
    paste(shl);
    fireEvent.click(screen.getByRole('button', { name: 'Open link' }));
    const passcode = await screen.findByLabelText(/Passcode/);
    fireEvent.change(passcode, { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open link' }));
    expect(await screen.findByText(/2 tries left/)).toBeInTheDocument();
    expect(resolves).toBe(1);
    fireEvent.change(screen.getByLabelText(/Passcode/), { target: { value: 'right' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open link' }));
    expect(await screen.findByText('Choose the patient')).toBeInTheDocument();
    expect(resolves).toBe(2);
  });

  test.each(Object.entries(ERROR_TITLES).filter(([code]) => !code.startsWith('passcode')))(
    'error %s is shown in plain words',
    async (code, title) => {
      renderPage(() => ({ error: { code, message: `Because ${code}.` } }));
      paste(encodeShlink({ url: 'https://sender.example/m', key: KEY }));
      fireEvent.click(screen.getByRole('button', { name: 'Open link' }));
      expect(await screen.findByText(title)).toBeInTheDocument();
      expect(screen.getByText(`Because ${code}.`)).toBeInTheDocument();
    }
  );
});

describe('PatientStep', () => {
  const twin: Patient = {
    resourceType: 'Patient',
    id: 'p2',
    name: [{ given: ['Jessie'], family: 'Argonaut' }],
    birthDate: '1985-05-13',
    identifier: [
      { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, value: 'MRN-88' },
    ],
  };

  function renderStep(matches: PatientMatch[]): { chosen: () => unknown } {
    let chosen: unknown;
    render(
      <MantineProvider>
        <PatientStep incoming={patient} matches={matches} onChoose={(c) => (chosen = c)} onBack={() => undefined} />
      </MantineProvider>
    );
    return { chosen: () => chosen };
  }

  test('a single certain match is preselected; grades in words, the rule only on demand; differences and MRN shown', async () => {
    const { chosen } = renderStep([
      {
        patient: {
          resourceType: 'Patient',
          id: 'p1',
          name: [{ given: ['Jessica'], family: 'Argonaut' }],
          birthDate: '1985-03-15',
        },
        grade: 'certain',
        score: 1,
        basis: 'CMS rule CMS-11 (exact)',
      },
      { patient: twin, grade: 'possible', score: 0.5, basis: 'evidence 6' },
    ]);
    expect(screen.getByRole('radio', { name: /Jessica Argonaut/ })).toBeChecked();
    expect(screen.getByText('Same person')).toBeInTheDocument();
    expect(screen.getByText('Possibly the same person')).toBeInTheDocument();
    expect(screen.queryByText(/CMS-11|evidence 6|score|0\.5/)).toBeNull();
    const twinTable = within(screen.getByRole('table', { name: 'Jessie Argonaut beside the link' }));
    const birth = twinTable.getByText('Birth date').closest('tr') as HTMLElement;
    expect(birth).toHaveTextContent('1985-05-131985-03-15 (differs)');
    expect(twinTable.getByText('MRN-88')).toBeInTheDocument();
    fireEvent.click(screen.getAllByRole('button', { name: 'Why?' })[0] as HTMLElement);
    expect(screen.getByText('Matching rule: CMS rule CMS-11 (exact)')).toBeInTheDocument();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
      await Promise.resolve();
    });
    expect(chosen()).toEqual({ reference: 'Patient/p1' });
  });

  test('a probable candidate: nothing is chosen, a warning says a record like this exists, Continue waits', () => {
    const { chosen } = renderStep([{ patient: twin, grade: 'probable', score: 0.8, basis: 'evidence 8.0' }]);
    expect(screen.getByText('A record like this one may already exist')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: /Jessie Argonaut/ })).not.toBeChecked();
    expect(screen.getByLabelText("Create a new patient from the link's details")).not.toBeChecked();
    expect(screen.getByRole('button', { name: 'Continue to review' })).toBeDisabled();
    fireEvent.click(screen.getByLabelText("Create a new patient from the link's details"));
    expect(screen.getByText('A similar record exists: make sure this is a different person.')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('radio', { name: /Jessie Argonaut/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Continue to review' }));
    expect(chosen()).toEqual({ reference: 'Patient/p2' });
  });
});

describe('ReviewStep', () => {
  test('groups by type, select none per group, 5,000 resources paginated', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({
      resourceType: 'Observation' as const,
      id: `o${i}`,
      status: 'final' as const,
      code: { text: `Glucose ${i}` },
      subject: { reference: 'Patient/in' },
    }));
    let imported: unknown[] = [];
    render(
      <MantineProvider>
        <ReviewStep
          resolved={resolved({ resources: [patient, ...many], warnings: ['The link holds 2 patients'] })}
          onImport={(r) => (imported = r)}
          onBack={() => undefined}
        />
      </MantineProvider>
    );
    expect(screen.getByText('Results and measurements (5,000 of 5,000 selected)')).toBeInTheDocument();
    // One checkbox for the group, 25 for the page shown.
    expect(screen.getAllByRole('checkbox')).toHaveLength(26);
    expect(screen.getByText('The link holds 2 patients')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('checkbox', { name: 'All 5,000 results' }));
    expect(await screen.findByText('Results and measurements (0 of 5,000 selected)')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Import 0 items' })).toBeDisabled();
    fireEvent.click(screen.getAllByRole('checkbox')[1] as HTMLElement);
    fireEvent.click(screen.getByRole('button', { name: 'Import 1 item' }));
    await waitFor(() => expect(imported).toHaveLength(2));
  });
});

describe('summaries', () => {
  test('an Endpoint is shown for what it is, its address as text', () => {
    render(
      <MantineProvider>
        <ReviewStep
          resolved={resolved({
            resources: [
              patient,
              {
                resourceType: 'Endpoint',
                id: 'e',
                status: 'active',
                connectionType: { code: 'SMART-on-FHIR' },
                payloadType: [],
                address: 'https://ehr.example/fhir',
              },
            ],
          })}
          onImport={() => undefined}
          onBack={() => undefined}
        />
      </MantineProvider>
    );
    expect(screen.getByText('SMART on FHIR connection offered by the sender')).toBeInTheDocument();
    expect(screen.getByText('https://ehr.example/fhir')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /ehr.example/ })).toBeNull();
  });
});
