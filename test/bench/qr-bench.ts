/**
 * The QR decoding benchmark: the seeded degraded camera frames of qr-frames.ts, each read in
 * Node by the pages' decoder (zxing-wasm with the camera-frame options of
 * app/components/qr-zxing.ts) and by jsQR 1.4.0 (the decoder before it, called as the pages
 * called it), on the same RGBA pixels. Per frame: right, wrong or no read, wall-clock and CPU
 * time. The browser's native BarcodeDetector, tried first where it exists, has no Node version.
 */
import jsQR from 'jsqr';
import { performance } from 'node:perf_hooks';
import { FRAME_OPTIONS, readQrWithZxing } from '../../app/components/qr-zxing';
import { asImageData, loadZxingInNode } from '../support/zxing-node';
import type { QrFrame } from './qr-frames';
import { degradedFrames, DEGRADATIONS, TIERS } from './qr-frames';

export const DECODERS = ['zxing-wasm', 'jsQR'] as const;
export type Decoder = (typeof DECODERS)[number];

const READERS: Record<Decoder, (frame: QrFrame) => Promise<string | undefined>> = {
  'zxing-wasm': (frame) => readQrWithZxing(asImageData(frame), FRAME_OPTIONS),
  jsQR: (frame) =>
    Promise.resolve(
      jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'attemptBoth' })?.data || undefined
    ),
};

export interface DecoderFigures {
  /** Codes read right, per group (degradation, tier) and overall, out of `frames` of the group. */
  read: Record<string, number>;
  /** Texts that were not the code's (a read of a frame without a code counts too). */
  wrong: number;
  /** Per frame, every frame (empty ones too). */
  wallMs: number[];
  cpuMs: number[];
}

export interface QrBenchResult {
  seed: number;
  /** Frames per group: each degradation, each tier, `all` (frames with a code) and `empty`. */
  frames: Record<string, number>;
  decoders: Record<Decoder, DecoderFigures>;
  seconds: number;
}

export const QR_BENCH_SEED = 20260516;

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * `perCell` frames for each degradation and tier (11 x 3 x perCell) plus `empty` frames without a
 * code. Decoders take turns going first, and are warmed up on frames of another seed.
 */
export async function benchQr(perCell = 20, empty = 20, seed = QR_BENCH_SEED): Promise<QrBenchResult> {
  const started = performance.now();
  await loadZxingInNode();
  for (const frame of degradedFrames(seed + 1, 1, 0)) {
    for (const decoder of DECODERS) {
      await READERS[decoder](frame);
    }
    break;
  }
  const frames: Record<string, number> = {};
  const fresh = (): DecoderFigures => ({ read: {}, wrong: 0, wallMs: [], cpuMs: [] });
  const decoders: Record<Decoder, DecoderFigures> = { 'zxing-wasm': fresh(), jsQR: fresh() };
  let index = 0;
  for (const frame of degradedFrames(seed, perCell, empty)) {
    const groups = frame.degradation === 'empty' ? ['empty'] : [frame.degradation, frame.tier, 'all'];
    for (const group of groups) {
      frames[group] = (frames[group] ?? 0) + 1;
    }
    const order = index++ % 2 === 0 ? DECODERS : [...DECODERS].reverse();
    for (const decoder of order) {
      const figures = decoders[decoder];
      const cpu = process.cpuUsage();
      const start = performance.now();
      const text = await READERS[decoder](frame);
      figures.wallMs.push(performance.now() - start);
      const used = process.cpuUsage(cpu);
      figures.cpuMs.push((used.user + used.system) / 1000);
      if (text !== undefined && text === frame.scene.text) {
        for (const group of groups) {
          figures.read[group] = (figures.read[group] ?? 0) + 1;
        }
      } else if (text !== undefined) {
        figures.wrong++;
      }
    }
  }
  return { seed, frames, decoders, seconds: (performance.now() - started) / 1000 };
}

function rate(result: QrBenchResult, decoder: Decoder, group: string): string {
  const frames = result.frames[group] ?? 0;
  const read = result.decoders[decoder].read[group] ?? 0;
  return `${((100 * read) / frames).toFixed(1)} %`;
}

/** The figures as Markdown tables, as docs/benchmarks.md shows them. */
export function formatQr(result: QrBenchResult): string {
  const lines: string[] = [];
  const row = (cells: string[]): void => {
    lines.push(`| ${cells.join(' | ')} |`);
  };
  const all = result.frames.all ?? 0;
  lines.push(
    `${all} frames with a code (${DEGRADATIONS.length} degradations x ${TIERS.length} tiers) and ${result.frames.empty ?? 0} without, seed ${result.seed}, 1280x720 RGBA:`,
    ''
  );
  row(['decoder', ...TIERS, 'all', 'wrong reads', 'wall ms median / p95 / max', 'CPU ms median / p95']);
  row(['---', ...TIERS.map(() => '---:'), '---:', '---:', '---:', '---:']);
  for (const decoder of DECODERS) {
    const figures = result.decoders[decoder];
    row([
      decoder,
      ...TIERS.map((tier) => rate(result, decoder, tier)),
      `**${rate(result, decoder, 'all')}**`,
      String(figures.wrong),
      [0.5, 0.95, 1].map((p) => percentile(figures.wallMs, p).toFixed(1)).join(' / '),
      [0.5, 0.95].map((p) => percentile(figures.cpuMs, p).toFixed(1)).join(' / '),
    ]);
  }
  lines.push('', 'Decoded per degradation (each row: all three tiers):', '');
  row(['degradation', 'frames', ...DECODERS]);
  row(['---', '---:', ...DECODERS.map(() => '---:')]);
  for (const degradation of DEGRADATIONS) {
    row([
      degradation,
      String(result.frames[degradation] ?? 0),
      ...DECODERS.map((decoder) => rate(result, decoder, degradation)),
    ]);
  }
  return lines.join('\n');
}
