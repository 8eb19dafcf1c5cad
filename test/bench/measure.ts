/** Side-by-side timing: runners alternate within each round, medians over the rounds. */
import { performance } from 'node:perf_hooks';

export type Runner = () => unknown;

/** Runs every runner once per round, rotating the order, and returns each one's median in ms. */
export async function alternate(
  runners: Record<string, Runner>,
  rounds: number,
  warmup = 3,
  check?: (name: string, result: unknown) => void
): Promise<Record<string, number>> {
  const names = Object.keys(runners);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length] as string;
      const start = performance.now();
      const result = await (runners[name] as Runner)();
      const elapsed = performance.now() - start;
      check?.(name, result);
      if (round >= warmup) {
        times[name]?.push(elapsed);
      }
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(times[n] ?? [])]));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
