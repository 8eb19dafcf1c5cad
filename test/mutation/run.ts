/**
 * `npm run test:mutation [module …]` (or `-- <module> --mutate=<file:from-to> …` for part of one
 * module): StrykerJS on the guard modules, one module after another, each mutant tested only
 * against that module's own test files (most are unit tests of a second or less), at most two at
 * a time on this shared machine, and each mutant type-checked first (mutants that do not compile
 * are not counted). Static mutants (code run when a module loads) are tested too, see
 * `vitest.config.ts` here. Prints the score per module; the survivors and why each is accepted
 * are listed in docs/benchmarks.md.
 *
 * A score is Stryker's: killed (or timed out) / (killed + timed out + survived + not covered).
 */
import type { MutantResult, PartialStrykerOptions } from '@stryker-mutator/api/core';
import { Stryker } from '@stryker-mutator/core';
import { mkdirSync, writeFileSync } from 'node:fs';

interface GuardModule {
  name: string;
  /** Stryker `mutate` patterns: files, or `file:from-to` line ranges for the guard inside a larger file. */
  mutate: string[];
  tests: string[];
}

export const GUARD_MODULES: GuardModule[] = [
  { name: 'address', mutate: ['bots/shl/address.ts'], tests: ['bots/shl/address.test.ts'] },
  {
    name: 'http',
    // The request rules, and the DNS guard of the Node transport they rely on.
    mutate: ['bots/shl/http.ts', 'bots/node-platform.ts:201-231'],
    tests: ['bots/shl/http.test.ts', 'bots/node-platform.test.ts'],
  },
  { name: 'sender-errors', mutate: ['bots/shl/sender-errors.ts'], tests: ['bots/shl/sender-errors.test.ts'] },
  { name: 'sealing', mutate: ['bots/sealing.ts'], tests: ['bots/sealing.test.ts'] },
  {
    name: 'type-allowlist',
    mutate: ['bots/import/patient-data-types.ts'],
    tests: ['bots/import/patient-data-types.test.ts'],
  },
  {
    name: 'reference-walk',
    mutate: ['bots/fhir/json-walk.ts', 'bots/import/plan.ts:199-345'],
    tests: ['bots/fhir/json-walk.test.ts', 'bots/import/plan.test.ts'],
  },
  { name: 'check-in', mutate: ['bots/import/check-in.ts'], tests: ['bots/import/check-in.test.ts'] },
  {
    name: 'follow-scheduling',
    // Which links a run polls and in what order, the back-off, and the schedule kept on the Task.
    mutate: ['bots/import/follow.ts:84-140', 'bots/import/tasks.ts:45-121'],
    tests: ['bots/import/follow.test.ts', 'bots/import/tasks.test.ts'],
  },
  {
    name: 'matcher-gates',
    // gradeOf and the rule table (certain, probable), and the uniqueness and twin gates.
    mutate: ['bots/matching/compare.ts:163-209', 'bots/matching/compare.ts:259-275', 'bots/matching/match.ts:56-112'],
    tests: ['bots/matching/compare.test.ts', 'bots/matching/gates.test.ts', 'test/matching.test.ts'],
  },
];

const REPORT_DIR = 'reports/mutation';

function options(module: GuardModule): PartialStrykerOptions {
  return {
    mutate: module.mutate,
    // The module's test files are chosen by this config (from MUTATION_TEST_FILES, see main), not
    // by Stryker's `testFiles`, so that static mutants are tested (see the config's comment).
    testRunner: 'vitest',
    vitest: { configFile: 'test/mutation/vitest.config.ts', related: false },
    checkers: ['typescript'],
    tsconfigFile: 'test/mutation/tsconfig.json',
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    coverageAnalysis: 'perTest',
    concurrency: 2,
    // The machine is shared: a slow run is load, not an endless loop, unless it is far slower.
    timeoutMS: 20_000,
    reporters: ['clear-text', 'json', 'progress-append-only'],
    jsonReporter: { fileName: `${REPORT_DIR}/${module.name}.json` },
    clearTextReporter: { reportTests: false, reportMutants: true, reportScoreTable: true },
    ignorePatterns: ['dist', 'reports', 'docs', '.stryker-tmp'],
    // One sandbox folder per module, so that two modules can run at once without sharing one.
    tempDirName: `.stryker-tmp/${module.name}`,
    cleanTempDir: true,
  };
}

interface Score {
  module: string;
  killed: number;
  survived: number;
  noCoverage: number;
  excluded: number;
  score: number;
}

function scoreOf(module: string, results: MutantResult[]): Score {
  const count = (...statuses: string[]): number => results.filter((r) => statuses.includes(r.status)).length;
  const killed = count('Killed', 'Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = killed + survived + noCoverage;
  return {
    module,
    killed,
    survived,
    noCoverage,
    excluded: results.length - valid,
    score: valid === 0 ? 0 : (100 * killed) / valid,
  };
}

async function main(): Promise<void> {
  // `--mutate=<file:from-to>` (repeatable) narrows a single module's run to those patterns, for a
  // run that must fit a time limit; the scores recorded say so.
  const args = process.argv.slice(2);
  const narrowed = args.filter((a) => a.startsWith('--mutate=')).map((a) => a.slice('--mutate='.length));
  const wanted = args.filter((a) => !a.startsWith('--mutate='));
  if (narrowed.length > 0 && wanted.length !== 1) {
    throw new Error('--mutate narrows one module: name exactly one');
  }
  const unknown = wanted.filter((name) => !GUARD_MODULES.some((m) => m.name === name));
  if (unknown.length > 0) {
    throw new Error(`Unknown module ${unknown.join(', ')}; known: ${GUARD_MODULES.map((m) => m.name).join(', ')}`);
  }
  mkdirSync(REPORT_DIR, { recursive: true });
  const scores: Score[] = [];
  for (const module of GUARD_MODULES.filter((m) => wanted.length === 0 || wanted.includes(m.name))) {
    const started = Date.now();
    process.env.MUTATION_TEST_FILES = module.tests.join(',');
    const results = await new Stryker(
      options(narrowed.length > 0 ? { ...module, mutate: narrowed } : module)
    ).runMutationTest();
    const score = scoreOf(module.name, results);
    scores.push(score);
    console.log(
      `mutation: ${module.name}: ${score.score.toFixed(1)} % (${score.killed} killed, ${score.survived} survived, ${score.noCoverage} not covered, ${score.excluded} not compiling or ignored) in ${Math.round((Date.now() - started) / 1000)} s`
    );
  }
  writeFileSync(`${REPORT_DIR}/scores.json`, `${JSON.stringify(scores, null, 2)}\n`);
  console.log('\nmodule              score   killed survived no-coverage');
  for (const s of scores) {
    console.log(
      `${s.module.padEnd(19)} ${s.score.toFixed(1).padStart(5)} % ${String(s.killed).padStart(6)} ${String(s.survived).padStart(8)} ${String(s.noCoverage).padStart(11)}`
    );
  }
}

await main();
