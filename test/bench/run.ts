/**
 * `npm run bench`: every performance figure of the README, measured side by side in one run.
 * `npm run bench -- resolve heap` runs only those sections (resolve, heap, exhaustion,
 * transaction, matcher, ui, size, pages, qr). BENCH_ROUNDS sets the rounds of the resolve
 * comparison (default 41).
 */
import { cpus, loadavg } from 'node:os';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { evaluateHoldout, HOLDOUT_POOL } from '../support/matching-holdout';
import { evaluateMatcher } from '../support/matcher-evaluation';
import { printLookalikes, printMatcher } from './matcher-bench';
import { DEFAULT_LIMITS } from '../../bots/shl/platform';
import { benchExhaustion, EXHAUSTION_SHAPES } from './exhaustion-bench';
import type { ExhaustionShape } from './exhaustion-bench';
import { benchTransaction } from './import-bench';
import { SHAPES } from './link-shapes';
import { buildPageSizes, total } from './page-sizes';
import { benchQr, formatQr } from './qr-bench';
import { benchResolve, BOT_DIST, peakHeap } from './resolve-bench';
import { benchUi, printUi } from './ui-bench';

const rounds = Number(process.env.BENCH_ROUNDS ?? 41);
const SECTIONS = ['resolve', 'heap', 'exhaustion', 'transaction', 'matcher', 'ui', 'size', 'pages', 'qr'] as const;
const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !(SECTIONS as readonly string[]).includes(a));
if (unknown.length > 0) {
  throw new Error(`Unknown bench section ${unknown.join(', ')}: use ${SECTIONS.join(', ')}.`);
}
const run = (section: (typeof SECTIONS)[number]): boolean => asked.length === 0 || asked.includes(section);
const ratio = (x: number, y: number): string => (x / y).toFixed(2);
const pad = (text: string | number, width: number): string => String(text).padStart(width);

console.log(
  `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.versions.node}, ${cpus().length} cores, load average ${(loadavg()[0] ?? 0).toFixed(1)}`
);

if (run('resolve')) {
  const figures = await benchResolve(SHAPES, rounds);
  console.log(
    `Resolve, ${rounds} rounds, medians in ms (goals: ours / kill-the-clipboard <= 0.8, ours / floor <= 1.2)`
  );
  console.log("  ours: the built bot's handler as a caller sees it (unseal, resolve, match against MockClient, stage");
  console.log(
    '  the result: Binaries written to MockClient); write free: the same, the Binary writes answered at once'
  );
  console.log(
    `  ${'shape'.padEnd(15)}${pad('ours', 8)}${pad('write free', 11)}${pad('theirs', 8)}${pad('floor', 8)}${pad('ours/theirs', 13)}${pad('ours/floor', 12)}${pad('free/theirs', 13)}${pad('free/floor', 12)}`
  );
  for (const { shape, medians: m } of figures) {
    console.log(
      `  ${shape.name.padEnd(15)}${pad(m.ours.toFixed(1), 8)}${pad(m.oursWriteFree.toFixed(1), 11)}${pad(m.theirs.toFixed(1), 8)}${pad(m.floor.toFixed(1), 8)}${pad(ratio(m.ours, m.theirs), 13)}${pad(ratio(m.ours, m.floor), 12)}${pad(ratio(m.oursWriteFree, m.theirs), 13)}${pad(ratio(m.oursWriteFree, m.floor), 12)}`
    );
  }
  for (const { shape } of figures) {
    console.log(`  ${shape.name.padEnd(15)}${shape.description}`);
  }
}

if (run('heap')) {
  console.log('Peak heap of one resolve, each in a process of its own: MB of V8 heap above the heap before it');
  console.log("  (x the link's JSON; goal for ours <= 3x), and MB outside the heap (buffers, external strings);");
  console.log("  write free: ours without MockClient's in-process copies of the staged Binaries it stores");
  console.log(
    `  ${'shape'.padEnd(15)}${pad('JSON', 6)}${pad('ours', 22)}${pad('write free', 22)}${pad('theirs', 22)}${pad('floor', 22)}`
  );
  const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
  for (const shape of ['compressible', 'incompressible', 'many-files'] as const) {
    const peaks = (['ours', 'oursWriteFree', 'theirs', 'floor'] as const).map((runner) => peakHeap(shape, runner));
    const cells = peaks.map((p) => pad(`${mb(p.heap)} (${ratio(p.heap, p.plaintextBytes)}x) +${mb(p.external)}`, 22));
    console.log(`  ${shape.padEnd(15)}${pad(mb(peaks[0]?.plaintextBytes ?? 0), 6)}${cells.join('')}`);
  }
}

