/**
 * How far a running import is, for the page: the bot keeps `{"written":n,"total":m}` in the
 * user's Medplum key-value store under `shl-import-progress-<token>` (see the contract's
 * `progress`); this asks about once a second. Where the store has nothing (not yet written, or a
 * server or local mode without it) there is no count, and the page says what it knows: the
 * seconds since the import started.
 */
import { useMedplum } from '@medplum/react-hooks';
import { useEffect, useState } from 'react';
import { PROGRESS_KEY_PREFIX } from '../bots/operations/import-progress';

const POLL_MS = 1000;

export interface ImportProgress {
  /** Items written so far, of how many, when the bot has said. */
  written?: { written: number; total: number };
  /** Whole seconds since the import started. */
  seconds: number;
}

export function useImportProgress(token: string, startedAt: number): ImportProgress {
  const medplum = useMedplum();
  const [written, setWritten] = useState<ImportProgress['written']>();
  const [seconds, setSeconds] = useState(0);

  useEffect(() => {
    const key = PROGRESS_KEY_PREFIX + token;
    let stopped = false;
    const ask = (): void => {
      setSeconds(Math.floor((Date.now() - startedAt) / 1000));
      // The client keeps GET answers for a minute: ask the server every time.
      medplum.invalidateUrl(`keyvalue/v1/${key}`);
      medplum.keyValue
        .get(key)
        .then((value) => {
          const parsed = readProgress(value);
          if (!stopped && parsed) {
            setWritten(parsed);
          }
        })
        .catch(() => undefined);
    };
    ask();
    const timer = setInterval(ask, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [medplum, token, startedAt]);

  return { ...(written && { written }), seconds };
}

function readProgress(value: unknown): ImportProgress['written'] {
  try {
    const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as { written?: unknown; total?: unknown };
    return typeof parsed.written === 'number' && typeof parsed.total === 'number' && parsed.total > 0
      ? { written: parsed.written, total: parsed.total }
      : undefined;
  } catch {
    return undefined;
  }
}
