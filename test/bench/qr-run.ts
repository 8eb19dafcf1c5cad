/**
 * `npm run bench:qr`: the QR decoding benchmark on its own (also part of `npm run bench`), with
 * the sizes the decoder adds to the pages and the goals checked. QR_BENCH_PER_CELL sets
 * the frames per degradation and tier (default 20: 660 frames with a code, plus 20 without).
 */
import { cpus, loadavg } from 'node:os';
import { buildPageSizes, total } from './page-sizes';
import { benchQr, formatQr, percentile } from './qr-bench';

const perCell = Number(process.env.QR_BENCH_PER_CELL ?? 20);

const pages = await buildPageSizes();
const load = loadavg()[0] ?? 0;
const result = await benchQr(perCell, perCell);
const cores = cpus().length;

console.log(
  `QR decoding benchmark, Node ${process.versions.node}, ${cores} cores, load average ${load.toFixed(1)} at start and ${(loadavg()[0] ?? 0).toFixed(1)} at the end, ${result.seconds.toFixed(0)} s`
);
console.log(formatQr(result));
console.log('');
const kb = (assets: { kb: number; gzipKb: number }[]): string =>
  `${total(assets, 'kb').toFixed(1)} KB (${total(assets).toFixed(1)} KB gzip)`;
console.log(`Pages (npm run build:app): JavaScript at load ${kb(pages.atLoad)}`);
for (const asset of pages.onDemand) {
  console.log(`  on demand: ${asset.file} ${kb([asset])}`);
}
for (const asset of pages.wasm) {
  console.log(`  on demand: ${asset.file} ${kb([asset])}, ${asset.brotliKb.toFixed(1)} KB Brotli`);
}

const zxing = result.decoders['zxing-wasm'];
const rate = (zxing.read.all ?? 0) / (result.frames.all ?? 1);
const p95 = percentile(zxing.wallMs, 0.95);
console.log(
  `Goals: decoded ${(100 * rate).toFixed(1)} % (>= 88 %: ${rate >= 0.88 ? 'met' : 'NOT met'}), wrong reads ${zxing.wrong} (0: ${zxing.wrong === 0 ? 'met' : 'NOT met'}), p95 ${p95.toFixed(1)} ms per frame (< 20 ms: ${p95 < 20 ? 'met' : 'NOT met'})`
);