if (run('exhaustion')) {
  const deadline = DEFAULT_LIMITS.resolveTimeoutMs;
  console.log('Exhaustion shapes: one resolve each by the built bot, default limits, in a process of its own (the');
  console.log(`  link served from another); goal: peak RSS < 300 MB and wall < ${deadline} ms (the resolve`);
  console.log('  deadline), and the control resolves all its 5,001 resources');
  console.log(
    `  ${'shape'.padEnd(15)}${'answer'.padEnd(40)}${pad('wall ms', 8)}${pad('RSS before', 11)}${pad('peak RSS MB', 12)}${pad('goal met', 9)}`
  );
  for (const shape of Object.keys(EXHAUSTION_SHAPES) as ExhaustionShape[]) {
    const f = benchExhaustion(shape);
    const met = f.peakRssMB < 300 && f.ms < deadline && (shape !== 'control' || f.answer.startsWith('ok: 5001 '));
    console.log(
      `  ${shape.padEnd(15)}${f.answer.padEnd(40)}${pad(f.ms.toFixed(0), 8)}${pad(f.rssBeforeMB.toFixed(0), 11)}${pad(f.peakRssMB.toFixed(0), 12)}${pad(met ? 'yes' : 'NO', 9)}`
    );
  }
  for (const [shape, description] of Object.entries(EXHAUSTION_SHAPES)) {
    console.log(`  ${shape.padEnd(15)}${description}`);
  }
}

if (run('transaction')) {
  const transaction = await benchTransaction(15);
  console.log(`Import transaction for ${transaction.count} resources, 15 rounds, medians`);
  console.log(`  ours (planImport)                     ${transaction.ours.toFixed(1)} ms`);
  console.log(`  @medplum/core convertToTransactionBundle ${transaction.theirs.toFixed(1)} ms`);
  console.log(`  ours / theirs = ${(transaction.ours / transaction.theirs).toFixed(2)} (target <= 1.0)`);
}

if (run('matcher')) {
  for (const seed of [20261124, 7]) {
    printMatcher(seed, evaluateMatcher(seed, 2400));
  }
  const holdout = evaluateHoldout();
  console.log(
    `Matching hold-out: ${holdout.seeds.length} seeds x ${holdout.seeds[0]?.queries ?? 0} queries, pools of ${HOLDOUT_POOL}; worst seed:`
  );
  console.log(
    `  certain precision ${holdout.worstCertainPrecision.toFixed(3)}, hard-negative false positives ${holdout.worstHardNegativeFpr.toFixed(4)} (seed ${holdout.worstSeed}), recall certain+probable ${holdout.worstRecall.toFixed(3)} (lowest)`
  );
  printLookalikes(holdout.byLookalike);
  console.log('  first error of the true match   found / true matches (all seeds)  recall');
  for (const [error, c] of Object.entries(holdout.byError)) {
    console.log(
      `   ${error.padEnd(30)} ${String(c.found).padStart(5)} / ${String(c.positives).padEnd(24)} ${c.recall.toFixed(3)}`
    );
  }
}

if (run('ui')) {
  // BENCH_UI_ROUNDS: rounds at 1,000 resources (default 3); 5,000 gets one fewer, at least 1.
  const uiRounds = Number(process.env.BENCH_UI_ROUNDS ?? 3);
  printUi(
    await benchUi([
      [1000, uiRounds],
      [5000, Math.max(1, uiRounds - 1)],
    ])
  );
}

if (run('size')) {
  const bytes = statSync(BOT_DIST).size;
  const gzip = gzipSync(readFileSync(BOT_DIST)).length;
  console.log(
    `Built bot ${BOT_DIST}: ${(bytes / 1024).toFixed(1)} KB minified, ${(gzip / 1024).toFixed(1)} KB gzip (target <= 200 KB)`
  );
}

if (run('pages')) {
  const pages = await buildPageSizes();
  console.log(
    `Page JavaScript (npm run build:app): ${total(pages.atLoad).toFixed(1)} KB gzip at load, ${total(pages.onDemand).toFixed(1)} KB gzip loaded on demand (the camera scanner and the QR reader's worker)`
  );
  console.log(
    `  the QR decoder's wasm, fetched from the pages' origin when a scan view opens: ${total(pages.wasm, 'kb').toFixed(1)} KB (${total(pages.wasm).toFixed(1)} KB gzip)`
  );
}

if (run('qr')) {
  const qr = await benchQr();
  console.log(
    `QR decoding: the pages' decoder beside jsQR on seeded degraded camera frames (${qr.seconds.toFixed(0)} s)`
  );
  console.log(formatQr(qr));
}
