/**
 * The matching hold-out (test/support/matching-holdout.ts): its own names, nicknames, birth-date
 * errors and look-alikes (namesakes with the same birth date and ZIP among them), 20 seeds. The
 * gates hold on the worst seed.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { HoldoutResult } from './support/matching-holdout';
import { evaluateHoldout, HOLDOUT_QUERIES, HOLDOUT_SEEDS } from './support/matching-holdout';

describe('matching hold-out over 20 seeds', () => {
  let h: HoldoutResult;
  beforeAll(() => {
    h = evaluateHoldout();
  });

  test('every seed is evaluated on its own queries', () => {
    expect(HOLDOUT_SEEDS).toHaveLength(20);
    expect(h.seeds.map((e) => e.seed)).toEqual(HOLDOUT_SEEDS);
    for (const e of h.seeds) {
      expect(e.hardNegatives).toBe(HOLDOUT_QUERIES);
      expect(e.positives).toBe(HOLDOUT_QUERIES / 2);
    }
    expect(new Set(h.seeds.map((e) => e.certain)).size).toBeGreaterThan(1);
    expect(h.byLookalike['namesake-same-birth-date-and-zip']?.count).toBeGreaterThan(500);
  });

  test('worst seed: certain precision 1.000', () => {
    expect(h.worstCertainPrecision).toBe(1);
    for (const e of h.seeds) {
      expect(e.certainWrong).toBe(0);
    }
  });

  test('worst seed: hard-negative false positives <= 0.005', () => {
    expect(h.worstHardNegativeFpr).toBe(Math.max(...h.seeds.map((e) => e.hardNegativeFpr)));
    expect(h.worstHardNegativeFpr).toBeLessThanOrEqual(0.005);
  });
});
