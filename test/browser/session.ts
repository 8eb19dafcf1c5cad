/**
 * One browser session for the Chromium tests: local mode (in-memory Medplum, the built bot, the
 * sample sender), the app on Vite, and Debian's Chromium driven by playwright-core, with a fake
 * camera playing `cameraVideo` when given.
 */
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import type { ViteDevServer } from 'vite';
import type { LocalMode } from '../../local/local-mode';
import { startLocalMode } from '../../local/local-mode';
import { startLocalApp } from '../../local/vite-app';

export const SHOTS = 'test-output/screenshots';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserSession {
  local: LocalMode;
  /** The app's address, ending in `/`. */
  url: string;
  browser: Browser;
  /** A demo link's `shlink:/…` by its title. */
  link: (title: string) => string;
  /** A fresh page at `path`, the camera allowed, at `viewport` (default 1280 × 720). */
  openPage: (path?: string, viewport?: { width: number; height: number }) => Promise<Page>;
  /** GET on the local FHIR API, e.g. `Condition?patient=Patient/1`. */
  fhir: <T>(path: string) => Promise<T>;
  close: () => Promise<void>;
}

export async function startBrowserSession(
  options: { cameraVideo?: (link: (title: string) => string) => string } = {}
): Promise<BrowserSession> {
  mkdirSync(SHOTS, { recursive: true });
  const local = await startLocalMode();
  const { vite, url }: { vite: ViteDevServer; url: string } = await startLocalApp(local, 0);
  const link = (title: string): string => {
    const found = local.links.find((l) => l.title === title);
    if (!found) {
      throw new Error(`no demo link ${title}`);
    }
    return found.shl;
  };
  const video = options.cameraVideo?.(link);
  const browser = await launchChromium(video);
  return {
    local,
    url,
    browser,
    link,
    openPage: async (path = '', viewport) => {
      const context = await browser.newContext({ permissions: ['camera'], ...(viewport && { viewport }) });
      const page = await context.newPage();
      await page.goto(url + path);
      return page;
    },
    fhir: async <T>(path: string): Promise<T> =>
      (await (await fetch(`${local.api.origin}/fhir/R4/${path}`)).json()) as T,
    close: async () => {
      await browser.close();
      await vite.close();
      await local.close();
    },
  };
}

/** Debian's Chromium, with a fake camera playing `cameraVideo` (a Y4M file) when given. */
export function launchChromium(cameraVideo?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(cameraVideo
        ? [
            '--use-fake-device-for-media-stream',
            '--use-fake-ui-for-media-stream',
            `--use-file-for-fake-video-capture=${cameraVideo}`,
          ]
        : []),
    ],
  });
}

/** The `Patient/…` the Done step's "Open chart" leads to: the chart the import went into. */
export async function chartOf(page: Page): Promise<string> {
  const href = (await page.getByRole('link', { name: /^Open .* chart$/ }).getAttribute('href')) ?? '';
  return href.replace(/^\//, '');
}
