/**
 * What an SHL sender's HTTP answer means for the person at the desk: the spec's statuses
 * (401 + remainingAttempts, 404, 429 + Retry-After) and the ones real senders use instead
 * (410 for gone links, 400 `{error}` for bad passcodes, expired or revoked links).
 */
import { decodeUtf8 } from './base64url';
import { ShlError } from './errors';
import type { FetchResult } from './http';
import { parseRetryAfter } from './http';
import { parseJsonObject } from './json';

export interface SenderRequestInfo {
  /** True when the request carried a passcode. */
  passcodeSent: boolean;
  now: number;
}

/** The ShlError for a non-2xx answer from the sender. */
export function senderError(response: FetchResult, info: SenderRequestInfo): ShlError {
  const host = response.url.host;
  const body = readJsonObject(response.body);
  switch (response.status) {
    case 401: {
      const remaining = body?.remainingAttempts;
      const remainingAttempts = typeof remaining === 'number' && remaining >= 0 ? Math.floor(remaining) : undefined;
      const tries =
        remainingAttempts === undefined
          ? ''
          : remainingAttempts === 0
            ? ' No tries are left: the link is now disabled.'
            : ` ${remainingAttempts} ${remainingAttempts === 1 ? 'try is' : 'tries are'} left before the link is disabled.`;
      return new ShlError(
        'passcode-invalid',
        info.passcodeSent
          ? `The passcode was not accepted.${tries} Check it with the patient before trying again.`
          : `This link needs a passcode.${tries} Ask the patient for it.`,
        remainingAttempts === undefined ? {} : { remainingAttempts }
      );
    }
    case 404:
    case 410:
      return notFound();
    case 429: {
      const retryAfter = parseRetryAfter(response.header('retry-after'), info.now);
      return new ShlError(
        'rate-limited',
        `The sender (${host}) asks to wait${retryAfter === undefined ? '' : ` ${retryAfter} seconds`} before trying again.`,
        retryAfter === undefined ? {} : { retryAfter }
      );
    }
    case 400:
      return refused(host, body?.error, info);
    default:
      return new ShlError(
        'fetch-failed',
        `The sender (${host}) answered with an error (HTTP ${response.status}). Try again later or ask the patient for a new link.`
      );
  }
}

/** The `not-found` error: the sender no longer serves this link. */
export function notFound(): ShlError {
  return new ShlError(
    'not-found',
    'The sender no longer shares this link: it was revoked, has expired or was used up. Ask the patient to share a new link.'
  );
}

function refused(host: string, reason: unknown, info: SenderRequestInfo): ShlError {
  const text = typeof reason === 'string' ? reason.toLowerCase() : '';
  if (/passcode|password|pin\b/.test(text) || (info.passcodeSent && text === '')) {
    return new ShlError(
      'passcode-invalid',
      'The sender refused the request; the passcode may be wrong. Check it with the patient before trying again.'
    );
  }
  if (/expired|revoked|not found|no longer|inactive|disabled|gone/.test(text)) {
    return notFound();
  }
  return new ShlError(
    'fetch-failed',
    `The sender (${host}) refused the request${info.passcodeSent ? '; the passcode may be wrong' : ''}. Try again or ask the patient for a new link.`
  );
}

function readJsonObject(body: Uint8Array): Record<string, unknown> | undefined {
  if (body.length > 64 * 1024) {
    return undefined;
  }
  return parseJsonObject(decodeUtf8(body));
}
