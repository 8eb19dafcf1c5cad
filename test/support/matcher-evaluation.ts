/**
 * Evaluating the matcher on generated labeled queries (see patient-generator.ts), the way the
 * CMS proposal and the evaluation in `docs/matching.md` describe: certain precision, recall
 * of certain ∪ probable on true matches, false-positive rates on hard negatives and on every
 * other candidate, per category.
 */
import { rankCandidates } from '../../bots/matching/match';
import { PatientGenerator } from './patient-generator';

export interface Evaluation {
  queries: number;
  pairs: number;
  positives: number;
  hardNegatives: number;
  otherNegatives: number;
  certain: number;
  certainWrong: number;
  certainPrecision: number;
  recall: number;
  hardNegativeFpr: number;
  overallFpr: number;
  possibleOnNegatives: number;
  missesByCategory: Record<string, number>;
  falsePositivesByCategory: Record<string, number>;
  candidatesScored: number;
  /** Milliseconds spent ranking. */
  rankingMs: number;
}

export function evaluateMatcher(seed: number, queryCount: number, poolSize = 40): Evaluation {
  const queries = new PatientGenerator(seed).queries(queryCount, poolSize);
  const e: Evaluation = {
    queries: queries.length,
    pairs: 0,
    positives: 0,
    hardNegatives: 0,
    otherNegatives: 0,
    certain: 0,
    certainWrong: 0,
    certainPrecision: 1,
    recall: 0,
    hardNegativeFpr: 0,
    overallFpr: 0,
    possibleOnNegatives: 0,
    missesByCategory: {},
    falsePositivesByCategory: {},
    candidatesScored: 0,
    rankingMs: 0,
  };
  let truePositives = 0;
  let hardFalsePositives = 0;
  let otherFalsePositives = 0;
  for (const query of queries) {
    const started = performance.now();
    const matches = rankCandidates(query.incoming, query.pool);
    e.rankingMs += performance.now() - started;
    e.candidatesScored += query.pool.length;
    e.pairs += query.pool.length;
    const grades = new Map(matches.map((m) => [m.patient.id, m.grade]));
    for (const match of matches) {
      if (match.grade === 'certain') {
        e.certain++;
        if (match.patient.id !== query.matchId) {
          e.certainWrong++;
        }
      }
    }
    if (query.matchId) {
      e.positives++;
      const grade = grades.get(query.matchId);
      if (grade === 'certain' || grade === 'probable') {
        truePositives++;
      } else {
        e.missesByCategory[query.category] = (e.missesByCategory[query.category] ?? 0) + 1;
      }
    }
    for (const patient of query.pool) {
      if (patient.id === query.matchId) {
        continue;
      }
      const grade = grades.get(patient.id);
      const flagged = grade === 'certain' || grade === 'probable';
      if (grade === 'possible') {
        e.possibleOnNegatives++;
      }
      if (patient.id === query.lookalikeId) {
        e.hardNegatives++;
        if (flagged) {
          hardFalsePositives++;
          e.falsePositivesByCategory[query.lookalike] = (e.falsePositivesByCategory[query.lookalike] ?? 0) + 1;
        }
      } else {
        e.otherNegatives++;
        if (flagged) {
          otherFalsePositives++;
          e.falsePositivesByCategory.other = (e.falsePositivesByCategory.other ?? 0) + 1;
        }
      }
    }
  }
  e.certainPrecision = e.certain === 0 ? 1 : (e.certain - e.certainWrong) / e.certain;
  e.recall = truePositives / e.positives;
  e.hardNegativeFpr = hardFalsePositives / e.hardNegatives;
  e.overallFpr = (hardFalsePositives + otherFalsePositives) / (e.hardNegatives + e.otherNegatives);
  return e;
}
