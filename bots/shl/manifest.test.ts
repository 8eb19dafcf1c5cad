import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeUtf8 } from './base64url';
import { isShlError } from './errors';
import { readManifest } from './manifest';

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
        let outcome: string;
        try {
          outcome = Array.isArray(read(body).files) ? 'manifest' : 'files not a list';
        } catch (err) {
          outcome = isShlError(err) ? err.code : 'not-an-shl-error';
        }
        expect(['manifest', 'fetch-failed']).toContain(outcome);
      }),
      { numRuns: 1000 }
    );
  });
});
