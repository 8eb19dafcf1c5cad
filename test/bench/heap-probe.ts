/**
 * Peak heap of one resolve, in a process of its own (started by `peakHeap` in resolve-bench.ts):
 *
 *   node --expose-gc --max-semi-space-size=1 --gc-global --import tsx test/bench/heap-probe.ts <shape> <runner>
 *
 * After two warm-up runs and a full collection, the V8 heap in use is sampled at every
 * collection during one run (with a 1 MB young generation and only full collections, garbage
 * cannot pile up between samples) and once at its end; the answer is the highest sample above the
 * heap in use before the run, printed as JSON. Buffers outside the V8 heap (the inflated bytes,
 * Node's external strings) are reported apart, as `external`.
 */
import { GCProfiler } from 'node:v8';
import { ShlSender } from '../../local/shl-sender';
import type { ShapeName } from './link-shapes';
import type { Runner } from './resolve-bench';
import { prepareShape } from './resolve-bench';

const [shapeName, runnerName] = process.argv.slice(2) as [ShapeName, Runner];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  throw new Error('heap-probe needs --expose-gc');
}
const sender = await ShlSender.start();
try {
  const { shape, runners, cleanup } = await prepareShape(sender, shapeName);
  const run = runners[runnerName];
  for (let i = 0; i < 2; i++) {
    await run();
    await cleanup();
  }
  gc();
  gc();
  const before = process.memoryUsage();
  const profiler = new GCProfiler();
  profiler.start();
  const count = await run();
  const after = process.memoryUsage();
  const { statistics: samples } = profiler.stop();
  if (count !== shape.resources) {
    throw new Error(`${runnerName} returned ${count} resources, expected ${shape.resources}`);
  }
  const heapPeak = Math.max(after.heapUsed, ...samples.map((s) => s.beforeGC.heapStatistics.usedHeapSize));
  const externalPeak = Math.max(after.external, ...samples.map((s) => s.beforeGC.heapStatistics.externalMemory));
  console.log(
    JSON.stringify({
      heap: heapPeak - before.heapUsed,
      external: externalPeak - before.external,
      collections: samples.length,
      plaintextBytes: shape.plaintextBytes,
    })
  );
  await cleanup();
} finally {
  await sender.close();
}
