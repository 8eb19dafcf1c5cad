/**
 * The QR reader in built pages, as staff get them: the standalone shell as `npm run build:app`
 * builds it (in local mode, so that it signs in by itself) and a minimal app that embeds
 * `app/index.ts` with its own plain Vite configuration, as Medplum's Provider app does. Each is
 * built into test-output/built/, served by `vite preview`, and reads a small, blurred code: from
 * a picture in the shell, through Chromium's fake camera in the embedding app. The worker and
 * the .wasm must ship with each build and come from the page's own origin, nowhere else.
 */
import react from '@vitejs/plugin-react';
import type { Browser, Page } from 'playwright-core';
import { readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InlineConfig, PreviewServer } from 'vite';
import { build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LocalMode } from '../../local/local-mode';
import { startLocalMode } from '../../local/local-mode';
import { encodePng } from '../support/png';
import { SMALL_BLURRED_LABEL, SMALL_BLURRED_LINK, smallBlurredFrame } from '../support/small-blurred-code';
import { writeFrameVideo } from './qr-video';
import { launchChromium } from './session';

const OUT = resolve('test-output/built');
const PICTURE = 'test-output/qr-small-blurred.png';

let local: LocalMode;
let browser: Browser;
const servers: PreviewServer[] = [];

beforeAll(async () => {
  local = await startLocalMode();
  const frame = smallBlurredFrame();
  writeFileSync(PICTURE, encodePng(frame));
  const video = 'test-output/qr-small-blurred.y4m';
  writeFrameVideo(frame, video);
  browser = await launchChromium(video);
}, 120_000);

afterAll(async () => {
  await browser.close();
  await Promise.all(servers.map((s) => s.close()));
  await local.close();
});

/** Builds into `outDir`, serves it with `vite preview`, and returns its address. */
async function buildAndServe(config: InlineConfig, outDir: string): Promise<string> {
  await build({ ...config, logLevel: 'silent', build: { ...config.build, outDir, emptyOutDir: true } });
  const server = await preview({ ...config, logLevel: 'silent', build: { outDir } });
  servers.push(server);
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    throw new Error('vite preview gave no address');
  }
  return url;
}

/** A fresh page (camera allowed) that records every request's address. */
async function openRecorded(url: string): Promise<{ page: Page; requests: string[] }> {
  const context = await browser.newContext({ permissions: ['camera'] });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(url);
  await page.getByLabel('SMART Health Link').waitFor({ timeout: 30_000 });
  return { page, requests };
}

async function expectLinkRead(page: Page): Promise<void> {
  await page.getByLabel('Link details').getByText(SMALL_BLURRED_LABEL).waitFor({ timeout: 30_000 });
  expect(await page.getByLabel('SMART Health Link').inputValue()).toBe(SMALL_BLURRED_LINK);
}

/** The one .wasm came from the page's origin, and nothing was fetched from anywhere else. */
function expectServedByItself(url: string, requests: string[], outDir: string): void {
  const origin = new URL(url).origin;
  const wasm = readdirSync(`${outDir}/assets`).filter((f) => f.endsWith('.wasm'));
  expect(wasm).toHaveLength(1);
  expect(requests.filter((r) => r.endsWith('.wasm'))).toEqual([`${origin}/assets/${wasm[0] ?? ''}`]);
  expect(requests.filter((r) => !r.startsWith(origin) && !/^(blob|data):/.test(r))).toEqual([]);
}

describe('QR reader in built pages', () => {
  test('the standalone shell (npm run build:app) reads a small, blurred code from a picture', async () => {
    const outDir = `${OUT}/standalone`;
    process.env.MEDPLUM_LOCAL_MODE = 'true';
    const proxy = { '/fhir': local.api.origin, '/auth': local.api.origin, '/local': local.api.origin };
    const url = await buildAndServe(
      { configFile: 'app/vite.config.ts', preview: { host: '127.0.0.1', port: 0, proxy } },
      outDir
    );
    const { page, requests } = await openRecorded(url);
    await page.locator('input[type=file]').setInputFiles(PICTURE);
    await expectLinkRead(page);
    expectServedByItself(url, requests, outDir);
    await page.context().close();
  }, 120_000);

  test('an app embedding app/index.ts with its own Vite build reads it through the camera', async () => {
    const outDir = `${OUT}/embedded`;
    const url = await buildAndServe(
      {
        configFile: false,
        root: resolve('test/browser/embed-app'),
        plugins: [react()],
        preview: { host: '127.0.0.1', port: 0 },
      },
      outDir
    );
    const { page, requests } = await openRecorded(url);
    await page.getByRole('button', { name: 'Scan with camera' }).click();
    await expectLinkRead(page);
    expectServedByItself(url, requests, outDir);
    await page.context().close();
  }, 120_000);
});
