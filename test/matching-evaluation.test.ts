/**
 * The matcher's gates on generated labeled data (seeded, offline): 2,400 queries against pools
 * of 40 candidates (96,000 pairs, 2,400 of them hard negatives: twins, siblings, spouses, Jr/Sr,
 * same name with another birth date, same ZIP and birth date).
 */
import { describe, expect, test } from 'vitest';
import { evaluateMatcher } from './support/matcher-evaluation';

describe('matcher evaluation', () => {
  test('certain precision 1.0, certain+probable recall >= 0.97, false-positive rate <= 0.005', () => {
    const e = evaluateMatcher(20261124, 2400);
    expect(e.positives).toBe(1200);
    expect(e.hardNegatives).toBe(2400);
    expect(e.pairs).toBeGreaterThanOrEqual(2000);
    expect(e.certainWrong).toBe(0);
    expect(e.certainPrecision).toBe(1);
    expect(e.certain).toBeGreaterThan(600);
    expect(e.recall).toBeGreaterThanOrEqual(0.97);
    expect(e.hardNegativeFpr).toBeLessThanOrEqual(0.005);
    expect(e.overallFpr).toBeLessThanOrEqual(0.005);
  });

  test('the gates hold for another seed too', () => {
    const e = evaluateMatcher(7, 2000);
    expect(e.certainPrecision).toBe(1);
    expect(e.recall).toBeGreaterThanOrEqual(0.97);
    expect(e.hardNegativeFpr).toBeLessThanOrEqual(0.005);
  });
});
