/** The shared fixtures (`../shared/fixtures/` beside the repository). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixturesDir = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

export function readFixture(path: string): string {
  return readFileSync(fixturesDir + path, 'utf8');
}
