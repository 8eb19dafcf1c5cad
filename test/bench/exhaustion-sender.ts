/**
 * The sender of an exhaustion shape's link, in a process of its own (started by
 * `exhaustion-probe.ts`), so that building and serving the link is not counted in the resolving
 * process's memory:
 *
 *   node --import tsx test/bench/exhaustion-sender.ts <shape>
 *
 * Starts a sender on 127.0.0.1, serves the shape's link, prints `{shl, host}` as one JSON line
 * and serves until its standard input closes.
 */
import { ShlSender } from '../../local/shl-sender';
import type { ExhaustionShape } from './exhaustion-bench';
import { EXHAUSTION_SHAPES, exhaustionFiles } from './exhaustion-bench';
import { serveShape } from './link-shapes';

const shape = process.argv[2] as ExhaustionShape;
if (!(shape in EXHAUSTION_SHAPES)) {
  throw new Error(`Unknown exhaustion shape ${shape}: use ${Object.keys(EXHAUSTION_SHAPES).join(', ')}.`);
}
const sender = await ShlSender.start();
const { shl } =
  shape === 'control'
    ? (await serveShape(sender, 'compressible')).link
    : await sender.createLink({ files: await exhaustionFiles(shape) });
console.log(JSON.stringify({ shl, host: sender.host }));
process.stdin.resume();
process.stdin.on('end', () => {
  void sender.close();
});
