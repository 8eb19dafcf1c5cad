/**
 * The pages in local mode in Debian's Chromium, for a link of 1,000 and of 5,000 resources:
 * submit -> patient step (resolve), continue -> review rendered, and import (the Import click
 * -> Done). Each round's link names a patient of its own, chosen as a new patient, so every
 * import writes all of its items (nothing already on file). Medians over the rounds; the first
 * round of the first size warms up and is not counted.
 */
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startLocalMode } from '../../local/local-mode';
import { startLocalApp } from '../../local/vite-app';
import { observationBundle } from './fixtures';
import { median } from './measure';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FAMILIES = ['Okafor', 'Lindqvist', 'Tanaka', 'Moreau', 'Kowalski', 'Haddad', 'Novak', 'Silva', 'Byrne', 'Patel'];
const GIVEN = ['Ada', 'Bruno', 'Chiara', 'Dmitri', 'Esme', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kira'];

export interface UiFigures {
  /** Resources in the link, its patient included. */
  resources: number;
  rounds: number;
  resolveMs: number;
  reviewMs: number;
  totalMs: number;
  importMs: number;
}

/** `rounds` per size, e.g. `[[1000, 3], [5000, 1]]`. */
export async function benchUi(sizes: readonly (readonly [number, number])[]): Promise<UiFigures[] | undefined> {
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
  let link = 0;
  try {
    const figures: UiFigures[] = [];
    for (const [index, [resources, rounds]] of sizes.entries()) {
      const times = { resolve: [] as number[], review: [] as number[], total: [] as number[], import: [] as number[] };
      const warmup = index === 0 ? 1 : 0;
      for (let round = 0; round < rounds + warmup; round++) {
        const bundle = observationBundle(resources - 1);
        const patient = bundle.entry?.[0]?.resource;
        if (patient?.resourceType === 'Patient') {
          // Another person every round (name and birth date): never "already on file".
          link++;
          patient.name = [
            { family: FAMILIES[link % FAMILIES.length] ?? 'Bench', given: [GIVEN[link % GIVEN.length] ?? 'Ann'] },
          ];
          patient.birthDate = new Date(Date.UTC(1940, 0, 1) + link * 400 * 86_400_000).toISOString().slice(0, 10);
        }
        const shared = await local.sender.createLink({
          files: [
            { content: JSON.stringify(bundle), contentType: 'application/fhir+json', zip: true, delivery: 'location' },
          ],
          label: `Bench ${String(resources)}`,
        });
        const page = await browser.newPage();
        await page.goto(url);
        const field = page.getByLabel('SMART Health Link');
        await field.fill(shared.shl);
        await page.getByLabel('Link details').waitFor();
        const start = performance.now();
        await field.press('Enter');
        const createNew = page.getByLabel("Create a new patient from the link's details");
        await createNew.waitFor({ timeout: 120_000 });
        const resolved = performance.now();
        // Staff's choice is not timed.
        await createNew.check();
        const continued = performance.now();
        await page.getByRole('button', { name: 'Continue to review' }).click();
        const items = (resources - 1).toLocaleString('en-US');
        const importButton = page.getByRole('button', { name: `Import ${items} items` });
        await importButton.waitFor({ timeout: 120_000 });
        const reviewed = performance.now();
        // Local mode's in-memory server shares this process with the browser driver: while it
        // writes a large transaction the click's answer waits, so the click gets the import's time.
        await importButton.click({ timeout: 600_000 });
        await page.getByRole('heading', { name: 'Done' }).waitFor({ timeout: 600_000 });
        const imported = performance.now();
        if (round >= warmup) {
          times.resolve.push(resolved - start);
          times.review.push(reviewed - continued);
          times.total.push(resolved - start + (reviewed - continued));
          times.import.push(imported - reviewed);
        }
        await page.close();
      }
      figures.push({
        resources,
        rounds,
        resolveMs: median(times.resolve),
        reviewMs: median(times.review),
        totalMs: median(times.total),
        importMs: median(times.import),
      });
    }
    return figures;
  } finally {
    await browser.close();
    await vite.close();
    await local.close();
  }
}

/** The figures as `npm run bench` and `npm run bench:ui` print them. */
export function printUi(figures: UiFigures[] | undefined): void {
  if (!figures) {
    console.log('Pages in Chromium: skipped (no /usr/bin/chromium; apt-get install chromium)');
    return;
  }
  console.log('Pages in Chromium (local mode), medians; staff clicks excluded');
  for (const f of figures) {
    console.log(
      `  ${f.resources.toLocaleString('en-US')} resources, ${String(f.rounds)} rounds: submit -> patient step ${f.resolveMs.toFixed(0)} ms; continue -> review rendered ${f.reviewMs.toFixed(0)} ms; submit to review ${f.totalMs.toFixed(0)} ms (target < 1000 ms at 1,000); import ${(f.importMs / 1000).toFixed(1)} s`
    );
  }
}
