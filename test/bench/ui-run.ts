/**
 * `npm run bench:ui`: the pages' figures alone (submit to review and import, 1,000 and 5,000
 * resources, local mode in Chromium), without the rest of `npm run bench`.
 * BENCH_UI_ROUNDS sets the rounds at 1,000 resources (default 3); 5,000 gets one fewer, at least 1.
 */
import { cpus } from 'node:os';
import { benchUi, printUi } from './ui-bench';

const rounds = Number(process.env.BENCH_UI_ROUNDS ?? 3);
console.log(
  `${new Date().toISOString()} · ${String(cpus().length)} cores (${cpus()[0]?.model ?? 'unknown'}) · Node ${process.version}`
);
printUi(
  await benchUi([
    [1000, rounds],
    [5000, Math.max(1, rounds - 1)],
  ])
);
