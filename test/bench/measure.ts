/** Side-by-side timing: runners alternate within each round, medians over the rounds. */
import { performance } from 'node:perf_hooks';

export type Runner = () => unknown;

/** Runs every runner once per round, rotating the order, and returns each one's median in ms. */
export async function alternate<Name extends string>(
  runners: Record<Name, Runner>,
  rounds: number,
  warmup = 3,
  check?: (name: Name, result: unknown) => void | Promise<void>
): Promise<Record<Name, number>> {
  const names = Object.keys(runners) as Name[];
  const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Name, number[]>;
  for (let round = 0; round < warmup + rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length] as Name;
      const start = performance.now();
      const result = await runners[name]();
      const elapsed = performance.now() - start;
      await check?.(name, result);
      if (round >= warmup) {
        times[name].push(elapsed);
      }
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(times[n])])) as Record<Name, number>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
