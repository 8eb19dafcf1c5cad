import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeUtf8 } from './base64url';
import { isShlError } from './errors';
import { readManifest } from './manifest';
import { senderError } from './sender-errors';

const url = new URL('https://sender.example/m');

function read(body: string, maxFiles = 100): ReturnType<typeof readManifest> {
  return readManifest({ body: encodeUtf8(body), url }, maxFiles);
}

describe('readManifest', () => {
  test('keeps embedded, location, per-file and top-level status; ignores the rest', () => {
    const manifest = read(
      JSON.stringify({
        status: 'finalized',
        list: { resourceType: 'List' },
        files: [
          {
            contentType: 'Application/FHIR+JSON',
            embedded: 'a.b.c.d.e',
            location: 'https://x/1',
            status: 'can-change',
          },
          { contentType: 'application/smart-health-card', location: 'https://x/2', lastUpdated: '2026-01-01' },
          'junk',
        ],
      })
    );
    expect(manifest).toEqual({
      status: 'finalized',
      truncated: 0,
      files: [
        { contentType: 'application/fhir+json', embedded: 'a.b.c.d.e', location: 'https://x/1', status: 'can-change' },
        { contentType: 'application/smart-health-card', location: 'https://x/2', lastUpdated: '2026-01-01' },
        {},
      ],
    });
  });

  test('more files than allowed are cut and counted', () => {
    const manifest = read(JSON.stringify({ files: [{}, {}, {}] }), 2);
    expect(manifest.files).toHaveLength(2);
    expect(manifest.truncated).toBe(1);
  });

  test.each(['', 'null', '[]', '{"files":{}}', '<html>', '{"files":"x"}'])('%s is not a manifest', (body) => {
    expect(() => read(body)).toThrow(expect.objectContaining({ code: 'fetch-failed' }));
  });

  test('property: any body gives a manifest or a contract error', () => {
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ files: fc.array(fc.anything()), status: fc.anything() }).map((v) => JSON.stringify(v))
    );
    fc.assert(
      fc.property(bodies, (body) => {
        try {
          const manifest = read(body);
          expect(Array.isArray(manifest.files)).toBe(true);
        } catch (err) {
          expect(isShlError(err) && err.code).toBe('fetch-failed');
        }
      }),
      { numRuns: 1000 }
    );
  });
});

describe('senderError', () => {
  const respond = (status: number, body = '', headers: Record<string, string> = {}) => ({
    status,
    url,
    body: encodeUtf8(body),
    header: (name: string) => headers[name.toLowerCase()],
  });

  test('401 reports remaining attempts; a missing count is not invented', () => {
    expect(senderError(respond(401, '{"remainingAttempts":2}'), { passcodeSent: true, now: 0 }).toJSON()).toMatchObject(
      {
        code: 'passcode-invalid',
        remainingAttempts: 2,
      }
    );
    expect(senderError(respond(401, 'nope'), { passcodeSent: true, now: 0 }).remainingAttempts).toBeUndefined();
  });

  test('Retry-After as seconds or an HTTP date', () => {
    expect(senderError(respond(429, '', { 'retry-after': '12' }), { passcodeSent: false, now: 0 }).retryAfter).toBe(12);
    const now = Date.parse('2026-11-24T00:00:00Z');
    const date = new Date(now + 90_000).toUTCString();
    expect(senderError(respond(429, '', { 'retry-after': date }), { passcodeSent: false, now }).retryAfter).toBe(90);
  });

  test('property: any status and body map to a contract error with a message', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.string(), fc.boolean(), (status, body, passcodeSent) => {
        const err = senderError(respond(status, body), { passcodeSent, now: 0 });
        expect(isShlError(err)).toBe(true);
        expect(err.message.length).toBeGreaterThan(10);
        expect(err.message).not.toContain(body.length > 12 ? body : '\u0000');
      })
    );
  });
});
