import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bots/**/*.test.ts', 'test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The Chromium tests run on their own (npm run test:browser, vitest.browser.config.ts), and so
    // do the tests against a real Medplum server (npm run test:server, vitest.server.config.ts).
    exclude: [...configDefaults.exclude, 'test/browser/**', 'test/server/**'],
    // The leak check runs after every test of every file (test/support/leak-check.ts).
    setupFiles: ['test/support/leak-check-setup.ts', 'test/app/setup.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
