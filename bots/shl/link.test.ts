import fc from 'fast-check';
import { readFixture } from '../../test/support/fixtures';
import { describe, expect, test } from 'vitest';
import { encodeBase64url, encodeUtf8 } from './base64url';
import { isShlError } from './errors';
import { parseShl } from './link';

const ig = JSON.parse(readFixture('shl-ig-example.json')) as {
  payload: Record<string, unknown>;
  shlink: string;
  viewerPrefixed: string;
  payloadResourceExamples: Record<string, Record<string, unknown>>;
};
const KEY = 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q';

function link(payload: Record<string, unknown>): string {
  return 'shlink:/' + encodeBase64url(encodeUtf8(JSON.stringify(payload)));
}

/** What parseShl throws for `input`, or undefined when it returns. */
function thrownBy(input: unknown): unknown {
  try {
    parseShl(input);
    return undefined;
  } catch (err) {
    return err;
  }
}

function codeOf(input: unknown): string | undefined {
  const err = thrownBy(input);
  return err === undefined ? undefined : isShlError(err) ? err.code : 'not-an-shl-error';
}

describe('parseShl', () => {
  test('bare and viewer-prefixed IG links decode to the IG payload', () => {
    for (const text of [ig.shlink, ig.viewerPrefixed]) {
      const parsed = parseShl(text);
      expect(parsed.payload).toEqual(ig.payload);
      expect([...parsed.flags].sort()).toEqual(['L', 'P']);
      expect(parsed.key).toHaveLength(32);
      expect(parsed.warnings).toEqual([]);
    }
  });

  test('fixture links from files parse, trailing whitespace or not', () => {
    const text = readFixture('ips-example/shl.txt');
    const parsed = parseShl(text + '\r\n');
    expect(parsed.payload.label).toBe('Demo SHL for IPS_IG-bundle-01');
    expect([...parsed.flags].sort()).toEqual(['L', 'U']);
  });

  test('whitespace and line breaks anywhere, percent-encoding and lower-case scheme are tolerated', () => {
    const wrapped = ig.viewerPrefixed.replace(/(.{20})/g, '$1\n  ');
    expect(parseShl(wrapped).payload).toEqual(ig.payload);
    const escaped = ig.viewerPrefixed.replace('#shlink:/', '%23shlink%3A%2F');
    expect(parseShl(escaped).payload).toEqual(ig.payload);
    expect(parseShl('  SHLINK:/' + ig.shlink.slice('shlink:/'.length)).payload).toEqual(ig.payload);
  });

  test('padded standard base64 from older producers is accepted', () => {
    const json = JSON.stringify({ url: 'https://a.example/m?x=1', key: KEY, label: 'ÿÿ>>??' });
    const standard = btoa(String.fromCharCode(...encodeUtf8(json)));
    expect(standard).toMatch(/[+/=]/);
    expect(parseShl('shlink:/' + standard).payload.label).toBe('ÿÿ>>??');
  });

  test('UTF-8 labels survive', () => {
    const label = 'Jessica Argonaut — résumé de santé 🩺';
    expect(parseShl(link({ url: 'https://a.example/m', key: KEY, label })).payload.label).toBe(label);
  });

  test('flags are a set: unknown letters ignored, U with P refused', () => {
    expect([...parseShl(link({ url: 'https://a.example/m', key: KEY, flag: 'LXZ' })).flags]).toEqual(['L']);
    expect(codeOf(link({ url: 'https://a.example/m', key: KEY, flag: 'UP' }))).toBe('invalid-link');
    expect(codeOf(link({ url: 'https://a.example/m', key: KEY, flag: 'PLU' }))).toBe('invalid-link');
  });

  test('v greater than 1 is unsupported; 1 and absent are fine', () => {
    expect(codeOf(link({ url: 'https://a.example/m', key: KEY, v: 2 }))).toBe('unsupported-version');
    expect(codeOf(link({ url: 'https://a.example/m', key: KEY, v: '2' }))).toBe('unsupported-version');
    expect(codeOf(link({ url: 'https://a.example/m', key: KEY, v: 1 }))).toBeUndefined();
  });

  test('exp in milliseconds, as a string (the IG payload resource), is normalized with warnings', () => {
    const parsed = parseShl(link(ig.payloadResourceExamples['shl-payload-1.json'] as Record<string, unknown>));
    expect(parsed.payload.exp).toBe(1767225600);
    expect(parsed.warnings.join(' ')).toMatch(/text instead of a number/);
    expect(parsed.warnings.join(' ')).toMatch(/milliseconds/);
    expect(parsed.payload.label).toBeUndefined();
    expect(parseShl(link({ url: 'https://a.example/m', key: KEY, exp: 1706745600 })).payload.exp).toBe(1706745600);
    const bad = parseShl(link({ url: 'https://a.example/m', key: KEY, exp: 'soon' }));
    expect(bad.payload.exp).toBeUndefined();
    expect(bad.warnings[0]).toMatch(/cannot be read/);
  });

  test('long label and url are warned about, not refused', () => {
    const parsed = parseShl(link({ url: 'https://a.example/' + 'x'.repeat(200), key: KEY, label: 'y'.repeat(81) }));
    expect(parsed.warnings).toHaveLength(2);
  });

  test.each([
    ['truncated base64 (KTC d9)', 'shlink:/eyJ1cmwiOiJodHRwczovL2V4YW1wbGUuY29t'],
    ['not JSON', 'shlink:/' + encodeBase64url(encodeUtf8('hello'))],
    ['JSON array', 'shlink:/' + encodeBase64url(encodeUtf8('[1,2]'))],
    ['missing key', link({ url: 'https://a.example/m' })],
    ['31-byte key', link({ url: 'https://a.example/m', key: encodeBase64url(new Uint8Array(31)) })],
    ['33-byte key', link({ url: 'https://a.example/m', key: encodeBase64url(new Uint8Array(33)) })],
    ['43 chars that are not base64url', link({ url: 'https://a.example/m', key: '!'.repeat(43) })],
    ['missing url', link({ key: KEY })],
    ['javascript url', link({ url: 'javascript:alert(1)', key: KEY })],
    ['no shlink at all', 'https://example.org/#foo'],
    ['empty', ''],
    ['not text', 42],
  ])('%s is an invalid link', (_name, input) => {
    expect(codeOf(input)).toBe('invalid-link');
  });

  test('error messages never contain the key', () => {
    for (const payload of [
      { url: 'javascript:x', key: KEY },
      { url: 'https://a.example', key: KEY, flag: 'UP' },
    ]) {
      // Taken out of the catch: an assertion failing inside one would be swallowed.
      const err = thrownBy(link(payload));
      expect(isShlError(err)).toBe(true);
      expect((err as Error).message).not.toContain(KEY);
    }
  });

  test('property: no input throws anything but a contract error', () => {
    const payloads = fc.record(
      {
        url: fc.oneof(fc.webUrl(), fc.string()),
        key: fc.oneof(
          fc.constant(KEY),
          fc.string(),
          fc.uint8Array({ minLength: 30, maxLength: 34 }).map(encodeBase64url)
        ),
        flag: fc.oneof(fc.string(), fc.constantFrom('L', 'P', 'U', 'LP', 'LU', 'UP')),
        exp: fc.oneof(fc.integer(), fc.double(), fc.string()),
        label: fc.string(),
        v: fc.oneof(fc.integer(), fc.string()),
      },
      { requiredKeys: [] }
    );
    const inputs = fc.oneof(
      fc.string(),
      fc.string().map((s) => 'shlink:/' + s),
      payloads.map(link),
      payloads.map((p) => 'https://viewer.example/#' + link(p).replace(/(.{7})/g, '$1 \n')),
      fc.anything()
    );
    fc.assert(
      fc.property(inputs, (input) => {
        const code = codeOf(input);
        expect(code === undefined || code === 'invalid-link' || code === 'unsupported-version').toBe(true);
      }),
      { numRuns: 2000 }
    );
  });
});
