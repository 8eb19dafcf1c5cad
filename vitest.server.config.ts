import { defineConfig } from 'vitest/config';

/**
 * `npm run test:server`: the deployed bot on a real Medplum server, over HTTP (test/server/). Needs
 * MEDPLUM_BASE_URL, MEDPLUM_CLIENT_ID and MEDPLUM_CLIENT_SECRET (a project admin client); see the
 * README. Files run one after another: they share the server, its project and the sender's port.
 */
export default defineConfig({
  test: {
    include: ['test/server/**/*.server.test.ts'],
    globalSetup: ['test/server/global-setup.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
