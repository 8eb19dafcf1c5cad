/** Printing the matcher's evaluation for `npm run bench`: overall figures, then per error class and per look-alike. */
import type { Evaluation, LookalikeFigures } from '../support/matcher-evaluation';
import { NEW_ERROR_CLASSES } from '../support/patient-generator';

export function printMatcher(seed: number, e: Evaluation): void {
  console.log(
    `Matcher, seed ${seed}: ${e.queries} generated queries, pools of 40 (${e.pairs} pairs, ${e.hardNegatives} hard negatives)`
  );
  console.log(
    `  certain precision ${e.certainPrecision.toFixed(3)} (${e.certain} certain), recall certain+probable ${e.recall.toFixed(3)}`
  );
  console.log(
    `  false-positive rate: hard negatives ${e.hardNegativeFpr.toFixed(4)}, all candidates ${e.overallFpr.toFixed(5)}; possible on negatives ${e.possibleOnNegatives}`
  );
  console.log(
    `  ${Math.round(e.candidatesScored / (e.rankingMs / 1000)).toLocaleString('en-US')} candidates scored per second`
  );
  console.log('  error class               found / true matches  recall  certain  (undecidable: found)');
  for (const [name, c] of Object.entries(e.byClass)) {
    const isNew = (NEW_ERROR_CLASSES as readonly string[]).includes(name) ? '*' : ' ';
    console.log(
      `  ${isNew}${name.padEnd(24)} ${String(c.found).padStart(5)} / ${String(c.positives).padEnd(13)} ${c.recall.toFixed(3)}  ${String(c.certain).padStart(7)}${c.undecidable > 0 ? `  (${c.undecidable}: ${c.undecidableFound})` : ''}`
    );
  }
  console.log('  (* new in issue 15)');
  printLookalikes(e.byLookalike);
  if (Object.keys(e.misses).length > 0) {
    console.log(`  misses by changes: ${JSON.stringify(e.misses)}`);
  }
}

export function printLookalikes(byLookalike: Record<string, LookalikeFigures>): void {
  console.log('  look-alike                        probable or certain / count  rate');
  for (const [name, l] of Object.entries(byLookalike)) {
    console.log(
      `   ${name.padEnd(32)} ${String(l.falsePositives).padStart(5)} / ${String(l.count).padEnd(13)} ${l.rate.toFixed(4)}`
    );
  }
}
