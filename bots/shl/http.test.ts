/** The syntactic network rules every outbound URL passes before any connection. */
import { describe, expect, test } from 'vitest';
import { isShlError } from './errors';
import { checkUrl } from './http';

function refusal(url: string, allow: string[] = []): string | undefined {
  try {
    checkUrl(new URL(url), new Set(allow));
    return undefined;
  } catch (err) {
    return isShlError(err) ? err.code : 'not-an-shl-error';
  }
}

describe('checkUrl', () => {
  test.each([
    'https://localhost/m',
    'https://localhost./m',
    'https://LOCALHOST../m',
    'https://app.localhost/m',
    'https://app.localhost./m',
    'https://127.0.0.1/m',
    'https://[::1]/m',
    'https://[2002:7f00:1::1]/m',
    'http://sender.example/m',
    'https://user:secret@sender.example/m',
    'ftp://sender.example/m',
  ])('%s is refused', (url) => {
    expect(refusal(url)).toBe('fetch-failed');
  });

  test.each(['https://sender.example/m', 'https://sender.example:8443/m', 'https://8.8.8.8/m'])(
    '%s may be requested',
    (url) => {
      expect(refusal(url)).toBeUndefined();
    }
  );

  test('allow-listed hosts may use http and loopback, and only those', () => {
    expect(refusal('http://127.0.0.1:8080/m', ['127.0.0.1:8080'])).toBeUndefined();
    expect(refusal('http://127.0.0.1:8081/m', ['127.0.0.1:8080'])).toBe('fetch-failed');
    expect(refusal('http://localhost/m', ['localhost'])).toBeUndefined();
  });
});
