/**
 * `npm run screenshots`: the pictures of README's "Using it" (docs/images/), taken in Chromium
 * against local mode at desktop width and at 390 px (a phone): the link step, the patient
 * choice, the review, done, the queue and the kiosk. Run it after changing how the pages look.
 */
import type { Page } from 'playwright-core';
import type { BrowserSession } from './session';
import { startBrowserSession } from './session';

const OUT = 'docs/images';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
}

async function importFlow(session: BrowserSession, width: 'desktop' | 'phone'): Promise<void> {
  const page = await session.openPage('', width === 'phone' ? PHONE : DESKTOP);
  await page.getByLabel('SMART Health Link').waitFor();
  await page.addStyleTag({ content: 'section[aria-label="Demo links"] { display: none }' });
  await shot(page, `${width}-1-scan`);
  await page.getByLabel('SMART Health Link').fill(session.link('Existing patient'));
  await page.getByLabel('SMART Health Link').press('Enter');
  await page.getByRole('heading', { name: 'Choose the patient' }).waitFor();
  await shot(page, `${width}-2-patient`);
  await page.getByRole('button', { name: 'Continue to review' }).click();
  await page.getByRole('heading', { name: 'Review what will be imported' }).waitFor();
  await shot(page, `${width}-3-review`);
  await page.getByRole('button', { name: /^Import \d+ items?$/ }).click();
  await page.getByRole('heading', { name: 'Done' }).waitFor();
  await shot(page, `${width}-4-done`);
  await page.context().close();
}

const session = await startBrowserSession();
try {
  await importFlow(session, 'desktop');
  await importFlow(session, 'phone');
  const kiosk = await session.openPage('kiosk', PHONE);
  await kiosk.getByLabel('Your health link or QR code').fill(session.link('Existing patient'));
  await kiosk.getByRole('button', { name: 'Check in' }).click();
  await kiosk.getByText(/you are checked in/).waitFor();
  await shot(kiosk, 'phone-5-kiosk');
  await kiosk.context().close();
  const queue = await session.openPage('queue', DESKTOP);
  await queue.getByRole('button', { name: 'Review' }).first().waitFor();
  await shot(queue, 'desktop-5-queue');
  await queue.context().close();
  console.log(`Screenshots written to ${OUT}/`);
} finally {
  await session.close();
}
