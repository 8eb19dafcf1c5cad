/**
 * Talking to the Medplum server within its limits: batches and transactions sent as they are,
 * and when the server's rate limit answers 429, waiting as long as it says before sending again.
 * A 429 for the whole request means nothing of it was applied (a transaction is rolled back, a
 * refused request never ran); in a batch the server answers 429 for the entries it did not run,
 * and the caller sends those again. The wait is bounded: past `maxWaitMs` in all, the import
 * gives up with `rate-limited`.
 */
import type { MedplumClient } from '@medplum/core';
import { getStatus, normalizeErrorString, normalizeOperationOutcome } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome } from '@medplum/fhirtypes';
import { ShlError } from '../shl/errors';
import { parseJsonObject } from '../shl/json';

/** How the import waits; injected so tests and the vmcontext sandbox (no global timers) can. */
export interface Waiting {
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** The longest the whole import may spend waiting for the rate limit. */
  maxWaitMs: number;
}

/** The longest single wait: the server's limit is per minute. */
const MAX_SINGLE_WAIT_MS = 61_000;

export class RateLimitBudget {
  private waited = 0;

  constructor(private readonly waiting: Waiting) {}

  /** Waits as the server asked (`outcome`), or throws `rate-limited` when the budget is spent. */
  async wait(medplum: MedplumClient, outcome: OperationOutcome | undefined): Promise<void> {
    const ms = retryDelayMs(medplum, outcome);
    if (this.waited + ms > this.waiting.maxWaitMs) {
      throw new ShlError(
        'rate-limited',
        `Medplum's limit on how much one user may write per minute was reached, and the import stopped after waiting ${Math.round(this.waited / 1000)} s. Try again in a minute; an administrator can raise the limit (see the README).`,
        { retryAfter: Math.ceil(ms / 1000) }
      );
    }
    this.waited += ms;
    await this.waiting.sleep(ms);
  }
}

/** Whether a thrown error or an entry's outcome is the rate limit's 429. */
export function isRateLimited(outcome: OperationOutcome | undefined): boolean {
  return outcome !== undefined && getStatus(outcome) === 429;
}

/** The outcome of a thrown error, if the server gave one. */
export function outcomeOf(err: unknown): OperationOutcome | undefined {
  return typeof err === 'object' && err !== null && 'outcome' in err ? normalizeOperationOutcome(err) : undefined;
}

/**
 * Runs one request; a 429 for the whole request (nothing of it applied) is waited out and the
 * request made again.
 */
export async function patiently<T>(
  medplum: MedplumClient,
  budget: RateLimitBudget,
  request: () => Promise<T>
): Promise<T> {
  for (;;) {
    try {
      return await request();
    } catch (err) {
      const outcome = outcomeOf(err);
      if (!isRateLimited(outcome)) {
        throw err;
      }
      await budget.wait(medplum, outcome);
    }
  }
}

/** Posts a bundle, patiently. */
export function postBundle(medplum: MedplumClient, bundle: Bundle, budget: RateLimitBudget): Promise<Bundle> {
  return patiently(medplum, budget, () => medplum.executeBatch(bundle));
}

/**
 * Runs searches (relative URLs such as `Observation?patient=…`) in batches; entries the rate
 * limit refused are sent again after waiting. Returns each search's Bundle, in order; a search
 * the server refuses for another reason throws.
 */
export async function runSearches(
  medplum: MedplumClient,
  urls: string[],
  budget: RateLimitBudget,
  batchSize = 40
): Promise<Bundle[]> {
  const results = new Array<Bundle | undefined>(urls.length);
  let pending = urls.map((_, i) => i);
  while (pending.length > 0) {
    const refused: number[] = [];
    let refusal: OperationOutcome | undefined;
    for (let start = 0; start < pending.length; start += batchSize) {
      const slice = pending.slice(start, start + batchSize);
      const response = await postBundle(
        medplum,
        {
          resourceType: 'Bundle',
          type: 'batch',
          entry: slice.map((i) => ({ request: { method: 'GET', url: urls[i] as string } })),
        },
        budget
      );
      slice.forEach((index, position) => {
        const entry = response.entry?.[position];
        if (entry?.response?.status.startsWith('2') && entry.resource?.resourceType === 'Bundle') {
          results[index] = entry.resource;
        } else if (isRateLimited(entry?.response?.outcome)) {
          refused.push(index);
          refusal ??= entry?.response?.outcome as OperationOutcome;
        } else {
          throw new ShlError(
            'invalid-input',
            `The server refused a search for what already exists: ${describeEntry(entry)}`
          );
        }
      });
    }
    if (refusal) {
      await budget.wait(medplum, refusal);
    }
    pending = refused;
  }
  return results as Bundle[];
}

/** A failed entry's reason, for the message (no content of the resource). */
export function describeEntry(entry: BundleEntry | undefined): string {
  const outcome = entry?.response?.outcome;
  const status = entry?.response?.status ?? 'no answer';
  return outcome ? `${status} ${normalizeErrorString(outcome).slice(0, 200)}` : status;
}

/** How long the server asks to wait: from the 429's details, else its RateLimit header, else a minute. */
function retryDelayMs(medplum: MedplumClient, outcome: OperationOutcome | undefined): number {
  // The server writes the limiter's state, whose fields are `_msBeforeNext` and the like.
  const state = parseJsonObject(outcome?.issue[0]?.diagnostics);
  const msBeforeNext = state?.msBeforeNext ?? state?._msBeforeNext;
  if (typeof msBeforeNext === 'number' && msBeforeNext >= 0) {
    return Math.min(MAX_SINGLE_WAIT_MS, msBeforeNext + 250);
  }
  const status = (medplum as { rateLimitStatus?: () => { secondsUntilReset: number }[] }).rateLimitStatus?.() ?? [];
  const reset = Math.max(0, ...status.map((s) => s.secondsUntilReset));
  return reset > 0 ? Math.min(MAX_SINGLE_WAIT_MS, reset * 1000 + 250) : MAX_SINGLE_WAIT_MS;
}
