/**
 * One resolve of one exhaustion shape, in a process of its own (started by `benchExhaustion` in
 * exhaustion-bench.ts):
 *
 *   node --expose-gc --import tsx test/bench/exhaustion-probe.ts <shape>
 *
 * Starts a real sender on 127.0.0.1, serves the shape's link, resolves it once through the bot's
 * handler (`createBotHarness`, default limits) and prints `ExhaustionFigures` as JSON: the
 * answer (error code or `ok`), wall ms of the resolve, the process's peak RSS
 * (`resourceUsage().maxRSS`) and its RSS before the resolve, after a full collection.
 */
import { ShlSender } from '../../local/shl-sender';
import { createBotHarness } from '../support/bot';
import type { ExhaustionFigures, ExhaustionShape } from './exhaustion-bench';
import { EXHAUSTION_SHAPES, exhaustionFiles } from './exhaustion-bench';
import { serveShape } from './link-shapes';

const shape = process.argv[2] as ExhaustionShape;
if (!(shape in EXHAUSTION_SHAPES)) {
  throw new Error(`Unknown exhaustion shape ${shape}: use ${Object.keys(EXHAUSTION_SHAPES).join(', ')}.`);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  throw new Error('exhaustion-probe needs --expose-gc');
}
const sender = await ShlSender.start();
try {
  const bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host });
  const { shl } =
    shape === 'control'
      ? (await serveShape(sender, 'compressible')).link
      : await sender.createLink({ files: await exhaustionFiles(shape) });
  gc();
  const rssBefore = process.memoryUsage.rss();
  const start = performance.now();
  const output = await bot.resolve(shl);
  const ms = performance.now() - start;
  const refused = 'error' in output ? 0 : output.files.filter((f) => f.status === 'failed').length;
  const figures: ExhaustionFigures = {
    answer:
      'error' in output ? output.error.code : `ok: ${output.resources.length} resources, ${refused} files refused`,
    ms,
    // maxRSS is in KB.
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    rssBeforeMB: rssBefore / 1048576,
  };
  console.log(JSON.stringify(figures));
} finally {
  await sender.close();
}
