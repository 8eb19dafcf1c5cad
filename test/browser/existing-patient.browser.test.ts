/**
 * In real Chromium against local mode: what the bot refuses and what it links, said to staff.
 * A link whose person is already on file, imported again as a new patient, is refused with that
 * patient's name and birth date; "Use that patient" imports into the existing chart, and "This is
 * a different person" creates a second record only after an explicit confirmation. The link's
 * clinician, already on file by NPI, is shown in review as linked, not duplicated.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrowserSession } from './session';
import { chartOf, SHOTS, startBrowserSession } from './session';

let session: BrowserSession;
let shl: string;

const NPI = '1234567893';

/** Maria López's summary with the clinician who recorded her blood pressure. */
function mariaWithClinician(): string {
  const resources: Resource[] = [
    {
      resourceType: 'Patient',
      id: 'p1',
      name: [{ given: ['Maria'], family: 'López' }],
      birthDate: '1979-08-21',
      telecom: [{ system: 'phone', value: '+1 555 0100' }],
    },
    {
      resourceType: 'Practitioner',
      id: 'dr1',
      identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: NPI }],
      name: [{ prefix: ['Dr.'], given: ['Ana'], family: 'Ruiz' }],
    },
    {
      resourceType: 'Condition',
      id: 'c1',
      subject: { reference: 'Patient/p1' },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension' }] },
      onsetDateTime: '2019-03-12',
    },
    {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      subject: { reference: 'Patient/p1' },
      performer: [{ reference: 'Practitioner/dr1' }],
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
      effectiveDateTime: '2026-10-01T09:30:00Z',
      valueQuantity: { value: 128, unit: 'mmHg' },
    },
  ];
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id ?? ''}`, resource })),
  });
}

beforeAll(async () => {
  session = await startBrowserSession();
  const link = await session.local.sender.createLink({
    files: [{ content: mariaWithClinician(), contentType: 'application/fhir+json' }],
    label: 'Summary with clinician',
  });
  shl = link.shl;
}, 120_000);

afterAll(async () => {
  await session.close();
});

/** Opens the link and goes to review with "Create a new patient" chosen explicitly. */
async function reviewAsNew(): Promise<Page> {
  const page = await session.openPage();
  await page.addStyleTag({ content: 'section[aria-label="Demo links"] { display: none }' });
  await page.getByLabel('SMART Health Link').fill(shl);
  await page.getByLabel('SMART Health Link').press('Enter');
  await page.getByLabel("Create a new patient from the link's details").check();
  await page.getByRole('button', { name: 'Continue to review' }).click();
  await page.getByRole('heading', { name: 'Review what will be imported' }).waitFor();
  return page;
}

async function count(query: string): Promise<number> {
  return (await session.fhir<Bundle>(query)).entry?.length ?? 0;
}

describe('a person already on file', () => {
  test('refused as a new patient: "Use that patient", or "This is a different person" after confirming; the clinician is linked', async () => {
    const first = await reviewAsNew();
    // Nothing of the link is on this server yet.
    expect(await first.getByRole('alert', { name: 'Already on file' }).count()).toBe(0);
    await first.getByRole('button', { name: 'Import 3 items' }).click();
    await first.getByRole('heading', { name: 'Done' }).waitFor();
    const maria = await chartOf(first);
    await first.context().close();
    expect(await count(`Practitioner?identifier=${NPI}`)).toBe(1);

    // The same link again, staff choosing "new patient" by mistake.
    const page = await reviewAsNew();
    const onFile = page.getByRole('alert', { name: 'Already on file' });
    await onFile.getByText('Already on file, will be linked, not duplicated').waitFor();
    await onFile.getByText(`(NPI ${NPI})`, { exact: false }).waitFor();
    await page
      .getByRole('region', { name: /clinician/i })
      .getByText('Already on file: will be linked, not duplicated')
      .waitFor();
    await page.getByRole('button', { name: 'Import 3 items' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Maria López (born 1979-08-21) is already on file' });
    await refusal.waitFor();
    // Staff words: no ids, no codes.
    expect(await refusal.innerText()).not.toMatch(/Patient\/|invalid-input/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}/24-already-on-file.png`, fullPage: true });
    await refusal.getByRole('button', { name: 'Use that patient' }).click();
    await page.getByRole('heading', { name: 'Done' }).waitFor();
    expect(await chartOf(page)).toBe(maria);
    await page.context().close();
    expect(await count('Patient?family=López')).toBe(1);
    // The clinician was linked, not copied.
    expect(await count(`Practitioner?identifier=${NPI}`)).toBe(1);

    // A twin: a second record, only once staff confirm.
    const twin = await reviewAsNew();
    await twin.getByRole('button', { name: 'Import 3 items' }).click();
    const again = twin.getByRole('alert').filter({ hasText: 'is already on file' });
    await again.getByRole('button', { name: 'This is a different person' }).click();
    expect(await count('Patient?family=López')).toBe(1);
    await again.getByRole('button', { name: 'Yes, create a new patient record' }).click();
    await twin.getByRole('heading', { name: 'Done' }).waitFor();
    expect(await chartOf(twin)).not.toBe(maria);
    expect(await count('Patient?family=López')).toBe(2);
    await twin.context().close();
  }, 180_000);
});
