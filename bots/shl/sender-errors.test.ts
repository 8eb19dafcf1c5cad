/**
 * What each answer of a sender means (senderError): every status the spec names and the ones real
 * senders use instead, with and without a passcode sent; no message ever holds the manifest URL.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeUtf8 } from './base64url';
import type { ShlError } from './errors';
import { isShlError } from './errors';
import { notFound, senderError } from './sender-errors';

/** The link's manifest URL: its path is the secret part, and no message may hold it. */
const url = new URL('https://sender.example/shl/Xq3-manifest-id-8Jd2?format=jose');

function answer(
  status: number,
  body = '',
  headers: Record<string, string> = {},
  passcodeSent = false,
  now = 0
): ShlError {
  return senderError(
    { status, url, body: encodeUtf8(body), header: (name) => headers[name.toLowerCase()] },
    { passcodeSent, now }
  );
}

describe('senderError', () => {
  test('401: passcode-invalid with the remaining attempts, worded for a passcode sent or not', () => {
    expect(answer(401, '{"remainingAttempts":2}', {}, true).toJSON()).toEqual({
      code: 'passcode-invalid',
      message:
        'The passcode was not accepted. 2 tries are left before the link is disabled. Check it with the patient before trying again.',
      remainingAttempts: 2,
    });
    expect(answer(401, '{"remainingAttempts":1}', {}, true).message).toMatch(/ 1 try is left before/);
    expect(answer(401, '{"remainingAttempts":0}', {}, true).toJSON()).toEqual({
      code: 'passcode-invalid',
      message:
        'The passcode was not accepted. No tries are left: the link is now disabled. Check it with the patient before trying again.',
      remainingAttempts: 0,
    });
    expect(answer(401, '{"remainingAttempts":3.7}', {}, true).remainingAttempts).toBe(3);
    expect(answer(401, '', {}, false).toJSON()).toEqual({
      code: 'passcode-invalid',
      message: 'This link needs a passcode. Ask the patient for it.',
    });
  });

  test('401: a missing, negative or non-numeric count is not invented', () => {
    for (const body of ['nope', '{}', '{"remainingAttempts":-1}', '{"remainingAttempts":"2"}', '[2]']) {
      const err = answer(401, body, {}, true);
      expect([body, err.code, err.remainingAttempts]).toEqual([body, 'passcode-invalid', undefined]);
      expect(err.toJSON()).not.toHaveProperty('remainingAttempts');
      expect(err.message).toBe('The passcode was not accepted. Check it with the patient before trying again.');
    }
  });

  test('404 and 410: not-found', () => {
    for (const status of [404, 410]) {
      expect(answer(status, '{"error":"gone"}', {}, true).toJSON()).toEqual(notFound().toJSON());
    }
    expect(notFound().toJSON()).toEqual({
      code: 'not-found',
      message:
        'The sender no longer shares this link: it was revoked, has expired or was used up. Ask the patient to share a new link.',
    });
  });

  test('429: rate-limited, Retry-After as seconds or an HTTP date', () => {
    expect(answer(429, '', { 'retry-after': '12' }).toJSON()).toEqual({
      code: 'rate-limited',
      message: 'The sender (sender.example) asks to wait 12 seconds before trying again.',
      retryAfter: 12,
    });
    const now = Date.parse('2026-11-24T00:00:00Z');
    const date = new Date(now + 90_000).toUTCString();
    expect(answer(429, '', { 'retry-after': date }, false, now).retryAfter).toBe(90);
    expect(answer(429).toJSON()).toEqual({
      code: 'rate-limited',
      message: 'The sender (sender.example) asks to wait before trying again.',
    });
  });

  test.each([
    ['{"error":"Invalid passcode"}', false, 'passcode-invalid'],
    ['{"error":"wrong PASSWORD"}', false, 'passcode-invalid'],
    ['{"error":"bad pin"}', false, 'passcode-invalid'],
    ['{"error":"pinned"}', false, 'fetch-failed'],
    ['{"error":""}', true, 'passcode-invalid'],
    ['{}', true, 'passcode-invalid'],
    ['', true, 'passcode-invalid'],
    ['not json', true, 'passcode-invalid'],
    ['{"error":""}', false, 'fetch-failed'],
    ['', false, 'fetch-failed'],
    ['{"error":"Link expired"}', true, 'not-found'],
    ['{"error":"revoked"}', false, 'not-found'],
    ['{"error":"Not Found"}', false, 'not-found'],
    ['{"error":"no longer shared"}', false, 'not-found'],
    ['{"error":"link inactive"}', false, 'not-found'],
    ['{"error":"disabled"}', false, 'not-found'],
    ['{"error":"gone"}', false, 'not-found'],
    ['{"error":"Something else"}', false, 'fetch-failed'],
    ['{"error":"Something else"}', true, 'fetch-failed'],
    ['{"error":42}', true, 'passcode-invalid'],
    ['{"error":42}', false, 'fetch-failed'],
  ])('400 %s (passcode sent: %s) is %s', (body, passcodeSent, code) => {
    expect(answer(400, body, {}, passcodeSent).code).toBe(code);
  });

  test('400 messages: a passcode that may be wrong, or a refusal naming only the host', () => {
    expect(answer(400, '{}', {}, true).toJSON()).toEqual({
      code: 'passcode-invalid',
      message:
        'The sender refused the request; the passcode may be wrong. Check it with the patient before trying again.',
    });
    expect(answer(400, '{"error":"x"}', {}, true).message).toBe(
      'The sender (sender.example) refused the request; the passcode may be wrong. Try again or ask the patient for a new link.'
    );
    expect(answer(400, '{"error":"x"}', {}, false).message).toBe(
      'The sender (sender.example) refused the request. Try again or ask the patient for a new link.'
    );
  });

  test('a body over 64 KiB is not read', () => {
    const big = JSON.stringify({ error: 'expired', pad: 'x'.repeat(64 * 1024) });
    expect(answer(400, big, {}, false).code).toBe('fetch-failed');
    expect(
      answer(401, JSON.stringify({ remainingAttempts: 2, pad: 'x'.repeat(64 * 1024) }), {}, true).remainingAttempts
    ).toBeUndefined();
    const justUnder = JSON.stringify({ error: 'expired', pad: 'x'.repeat(64 * 1024 - 40) });
    expect(answer(400, justUnder, {}, false).code).toBe('not-found');
    // Exactly 64 KiB is still read; one byte more is not.
    const sized = (bytes: number): string => {
      const head = '{"error":"expired","pad":"';
      return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
    };
    expect(sized(64 * 1024)).toHaveLength(64 * 1024);
    expect(answer(400, sized(64 * 1024), {}, false).code).toBe('not-found');
    expect(answer(400, sized(64 * 1024 + 1), {}, false).code).toBe('fetch-failed');
  });

  test('other statuses: fetch-failed naming the host and the status', () => {
    for (const status of [403, 405, 500, 502, 503]) {
      expect(answer(status, '{"error":"passcode"}', {}, true).toJSON()).toEqual({
        code: 'fetch-failed',
        message: `The sender (sender.example) answered with an error (HTTP ${status}). Try again later or ask the patient for a new link.`,
      });
    }
  });

  test('property: any status and body map to a contract error whose message holds neither the URL nor the body', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.oneof(fc.string(), fc.json()),
        fc.boolean(),
        (status, body, passcodeSent) => {
          const err = answer(status, body, { 'retry-after': '5' }, passcodeSent);
          expect(isShlError(err)).toBe(true);
          expect(err.code).toMatch(/^(passcode-invalid|not-found|rate-limited|fetch-failed)$/);
          expect(err.message.length).toBeGreaterThan(10);
          for (const secret of [url.href, url.pathname, 'Xq3-manifest-id-8Jd2', url.search]) {
            expect(err.message).not.toContain(secret);
          }
          if (body.length > 12) {
            expect(err.message).not.toContain(body);
          }
        }
      ),
      { numRuns: 1000 }
    );
  });
});
