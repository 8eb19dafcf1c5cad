/**
 * The import pages in real Chromium (Debian's package, driven by playwright-core) against local
 * mode: the paste flow to a chart holding the imported resources, a passcode link with a wrong
 * then the right passcode, and a camera scan through Chromium's fake camera fed a video of a QR
 * code. Screenshots of each step go to test-output/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LocalMode } from '../../app/local/local-mode';
import { startLocalMode } from '../../app/local/local-mode';
import { startLocalApp } from '../../app/local/vite-app';
import QRCode from 'qrcode';
import { writeQrVideo } from './qr-video';

const SHOTS = 'test-output/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let local: LocalMode;
let vite: ViteDevServer;
let url: string;
let browser: Browser;

function link(title: string): string {
  const found = local.links.find((l) => l.title === title);
  if (!found) {
    throw new Error(`no demo link ${title}`);
  }
  return found.shl;
}

async function openPage(): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera'] });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('SMART Health Link').waitFor();
  return page;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  local = await startLocalMode();
  ({ vite, url } = await startLocalApp(local, 0));
  const video = 'test-output/qr.y4m';
  writeQrVideo(link('Direct file (U)'), video);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser.close();
  await vite.close();
  await local.close();
});

describe('import pages in Chromium', () => {
  test('paste a link, keep the new patient, review, import: the chart holds the resources', async () => {
    const page = await openPage();
    await page.screenshot({ path: `${SHOTS}/1-link.png`, fullPage: true });
    await page.getByLabel('SMART Health Link').fill(link('IPS patient summary'));
    await page.getByLabel('Link details').getByText('IPS patient summary').waitFor();
    await page.getByLabel('SMART Health Link').press('Enter');
    await page.getByRole('heading', { name: 'Choose the patient' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/2-patient.png`, fullPage: true });
    await page.getByRole('button', { name: 'Continue to review' }).click();
    await page.getByRole('heading', { name: 'Review what will be imported' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/3-review.png`, fullPage: true });
    await page.getByRole('button', { name: /^Import \d+ resources$/ }).click();
    await page.getByRole('heading', { name: 'Done' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/4-done.png`, fullPage: true });
    const chart =
      (await page
        .getByRole('link', { name: /^Patient\// })
        .first()
        .textContent()) ?? '';
    const conditions = (await (await fetch(`${local.api.origin}/fhir/R4/Condition?patient=${chart}`)).json()) as {
      entry?: unknown[];
    };
    expect(conditions.entry).toHaveLength(2);
    const observations = (await (await fetch(`${local.api.origin}/fhir/R4/Observation?patient=${chart}`)).json()) as {
      entry?: unknown[];
    };
    expect(observations.entry).toHaveLength(2);
    await page.context().close();
  }, 60_000);

  test('a passcode link: a wrong passcode shows the attempts left, the right one opens it', async () => {
    const page = await openPage();
    await page.getByLabel('SMART Health Link').fill(link('Passcode-protected summary'));
    await page.getByRole('button', { name: 'Open link' }).click();
    await page.getByLabel('Passcode', { exact: true }).fill('1111');
    await page.getByRole('button', { name: 'Open link' }).click();
    await page.getByText(/tries left before the link is disabled/).waitFor();
    await page.screenshot({ path: `${SHOTS}/5-wrong-passcode.png`, fullPage: true });
    await page.getByLabel('Passcode', { exact: true }).fill('2468');
    await page.getByRole('button', { name: 'Open link' }).click();
    await page.getByRole('heading', { name: 'Choose the patient' }).waitFor();
    await page.context().close();
  }, 60_000);

  test('a USB scanner typing the link without Enter: the link opens by itself', async () => {
    const page = await openPage();
    await page.getByLabel('SMART Health Link').focus();
    await page.keyboard.type(link('Existing patient'), { delay: 2 });
    await page.getByRole('heading', { name: 'Choose the patient' }).waitFor();
    // The seeded Jessica Argonaut is found and preselected as the single certain match.
    expect(await page.getByRole('radio', { name: /Jessica Argonaut/ }).isChecked()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/7-scanner-certain-match.png`, fullPage: true });
    await page.context().close();
  }, 60_000);

  test('a picture of a QR code is read', async () => {
    const page = await openPage();
    const picture = 'test-output/qr.png';
    await QRCode.toFile(picture, link('Long-lived link'), { errorCorrectionLevel: 'L', width: 1000, margin: 4 });
    await page.locator('input[type=file]').setInputFiles(picture);
    await page.getByLabel('Link details').getByText('Long-lived link').waitFor({ timeout: 30_000 });
    await page.context().close();
  }, 60_000);

  test('a QR code shown to the camera is read', async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Scan with camera' }).click();
    await page.getByLabel('Link details').getByText('Direct file (U)').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${SHOTS}/6-camera.png`, fullPage: true });
    expect(await page.getByLabel('SMART Health Link').inputValue()).toBe(link('Direct file (U)'));
    await page.context().close();
  }, 60_000);
});
