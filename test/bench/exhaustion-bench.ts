/**
 * The exhaustion shapes of link (`test/support/exhaustion-shapes.ts`, at the default limits) and
 * the normal 5,000-Observation link as the control: each resolved once by the built bot in a
 * process of its own (`exhaustion-probe.ts`; the link is served from a second process,
 * `exhaustion-sender.ts`), for its answer, wall time and peak RSS.
 */
import type { FileSpec } from '../../local/shl-sender';
import { nestedFile, paddedBundle, paddedCards, tinyBundle } from '../support/exhaustion-shapes';
import { runProbe } from './resolve-bench';

export const EXHAUSTION_SHAPES = {
  control: 'the 5,000-Observation link (compressible), which must still resolve',
  'many-resources': 'one zipped Bundle of 100,000 tiny resources (budget 20,000)',
  'total-bytes': '6 files of 8 MB each, 48 MB together (budget 40 MB)',
  'zip-bomb': 'one file of 48 MB deflated to a few KB (budget 40 MB)',
  nesting: 'one resource nested 100,000 levels deep (limit 200)',
  'card-bytes': '20 health cards inflating to 3 MB each, 60 MB together (budget 40 MB)',
  'many-cards': 'one file of 10,000 health cards of 1 KB each',
} as const;
export type ExhaustionShape = keyof typeof EXHAUSTION_SHAPES;

export interface ExhaustionFigures {
  /** The error code, or `ok` with the resources read and the files refused. */
  answer: string;
  ms: number;
  /** The probe process's peak RSS: building the link included, so an upper bound of the resolve's. */
  peakRssMB: number;
  /** RSS after building the link, before the resolve. */
  rssBeforeMB: number;
}

const MB = 1024 * 1024;

/** The files of an exhaustion shape's link (the control is `link-shapes.ts`'s `compressible`). */
export async function exhaustionFiles(shape: Exclude<ExhaustionShape, 'control'>): Promise<FileSpec[]> {
  switch (shape) {
    case 'many-resources':
      return [tinyBundle(100_000)];
    case 'total-bytes': {
      const file = paddedBundle(8 * MB);
      return Array.from({ length: 6 }, () => file);
    }
    case 'zip-bomb':
      return [paddedBundle(48 * MB)];
    case 'nesting':
      return [nestedFile(100_000)];
    case 'card-bytes':
      return [await paddedCards(20, 3 * MB)];
    case 'many-cards':
      return [await paddedCards(10_000, 1024)];
  }
}

/** One resolve of `shape` in a process of its own. */
export function benchExhaustion(shape: ExhaustionShape): ExhaustionFigures {
  return runProbe('test/bench/exhaustion-probe.ts', [shape], ['--expose-gc']) as ExhaustionFigures;
}
