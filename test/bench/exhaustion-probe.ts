/**
 * One resolve of one exhaustion shape, in a process of its own (started by `benchExhaustion` in
 * exhaustion-bench.ts):
 *
 *   node --expose-gc --import tsx test/bench/exhaustion-probe.ts <shape>
 *
 * The link is built and served by a second process (`exhaustion-sender.ts`), so this process
 * holds only what resolving it takes. The link is resolved once through the built bot's handler
 * (`dist/`, default limits, a MockClient for matching and staging), as a caller sees it, and
 * `ExhaustionFigures` are printed as JSON: the answer (error code or `ok`), wall ms of the
 * resolve, the process's peak RSS (`resourceUsage().maxRSS`) and its RSS before the resolve,
 * after a full collection.
 */
import { MockClient } from '@medplum/mock';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { generateSealingSecret, sealForBot } from '../support/seal';
import type { ExhaustionFigures, ExhaustionShape } from './exhaustion-bench';
import { EXHAUSTION_SHAPES } from './exhaustion-bench';
import type { BotHandler } from './resolve-bench';
import { BOT_DIST } from './resolve-bench';

const shape = process.argv[2] as ExhaustionShape;
if (!(shape in EXHAUSTION_SHAPES)) {
  throw new Error(`Unknown exhaustion shape ${shape}: use ${Object.keys(EXHAUSTION_SHAPES).join(', ')}.`);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  throw new Error('exhaustion-probe needs --expose-gc');
}
const senderProcess = spawn(process.execPath, ['--import', 'tsx', 'test/bench/exhaustion-sender.ts', shape], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
try {
  const [line] = (await once(createInterface({ input: senderProcess.stdout }), 'line')) as [string];
  const { shl, host } = JSON.parse(line) as { shl: string; host: string };
  const { handler } = createRequire(import.meta.url)(`../../${BOT_DIST}`) as { handler: BotHandler };
  const secrets = {
    SHL_IMPORT_KEY: { name: 'SHL_IMPORT_KEY', valueString: await generateSealingSecret() },
    SHL_ALLOW_HOSTS: { name: 'SHL_ALLOW_HOSTS', valueString: host },
  };
  const medplum = new MockClient();
  const { jwk } = await handler(medplum, { input: { operation: 'public-key' }, secrets });
  if (!jwk) {
    throw new Error('public-key failed');
  }
  const sealed = await sealForBot(jwk, { shl });
  gc();
  const rssBefore = process.memoryUsage.rss();
  const start = performance.now();
  const output = await handler(medplum, {
    bot: { reference: 'Bot/bench' },
    contentType: 'application/json',
    input: { operation: 'resolve', sealed },
    secrets,
    requester: { reference: 'Practitioner/bench' },
  });
  const ms = performance.now() - start;
  const refused = output.files?.filter((f) => f.status === 'failed').length ?? 0;
  const figures: ExhaustionFigures = {
    answer: output.error
      ? output.error.code
      : `ok: ${output.resources?.length ?? 0} resources, ${refused} files refused`,
    ms,
    // maxRSS is in KB.
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    rssBeforeMB: rssBefore / 1048576,
  };
  console.log(JSON.stringify(figures));
} finally {
  senderProcess.stdin.end();
}
