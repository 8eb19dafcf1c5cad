/**
 * The one error type of the SHL import. Its codes are the bot contract's error codes
 * (`docs/bot-contract.md`). Messages are for people: they say what happened and what
 * to do next, and never contain a link, key, passcode, token or decrypted content.
 */
export type ShlErrorCode =
  | 'invalid-link'
  | 'unsupported-version'
  | 'passcode-required'
  | 'passcode-invalid'
  | 'not-found'
  | 'rate-limited'
  | 'fetch-failed'
  | 'too-large'
  | 'decrypt-failed'
  | 'sealing-required'
  | 'not-configured'
  | 'invalid-input';

export interface ShlErrorDetails {
  remainingAttempts?: number;
  retryAfter?: number;
  /** What a failed import created and could not remove again (`Type/id`). */
  left?: string[];
  /** The existing patient whose chart already holds what an import would create anew. */
  existingPatient?: string;
}

export class ShlError extends Error {
  readonly code: ShlErrorCode;
  readonly remainingAttempts?: number;
  readonly retryAfter?: number;
  readonly left?: string[];
  readonly existingPatient?: string;

  constructor(code: ShlErrorCode, message: string, details: ShlErrorDetails = {}) {
    super(message);
    this.name = 'ShlError';
    this.code = code;
    if (details.remainingAttempts !== undefined) {
      this.remainingAttempts = details.remainingAttempts;
    }
    if (details.retryAfter !== undefined) {
      this.retryAfter = details.retryAfter;
    }
    if (details.left !== undefined) {
      this.left = details.left;
    }
    if (details.existingPatient !== undefined) {
      this.existingPatient = details.existingPatient;
    }
  }

  /** The contract's `{ error: {...} }` body. */
  toJSON(): { code: ShlErrorCode; message: string } & ShlErrorDetails {
    return {
      code: this.code,
      message: this.message,
      ...(this.remainingAttempts !== undefined && { remainingAttempts: this.remainingAttempts }),
      ...(this.retryAfter !== undefined && { retryAfter: this.retryAfter }),
      ...(this.left !== undefined && { left: this.left }),
      ...(this.existingPatient !== undefined && { existingPatient: this.existingPatient }),
    };
  }
}

/** True for an ShlError. Duck-typed: the bot may run in another JavaScript realm (vmcontext). */
export function isShlError(err: unknown): err is ShlError {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ShlError';
}
