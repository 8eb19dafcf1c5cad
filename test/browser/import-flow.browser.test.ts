/**
 * The import pages in real Chromium (Debian's package, driven by playwright-core) against local
 * mode: the paste flow to a chart holding the imported resources, a passcode link with a wrong
 * then the right passcode, pictures of QR codes (a small, blurred one among them), and a camera
 * scan through Chromium's fake camera fed a video of a QR code. Screenshots of each step go to
 * test-output/screenshots/.
 */
import type { Binary, Bundle, DocumentReference } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import jsQR from 'jsqr';
import { writeFileSync } from 'node:fs';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodePng } from '../support/png';
import { SMALL_BLURRED_LABEL, SMALL_BLURRED_LINK, smallBlurredFrame } from '../support/small-blurred-code';
import { writeQrVideo } from './qr-video';
import type { BrowserSession } from './session';
import { chartOf, SHOTS, startBrowserSession } from './session';

let session: BrowserSession;

async function openPage(): Promise<Page> {
  const page = await session.openPage();
  await page.getByLabel('SMART Health Link').waitFor();
  return page;
}

function link(title: string): string {
  return session.link(title);
}

/** The small, blurred code as a PNG file (lossless: the browser gets the generated pixels). */
function smallBlurredPicture(): string {
  const picture = 'test-output/qr-small-blurred.png';
  writeFileSync(picture, encodePng(smallBlurredFrame()));
  return picture;
}

beforeAll(async () => {
  session = await startBrowserSession({
    cameraVideo: (demoLink) => {
      const video = 'test-output/qr.y4m';
      writeQrVideo(demoLink('Direct file (U)'), video);
      return video;
    },
  });
}, 120_000);

afterAll(async () => {
  await session.close();
});

describe('import pages in Chromium', () => {
  test('paste a link, create the new patient, review, import: the chart holds the resources', async () => {
    const page = await openPage();
    await page.screenshot({ path: `${SHOTS}/1-link.png`, fullPage: true });
    await page.getByLabel('SMART Health Link').fill(link('IPS patient summary'));
    await page.getByLabel('Link details').getByText('IPS patient summary').waitFor();
    await page.getByLabel('SMART Health Link').press('Enter');
    await page.getByRole('heading', { name: 'Choose the patient' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/2-patient.png`, fullPage: true });
    await page.getByLabel("Create a new patient from the link's details").check();
    await page.getByRole('button', { name: 'Continue to review' }).click();
    await page.getByRole('heading', { name: 'Review what will be imported' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/3-review.png`, fullPage: true });
    await page.getByRole('button', { name: 'Import 7 items' }).click();
    await page.getByRole('heading', { name: 'Done' }).waitFor();
    await page.getByText("7 items added to Maria López's chart: 2 conditions, 2 results,", { exact: false }).waitFor();
    await page.screenshot({ path: `${SHOTS}/4-done.png`, fullPage: true });
    const chart = await chartOf(page);
    const conditions = await session.fhir<Bundle>(`Condition?patient=${chart}`);
    expect(conditions.entry).toHaveLength(2);
    const observations = await session.fhir<Bundle>(`Observation?patient=${chart}`);
    expect(observations.entry).toHaveLength(2);
    await page.context().close();
  }, 60_000);

  test('a C-CDA is imported as the document; converting says when the runtime cannot', async () => {
    const page = await openPage();
    await page.getByLabel('SMART Health Link').fill(link('C-CDA visit summary'));
    await page.getByLabel('SMART Health Link').press('Enter');
    await page.getByRole('heading', { name: 'Choose the patient' }).waitFor();
    await page.getByLabel("Create a new patient from the link's details").check();
    await page.getByRole('button', { name: 'Continue to review' }).click();
    // Local mode's bot runs outside a Medplum runtime: no @medplum/ccda to convert with, said in staff words.
    await page.getByRole('button', { name: /^Convert .* into separate entries for review$/ }).click();
    await page.getByText(/^This server cannot turn C-CDA documents into separate entries/).waitFor();
    expect(await page.locator('main').innerText()).not.toMatch(/@medplum\/ccda|runtime/);
    await page.screenshot({ path: `${SHOTS}/13-ccda.png`, fullPage: true });
    await page.getByRole('button', { name: 'Import 1 item' }).click();
    await page.getByRole('heading', { name: 'Done' }).waitFor();
    const chart = await chartOf(page);
    const documents = await session.fhir<Bundle<DocumentReference>>(`DocumentReference?patient=${chart}`);
    const url = documents.entry?.[0]?.resource?.content[0]?.attachment.url ?? '';
    const binary = await session.fhir<Binary>(url);
    expect(binary.contentType).toBe('application/cda+xml');
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
    // No click first: the field has the focus on load.
    await page.keyboard.type(link('Existing patient'), { delay: 2 });
    await page.getByRole('heading', { name: 'Choose the patient' }).waitFor();
    // The seeded Jessica Argonaut is found and preselected as the single certain match.
    expect(await page.getByRole('radio', { name: /Jessica Argonaut/ }).isChecked()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/7-scanner-certain-match.png`, fullPage: true });
    await page.context().close();
  }, 60_000);

  test('pictures of QR codes are read: a close-up, and a large photo with the code small in it', async () => {
    const page = await openPage();
    const pictures: [string, string, { width: number; margin: number }][] = [
      ['test-output/qr.png', 'Long-lived link', { width: 1000, margin: 4 }],
      ['test-output/qr-photo.png', 'IPS patient summary', { width: 3000, margin: 60 }],
    ];
    for (const [picture, title, size] of pictures) {
      await QRCode.toFile(picture, link(title), { errorCorrectionLevel: 'L', ...size });
      await page.locator('input[type=file]').setInputFiles(picture);
      await page.getByLabel('Link details').getByText(title).waitFor({ timeout: 30_000 });
      expect(await page.getByLabel('SMART Health Link').inputValue()).toBe(link(title));
    }
    await page.context().close();
  }, 60_000);

  test('a small, blurred code that jsQR misses is read from a picture, the decoder served by the app itself', async () => {
    const frame = smallBlurredFrame();
    // The same pixels as the browser gets (PNG is lossless): jsQR, the previous decoder, misses them.
    expect(jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'attemptBoth' })).toBeNull();
    const picture = smallBlurredPicture();
    const page = await openPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.locator('input[type=file]').setInputFiles(picture);
    await page.getByLabel('Link details').getByText(SMALL_BLURRED_LABEL).waitFor({ timeout: 30_000 });
    expect(await page.getByLabel('SMART Health Link').inputValue()).toBe(SMALL_BLURRED_LINK);
    const origin = new URL(session.url).origin;
    expect(requests.filter((url) => url.endsWith('.wasm')).map((url) => new URL(url).origin)).toEqual([origin]);
    expect(requests.filter((url) => !url.startsWith(origin) && !/^(blob|data):/.test(url))).toEqual([]);
    await page.context().close();
  }, 60_000);

  test('when the .wasm cannot be fetched the page says so, and the next try fetches it again', async () => {
    const page = await openPage();
    const picture = smallBlurredPicture();
    await page.route('**/*.wasm', (route) => route.abort());
    await page.locator('input[type=file]').setInputFiles(picture);
    await page
      .getByRole('alert')
      .getByText(/^The QR reader could not be loaded/)
      .waitFor({ timeout: 30_000 });
    await page.unroute('**/*.wasm');
    await page.locator('input[type=file]').setInputFiles([]);
    await page.locator('input[type=file]').setInputFiles(picture);
    await page.getByLabel('Link details').getByText(SMALL_BLURRED_LABEL).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('alert').count()).toBe(0);
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
