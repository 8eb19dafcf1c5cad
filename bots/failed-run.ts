/**
 * How the bot fails a run. Medplum counts a run as failed only when the handler throws (vmcontext:
 * its promise rejects; awslambda: a function error); a returned `{ error }` is a success, so
 * `auditEventTrigger: on-error` would record nothing. So the handler throws what `failedRun`
 * makes: an Error whose message is one PHI-free line, `shl-import: <code>`, with no stack frames
 * (Medplum logs message and stack into the run's AuditEvent), and whose own enumerable fields are
 * an OperationOutcome carrying the contract's `error` body. Medplum's vmcontext answers the caller
 * with exactly those fields (HTTP 400); `failedRunBody` reads the contract's body back out of
 * the thrown value or that answer.
 */
import type { ErrorOutput } from './shl-import';

type ErrorBody = ErrorOutput['error'];

/** The thrown value of a failed run: an Error that serializes as an OperationOutcome with `error`. */
export function failedRun(error: ErrorBody): Error {
  const reason = `shl-import: ${error.code}`;
  const failure = new Error(reason);
  // One line for the AuditEvent: the code only, no stack frames (the message may quote a server).
  failure.stack = reason;
  return Object.assign(failure, {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', details: { text: error.message } }],
    error,
  });
}

/** The contract's error body of a failed run (thrown, or as the server answered it), if any. */
export function failedRunBody(value: unknown): ErrorBody | undefined {
  const error = (value as { error?: Partial<ErrorBody> } | null | undefined)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string' ? (error as ErrorBody) : undefined;
}
