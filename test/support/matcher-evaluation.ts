/**
 * Evaluating the matcher on generated labeled queries (see patient-generator.ts) as
 * docs/matching.md describes: certain precision, recall of certain ∪ probable on true matches
 * (overall and per error class), false-positive rates on hard negatives (per kind of look-alike)
 * and on every other candidate.
 */
import type { Patient } from '@medplum/fhirtypes';
import { rankCandidates } from '../../bots/matching/match';
import type { LabeledQuery } from './patient-generator';
import { PatientGenerator } from './patient-generator';

export interface ClassFigures {
  /** True matches of the class (undecidable ones excluded). */
  positives: number;
  /** Of them, found as certain or probable. */
  found: number;
  certain: number;
  recall: number;
  /** Queries whose label the data cannot decide (see LabeledQuery.undecidable), and how many of those were found anyway. */
  undecidable: number;
  undecidableFound: number;
}

export interface LookalikeFigures {
  count: number;
  /** Graded certain or probable. */
  falsePositives: number;
  rate: number;
}

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
  byClass: Record<string, ClassFigures>;
  byLookalike: Record<string, LookalikeFigures>;
  /** `changes` of the true matches not found, with their count. */
  misses: Record<string, number>;
  candidatesScored: number;
  /** Milliseconds spent ranking. */
  rankingMs: number;
}

/** The matcher on `queryCount` queries of the main generator with `seed`. */
export function evaluateMatcher(seed: number, queryCount: number, poolSize = 40): Evaluation {
  return evaluateQueries(new PatientGenerator(seed).queries(queryCount, poolSize));
}

/** The matcher on labeled queries from any generator. */
export function evaluateQueries(queries: LabeledQuery[]): Evaluation {
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
    byClass: {},
    byLookalike: {},
    misses: {},
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
    const flagged = (patient: Patient): boolean => {
      const grade = grades.get(patient.id);
      return grade === 'certain' || grade === 'probable';
    };
    for (const match of matches) {
      if (match.grade === 'certain') {
        e.certain++;
        if (match.patient.id !== query.matchId) {
          e.certainWrong++;
        }
      }
    }
    if (query.matchId) {
      const figures = (e.byClass[query.category] ??= {
        positives: 0,
        found: 0,
        certain: 0,
        recall: 0,
        undecidable: 0,
        undecidableFound: 0,
      });
      const found = flagged({ resourceType: 'Patient', id: query.matchId });
      if (query.undecidable) {
        figures.undecidable++;
        figures.undecidableFound += found ? 1 : 0;
      } else {
        e.positives++;
        figures.positives++;
        if (found) {
          truePositives++;
          figures.found++;
          figures.certain += grades.get(query.matchId) === 'certain' ? 1 : 0;
        } else {
          e.misses[query.changes] = (e.misses[query.changes] ?? 0) + 1;
        }
      }
    }
    for (const patient of query.pool) {
      if (patient.id === query.matchId) {
        continue;
      }
      if (grades.get(patient.id) === 'possible') {
        e.possibleOnNegatives++;
      }
      if (patient.id === query.lookalikeId) {
        e.hardNegatives++;
        const figures = (e.byLookalike[query.lookalike] ??= { count: 0, falsePositives: 0, rate: 0 });
        figures.count++;
        if (flagged(patient)) {
          hardFalsePositives++;
          figures.falsePositives++;
        }
      } else {
        e.otherNegatives++;
        otherFalsePositives += flagged(patient) ? 1 : 0;
      }
    }
  }
  for (const figures of Object.values(e.byClass)) {
    figures.recall = figures.positives === 0 ? 1 : figures.found / figures.positives;
  }
  for (const figures of Object.values(e.byLookalike)) {
    figures.rate = figures.falsePositives / figures.count;
  }
  e.certainPrecision = e.certain === 0 ? 1 : (e.certain - e.certainWrong) / e.certain;
  e.recall = truePositives / e.positives;
  e.hardNegativeFpr = hardFalsePositives / e.hardNegatives;
  e.overallFpr = (hardFalsePositives + otherFalsePositives) / (e.hardNegatives + e.otherNegatives);
  return e;
}
