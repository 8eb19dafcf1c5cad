/**
 * Kiosk check-in, the staff review queue and following a long-lived link, in real Chromium
 * against local mode: a patient checks in at the kiosk and sees no health data; staff finish the
 * queued check-in with the normal flow; staff follow a long-lived link, the sender adds a result,
 * "Check now" queues it, and the review shows what changed for the followed patient. This
 * session's Chromium has no camera at all, which the scanner must say plainly.
 */
import type { Bundle, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrowserSession } from './session';
import { chartOf, SHOTS, startBrowserSession } from './session';

let session: BrowserSession;

beforeAll(async () => {
  session = await startBrowserSession();
}, 120_000);

afterAll(async () => {
  await session.close();
});

describe('check-in and following in Chromium', () => {
  test('a kiosk check-in is queued without showing health data; staff finish it from the queue', async () => {
    const kiosk = await session.openPage('kiosk');
    await kiosk.getByLabel('Your health link or QR code').fill(session.link('Existing patient'));
    // The patient sees no sender address, before or after.
    expect(await kiosk.locator('main').innerText()).not.toMatch(/127\.0\.0\.1|http/);
    await kiosk.getByRole('button', { name: 'Check in' }).click();
    await kiosk.getByText(/you are checked in\. Please take a seat: a staff member/).waitFor();
    await kiosk.screenshot({ path: `${SHOTS}/8-kiosk-thanks.png`, fullPage: true });
    const shown = await kiosk.locator('main').innerText();
    expect(shown).not.toMatch(/Argonaut|Asthma|Hypertension|127\.0\.0\.1/);
    // A public screen: no way from it to the staff pages.
    expect(await kiosk.getByRole('link', { name: 'Check-ins to review' }).count()).toBe(0);
    await kiosk.context().close();

    const queue = await session.openPage('queue');
    await queue.getByRole('heading', { name: 'Check-ins to review' }).waitFor();
    // Said by who it is and how long they have waited, not by the sender's address.
    const row = queue.getByRole('article', { name: 'Jessica Argonaut, born 1985-03-15' });
    await row.getByText(/^Waiting (just now|\d+ min)$/).waitFor();
    await row.getByText(/^Check-in: Existing patient\./).waitFor();
    expect(await queue.locator('main').innerText()).not.toMatch(/127\.0\.0\.1/);
    await queue.screenshot({ path: `${SHOTS}/9-queue.png`, fullPage: true });
    await queue.getByRole('button', { name: 'Review' }).click();
    await queue.getByRole('heading', { name: 'Choose the patient' }).waitFor();
    // The kiosk's single certain match is the Task's patient, chosen already.
    expect(await queue.getByRole('radio', { name: /Jessica Argonaut/ }).isChecked()).toBe(true);
    await queue.getByRole('button', { name: 'Continue to review' }).click();
    await queue.getByRole('button', { name: /^Import \d+ items$/ }).click();
    await queue.getByRole('heading', { name: 'Done' }).waitFor();
    await queue.getByRole('button', { name: 'Back to the queue' }).click();
    await queue.getByText('Nothing to review.').waitFor();

    const tasks = await session.fhir<Bundle>('Task?status=completed');
    const done = tasks.entry?.map((e) => e.resource as Task).find((t) => t.description?.startsWith('Check-in'));
    expect(done?.output?.[0]?.valueReference?.reference).toBe(done?.for?.reference);
    const conditions = await session.fhir<Bundle>(`Condition?patient=${done?.for?.reference ?? 'none'}`);
    expect(conditions.entry).toHaveLength(2);
    await queue.context().close();
  }, 90_000);

  test('follow a long-lived link: a new result is found by "Check now" and reviewed as what changed', async () => {
    const page = await session.openPage();
    await page.getByLabel('SMART Health Link').fill(session.link('Long-lived link'));
    await page.getByLabel('SMART Health Link').press('Enter');
    await page.getByRole('heading', { name: 'Choose the patient' }).waitFor();
    await page.getByLabel("Create a new patient from the link's details").check();
    await page.getByRole('button', { name: 'Continue to review' }).click();
    await page.getByRole('radio', { name: 'Yes, queue changes for review' }).check();
    await page.screenshot({ path: `${SHOTS}/10-follow-choice.png`, fullPage: true });
    await page.getByRole('button', { name: /^Import \d+ items$/ }).click();
    await page.getByRole('heading', { name: 'Done' }).waitFor();
    const chart = await chartOf(page);
    // The sender adds a result, as the patient's app would (local mode's demo button).
    await page.getByRole('button', { name: /^Sender adds a lab result/ }).click();
    await page.getByRole('button', { name: 'Sender adds a lab result (1 added)' }).waitFor();
    await page.context().close();

    const queue = await session.openPage('queue');
    await queue.getByText(/^Following Long-lived link/).waitFor();
    await queue.getByText('Maria López, born 1979-08-21').waitFor();
    await queue.getByRole('button', { name: 'Check now' }).click();
    await queue.getByText('New content was found and is listed above for review.').waitFor();
    await queue.getByText(/: 1 new or changed item, 0 items no longer shared\.$/).waitFor();
    await queue.screenshot({ path: `${SHOTS}/11-queue-followed.png`, fullPage: true });
    await queue.getByRole('button', { name: 'Review' }).click();
    await queue.getByRole('heading', { name: 'Choose the patient' }).waitFor();
    expect(await queue.getByRole('radio', { name: /Patient this is for/i }).isChecked()).toBe(true);
    await queue.getByRole('button', { name: 'Continue to review' }).click();
    await queue.getByRole('heading', { name: 'Review what will be imported' }).waitFor();
    await queue.getByText(/^1 new or changed, 0 no longer shared\./).waitFor();
    // Already followed: not offered again.
    expect(await queue.getByText('Keep following it?', { exact: false }).count()).toBe(0);
    // The new result comes first: its group before the unchanged ones, and first in it.
    const regions = await queue.getByRole('region').evaluateAll((all) => all.map((r) => r.getAttribute('aria-label')));
    expect(regions[0]).toBe('Results and measurements');
    const observations = queue.getByRole('region', { name: 'Results and measurements' });
    expect(await observations.getByText('New or changed').count()).toBe(1);
    expect(await observations.locator('label').nth(1).innerText()).toMatch(/new or changed/i);
    await queue.screenshot({ path: `${SHOTS}/12-review-changes.png`, fullPage: true });
    await queue.getByRole('button', { name: /^Import \d+ items$/ }).click();
    await queue.getByRole('heading', { name: 'Done' }).waitFor();

    // Only the new result was added to the chart; nothing already there was duplicated.
    const after = await session.fhir<Bundle>(`Observation?patient=${chart}`);
    const codes = after.entry?.map(
      (e) => (e.resource as { code?: { coding?: { code?: string }[] } }).code?.coding?.[0]?.code
    );
    expect(codes?.sort()).toEqual(['2339-0', '4548-4', '8480-6']);

    await queue.getByRole('button', { name: 'Back to the queue' }).click();
    await queue.getByRole('button', { name: 'Stop following' }).click();
    await queue.getByText('No link is being followed.').waitFor();
    await queue.context().close();
  }, 90_000);

  test('with no camera attached, the scanner says so and points to the other ways', async () => {
    const page = await session.openPage();
    await page.getByRole('button', { name: 'Scan with camera' }).click();
    await page
      .getByRole('alert')
      .getByText(/^No camera was found/)
      .waitFor();
    expect(await page.getByRole('alert').innerText()).toMatch(/scan a picture|paste the link/i);
    await page.context().close();
  }, 60_000);
});
