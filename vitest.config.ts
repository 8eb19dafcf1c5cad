import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bots/**/*.test.ts', 'test/**/*.test.ts', 'test/**/*.test.tsx'],
    setupFiles: ['test/app/setup.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
