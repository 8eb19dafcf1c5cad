/**
 * The Vitest config of a mutation run: the project's config, with only the test files of the
 * module under test (`MUTATION_TEST_FILES`, comma-separated, set by `run.ts`).
 *
 * The test files are chosen here and not with Stryker's `testFiles` option on purpose: with
 * `testFiles` set, StrykerJS 10.1.1 gives every mutant a test filter, so a static mutant (one in
 * code that runs when the module loads, like the `PATIENT_DATA_TYPES` list) is switched on only
 * in `beforeAll`, after the module has loaded, and can never be killed. Without it, a static
 * mutant is switched on before the test file imports anything and runs against all these tests.
 */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config';

const testFiles = (process.env.MUTATION_TEST_FILES ?? '').split(',').filter(Boolean);
if (testFiles.length === 0) {
  throw new Error('MUTATION_TEST_FILES names no test file (npm run test:mutation sets it)');
}

export default defineConfig({ ...base, test: { ...base.test, include: testFiles } });
