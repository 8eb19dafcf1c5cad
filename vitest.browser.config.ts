import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: the pages in real Chromium against local mode. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
