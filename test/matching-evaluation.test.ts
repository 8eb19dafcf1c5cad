/**
 * The matcher's gates on generated labeled data (seeded, offline), for two seeds: 2,400 queries
 * against pools of 40 candidates (96,000 pairs, 2,400 of them hard negatives: twins, twins
 * sharing a household account, siblings, spouses, Jr/Sr, same name with another birth date, same
 * ZIP and birth date), the true matches spread evenly over the error classes.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Evaluation } from './support/matcher-evaluation';
import { evaluateMatcher } from './support/matcher-evaluation';
import { ERROR_CLASSES, LOOKALIKES, NEW_ERROR_CLASSES } from './support/patient-generator';

describe.each([20261124, 7])('matcher evaluation, seed %i', (seed) => {
  let e: Evaluation;
  beforeAll(() => {
    e = evaluateMatcher(seed, 2400);
  });

  test('certain precision 1.000, hard-negative false positives <= 0.002, recall >= 0.99', () => {
    expect(e.positives + Object.values(e.byClass).reduce((n, c) => n + c.undecidable, 0)).toBe(1200);
    expect(e.hardNegatives).toBe(2400);
    expect(e.certainWrong).toBe(0);
    expect(e.certainPrecision).toBe(1);
    expect(e.certain).toBeGreaterThan(600);
    expect(e.hardNegativeFpr).toBeLessThanOrEqual(0.002);
    expect(e.overallFpr).toBeLessThanOrEqual(0.002);
    expect(e.recall).toBeGreaterThanOrEqual(0.99);
  });

  test.each(NEW_ERROR_CLASSES)('recall >= 0.97 on %s', (errorClass) => {
    const figures = e.byClass[errorClass];
    expect(figures?.positives).toBeGreaterThanOrEqual(30);
    expect(figures?.recall).toBeGreaterThanOrEqual(0.97);
  });

  test('every error class and every kind of look-alike is measured', () => {
    expect(Object.keys(e.byClass).sort()).toEqual([...ERROR_CLASSES].sort());
    expect(Object.keys(e.byLookalike).sort()).toEqual([...LOOKALIKES].sort());
    for (const figures of Object.values(e.byLookalike)) {
      expect(figures.count).toBeGreaterThan(200);
    }
  });
});
