/** The test fixtures in `test/fixtures/` (sources and licences in its README). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function readFixture(path: string): string {
  return readFileSync(fixturesDir + path, 'utf8');
}
