/**
 * The repository stands on its own: a fresh clone with nothing beside it must pass `npm test`.
 * No file but `.ci/run` refers to the workspace folder next to the repository, and the links
 * in the Markdown files (README.md, docs/, test/fixtures/) resolve inside the repository.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { PATIENT_DATA_TYPES } from '../bots/import/patient-data-types';
import {
  brokenLinks,
  filesMentioningOutside,
  headingAnchors,
  linkTargets,
  OUTSIDE_FOLDER,
  repositoryFiles,
} from './support/repository-checks';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = repositoryFiles(root);

describe('the repository', () => {
  test('lists its own files through git, this test among them', () => {
    expect(files).toContain('test/repository.test.ts');
    expect(files).toContain('README.md');
  });

  test('no file but .ci/run refers to the folder beside the repository', () => {
    expect(filesMentioningOutside(root, files)).toEqual([]);
  });

  test('every relative link in README.md and docs/ reaches a file and heading inside the repository', () => {
    const markdown = files.filter((path) => path.endsWith('.md'));
    expect(markdown).toContain('README.md');
    expect(brokenLinks(root, markdown)).toEqual([]);
  });
});

describe('the documented access policies', () => {
  test('the front-desk policy in docs/deploying.md may search, read and create every type the bot imports', () => {
    const text = readFileSync(join(root, 'docs/deploying.md'), 'utf8');
    const policies = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map(
      ([, json]) =>
        JSON.parse(json ?? '') as { name?: string; resource?: { resourceType: string; interaction?: string[] }[] }
    );
    const staff = policies.find((p) => p.name === 'SHL import - front desk');
    const allowed = new Set(
      (staff?.resource ?? [])
        .filter((r) => ['read', 'search', 'create'].every((i) => r.interaction?.includes(i)))
        .map((r) => r.resourceType)
    );
    expect([...PATIENT_DATA_TYPES].filter((type) => type !== 'Binary' && !allowed.has(type))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'repository-checks-'));
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a file naming the outside folder is flagged, unless it is .ci/run', () => {
    mkdirSync(join(scratch, '.ci'), { recursive: true });
    writeFileSync(join(scratch, 'a.ts'), `import x from '../${OUTSIDE_FOLDER}/docs/x';`);
    writeFileSync(join(scratch, '.ci/run'), `${OUTSIDE_FOLDER}/medplum-server/start`);
    writeFileSync(join(scratch, 'b.md'), 'nothing outside');
    expect(filesMentioningOutside(scratch, ['a.ts', '.ci/run', 'b.md'])).toEqual(['a.ts']);
  });

  test('links to missing files, missing headings or outside the repository are flagged', () => {
    mkdirSync(join(scratch, 'docs'), { recursive: true });
    writeFileSync(join(scratch, 'docs/a.md'), '# Title\n\n## Local mode (`npm start`)\n');
    writeFileSync(
      join(scratch, 'README.md'),
      [
        '# Readme',
        '[fine](docs/a.md) [fine too](docs/a.md#local-mode-npm-start) [here](#readme)',
        '[web](https://example.org/x) ![img](docs/missing.png) [gone](docs/b.md)',
        '[heading](docs/a.md#nowhere) [up](../elsewhere/x.md) [self](#not-here)',
        '```md',
        '[in code](nowhere.md)',
        '```',
      ].join('\n')
    );
    expect(brokenLinks(scratch, ['README.md'])).toEqual([
      { file: 'README.md', target: 'docs/missing.png', reason: 'no such file' },
      { file: 'README.md', target: 'docs/b.md', reason: 'no such file' },
      { file: 'README.md', target: 'docs/a.md#nowhere', reason: 'no such heading' },
      { file: 'README.md', target: '../elsewhere/x.md', reason: 'outside the repository' },
      { file: 'README.md', target: '#not-here', reason: 'no such heading' },
    ]);
  });

  test('headings get the anchors GitHub gives them', () => {
    const anchors = headingAnchors(
      '# Deploying to a Medplum project\n## Kiosk check-in & the queue\n## Tests\n## Tests\n'
    );
    expect([...anchors]).toEqual(['deploying-to-a-medplum-project', 'kiosk-check-in--the-queue', 'tests', 'tests-1']);
  });

  test('link targets come from inline links, images, references and HTML, not from code', () => {
    const targets = linkTargets('[a](x.md "t") ![b](i.png) `[c](no.md)`\n[d]: ref.md\n<img src="p.png">');
    expect(targets).toEqual(['x.md', 'i.png', 'ref.md', 'p.png']);
  });
});
