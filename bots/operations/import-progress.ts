/**
 * Progress of a long import for the page that started it (`import`'s optional `progress`):
 * `{"written":n,"total":m}` in the user's Medplum key-value store under
 * `shl-import-progress-<progress>`. The bot runs as the calling user, so the page reads the same
 * store. Written at most about once a second and in order, best effort (a store that is missing,
 * full or refuses never fails the import), and deleted once the import ends, however it ends.
 */
import type { MedplumClient } from '@medplum/core';
import { ShlError } from '../shl/errors';

/** The key-value store's key of an import's progress, before the caller's token. */
export const PROGRESS_KEY_PREFIX = 'shl-import-progress-';
/** The store's key rules: letters, digits, `-` and `_`. */
const PROGRESS_TOKEN = /^[A-Za-z0-9_-]{8,64}$/;
const MIN_INTERVAL_MS = 1000;

/** `import`'s `progress`, checked; undefined when absent. */
export function readProgressToken(value: unknown): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !PROGRESS_TOKEN.test(value)) {
    throw new ShlError('invalid-input', '"progress" must be 8 to 64 letters, digits, "-" or "_".');
  }
  return value;
}

export interface ProgressReporter {
  /** Told by the writer after each Bundle. */
  report: (written: number, total: number) => void;
  /** Waits for the writes in flight, then deletes the progress. */
  done: () => Promise<void>;
}

export function progressReporter(medplum: MedplumClient, token: string, now: () => number): ProgressReporter {
  const key = PROGRESS_KEY_PREFIX + token;
  let writes: Promise<void> = Promise.resolve();
  let last = Number.NEGATIVE_INFINITY;
  const queue = (write: () => Promise<void>): void => {
    // One after the other, so a late write never overwrites a newer count; failures are ignored.
    writes = writes.then(write).catch(() => undefined);
  };
  return {
    report: (written, total) => {
      const time = now();
      if (time - last < MIN_INTERVAL_MS && written < total) {
        return;
      }
      last = time;
      queue(() => medplum.keyValue.set(key, JSON.stringify({ written, total })));
    },
    done: async () => {
      queue(() => medplum.keyValue.delete(key));
      await writes;
    },
  };
}
