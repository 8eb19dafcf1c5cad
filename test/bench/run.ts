/**
 * `npm run bench`: every performance figure of the README, measured side by side in one run.
 * BENCH_ROUNDS sets the rounds of the resolve comparison (default 41).
 */
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { evaluateHoldout, HOLDOUT_POOL } from '../support/matching-holdout';
import { evaluateMatcher } from '../support/matcher-evaluation';
import { printLookalikes, printMatcher } from './matcher-bench';
import { benchTransaction } from './import-bench';
import { buildPageSizes, total } from './page-sizes';
import { benchQr, formatQr } from './qr-bench';
import { benchResolve, BOT_DIST } from './resolve-bench';
import { benchUi, printUi } from './ui-bench';

const rounds = Number(process.env.BENCH_ROUNDS ?? 41);

const resolve = await benchResolve(rounds);
console.log(
  `Resolve: ${resolve.observations} Observations (${resolve.megabytes.toFixed(2)} MB, zip, location), ${rounds} rounds, medians`
);
console.log(`  ours (built bot handler)              ${resolve.ours.toFixed(1)} ms`);
console.log(`  kill-the-clipboard resolveSHL         ${resolve.theirs.toFixed(1)} ms`);
console.log(`  floor (fetch, AES-GCM, inflate, parse) ${resolve.floor.toFixed(1)} ms`);
console.log(`  ours / theirs = ${(resolve.ours / resolve.theirs).toFixed(2)} (target <= 1.0)`);
console.log(`  ours / floor  = ${(resolve.ours / resolve.floor).toFixed(2)} (target <= 1.3)`);

const transaction = await benchTransaction(15);
console.log(`Import transaction for ${transaction.count} resources, 15 rounds, medians`);
console.log(`  ours (planImport)                     ${transaction.ours.toFixed(1)} ms`);
console.log(`  @medplum/core convertToTransactionBundle ${transaction.theirs.toFixed(1)} ms`);
console.log(`  ours / theirs = ${(transaction.ours / transaction.theirs).toFixed(2)} (target <= 1.0)`);

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
printUi(
  await benchUi([
    [1000, 5],
    [5000, 1],
  ])
);

const bytes = statSync(BOT_DIST).size;
const gzip = gzipSync(readFileSync(BOT_DIST)).length;
console.log(
  `Built bot ${BOT_DIST}: ${(bytes / 1024).toFixed(1)} KB minified, ${(gzip / 1024).toFixed(1)} KB gzip (target <= 200 KB)`
);

const pages = await buildPageSizes();
console.log(
  `Page JavaScript (npm run build:app): ${total(pages.atLoad).toFixed(1)} KB gzip at load, ${total(pages.onDemand).toFixed(1)} KB gzip loaded on demand (the camera scanner and the QR reader's worker)`
);
console.log(
  `  the QR decoder's wasm, fetched from the pages' origin when a scan view opens: ${total(pages.wasm, 'kb').toFixed(1)} KB (${total(pages.wasm).toFixed(1)} KB gzip)`
);

const qr = await benchQr();
console.log(
  `QR decoding: the pages' decoder beside jsQR on seeded degraded camera frames (${qr.seconds.toFixed(0)} s)`
);
console.log(formatQr(qr));
