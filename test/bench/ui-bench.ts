/**
 * From submitting a 1,000-resource link to the review step rendered, in local mode in Debian's
 * Chromium: resolve (submit -> patient step) and review (continue -> review rendered), medians.
 */
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startLocalMode } from '../../local/local-mode';
import { startLocalApp } from '../../local/vite-app';
import { observationBundle } from './fixtures';
import { median } from './measure';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface UiFigures {
  resolveMs: number;
  reviewMs: number;
  totalMs: number;
}

export async function benchUi(rounds: number): Promise<UiFigures | undefined> {
  if (!existsSync(CHROMIUM)) {
    return undefined;
  }
  const local = await startLocalMode();
  const { vite, url } = await startLocalApp(local, 0);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  try {
    const content = JSON.stringify(observationBundle(999));
    const link = await local.sender.createLink({
      files: [{ content, contentType: 'application/fhir+json', zip: true, delivery: 'location' }],
      label: 'Bench 1,000',
    });
    const resolve: number[] = [];
    const review: number[] = [];
    const total: number[] = [];
    for (let round = 0; round < rounds + 1; round++) {
      const page = await browser.newPage();
      await page.goto(url);
      const field = page.getByLabel('SMART Health Link');
      await field.fill(link.shl);
      await page.getByLabel('Link details').waitFor();
      const start = performance.now();
      await field.press('Enter');
      await page.getByRole('button', { name: 'Continue to review' }).waitFor();
      const resolved = performance.now();
      await page.getByRole('button', { name: 'Continue to review' }).click();
      await page.getByRole('button', { name: /^Import 999 resources$/ }).waitFor();
      const reviewed = performance.now();
      if (round > 0) {
        resolve.push(resolved - start);
        review.push(reviewed - resolved);
        total.push(reviewed - start);
      }
      await page.close();
    }
    return { resolveMs: median(resolve), reviewMs: median(review), totalMs: median(total) };
  } finally {
    await browser.close();
    await vite.close();
    await local.close();
  }
}
