import { createHash, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { readFixture } from '../../test/support/fixtures';
import { describe, expect, test } from 'vitest';
import { encryptFile } from '../../local/shl-sender';
import { createNodePlatform } from '../node-platform';
import { decodeBase64url, encodeBase64url, encodeUtf8 } from './base64url';
import { isShlError } from './errors';
import { decryptFile, importFileKey } from './jwe';

const ig = JSON.parse(readFixture('shl-ig-example.json')) as {
  decryption: { key: string; jwe: string; expectedPlaintext: string; expectedPlaintextSha256: string };
};
const FIXTURE_KEY = decodeBase64url(ig.decryption.key) as Uint8Array<ArrayBuffer>;

const platform = createNodePlatform();

/** A compact JWE, dir / A256GCM, with the given extra header fields (and raw bytes as given). */
function encrypt(plaintext: Uint8Array, key: Uint8Array, header: Record<string, unknown>): string {
  return encryptFile(plaintext, key, { extraHeader: header });
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return isShlError(err) ? err.code : 'not-an-shl-error';
  }
}

describe('decryptFile', () => {
  test('the IG example JWE decrypts to the exact SHC file, with its cty', async () => {
    const key = await importFileKey(platform.subtle, FIXTURE_KEY);
    const file = await decryptFile(platform, key, ig.decryption.jwe, 1 << 20);
    expect(file.text).toBe(ig.decryption.expectedPlaintext);
    expect(createHash('sha256').update(file.text).digest('hex')).toBe(ig.decryption.expectedPlaintextSha256);
    expect(file.cty).toBe('application/smart-health-card');
  });

  test('the IPS fixture (no cty, an unexplained kid) decrypts to bundle.json byte for byte', async () => {
    const key = await importFileKey(platform.subtle, FIXTURE_KEY);
    const jwe = readFixture('ips-example/enc.txt');
    const file = await decryptFile(platform, key, jwe, 1 << 20);
    expect(file.text).toBe(readFixture('ips-example/bundle.json'));
    expect(file.cty).toBeUndefined();
  });

  test('zip DEF is inflated after decrypting; extra header fields are accepted', async () => {
    const raw = randomBytes(32);
    const key = await importFileKey(platform.subtle, new Uint8Array(raw));
    const text = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Ça va — ✓' }] });
    const jwe = encrypt(deflateRawSync(text), raw, { zip: 'DEF', cty: 'application/fhir+json', kid: 'x', foo: [1] });
    expect(await decryptFile(platform, key, jwe, 1 << 20)).toEqual({ text, cty: 'application/fhir+json' });
  });

  test('a decompression bomb answers too-large', async () => {
    const raw = randomBytes(32);
    const key = await importFileKey(platform.subtle, new Uint8Array(raw));
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    expect(await codeOf(decryptFile(platform, key, encrypt(bomb, raw, { zip: 'DEF' }), 1 << 20))).toBe('too-large');
  });

  test('an uncompressed file over the cap answers too-large', async () => {
    const raw = randomBytes(32);
    const key = await importFileKey(platform.subtle, new Uint8Array(raw));
    expect(await codeOf(decryptFile(platform, key, encrypt(new Uint8Array(2048), raw, {}), 1024))).toBe('too-large');
  });

  test('tampering, a wrong key and malformed input fail closed with decrypt-failed', async () => {
    const key = await importFileKey(platform.subtle, FIXTURE_KEY);
    const jwe = ig.decryption.jwe;
    const parts = jwe.split('.');
    const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const tampered = [
      [parts[0], parts[1], parts[2], flip(parts[3] as string, 10), parts[4]].join('.'),
      [parts[0], parts[1], parts[2], parts[3], flip(parts[4] as string, 3)].join('.'),
      [parts[0], parts[1], flip(parts[2] as string, 2), parts[3], parts[4]].join('.'),
      // A changed header no longer matches the AAD.
      [encodeBase64url(encodeUtf8(JSON.stringify({ alg: 'dir', enc: 'A256GCM' }))), ...parts.slice(1)].join('.'),
    ];
    for (const bad of tampered) {
      expect(await codeOf(decryptFile(platform, key, bad, 1 << 20))).toBe('decrypt-failed');
    }
    const otherKey = await importFileKey(platform.subtle, new Uint8Array(randomBytes(32)));
    expect(await codeOf(decryptFile(platform, otherKey, jwe, 1 << 20))).toBe('decrypt-failed');
    for (const malformed of ['', 'a.b.c', 'a..b.c.d', jwe + '.x', 'é.'.repeat(4) + 'x']) {
      expect(await codeOf(decryptFile(platform, key, malformed, 1 << 20))).toBe('decrypt-failed');
    }
  });

  test('other algorithms and bad zip values are refused', async () => {
    const raw = randomBytes(32);
    const key = await importFileKey(platform.subtle, new Uint8Array(raw));
    for (const header of [{ alg: 'A256KW' }, { enc: 'A128GCM' }, { zip: 'GZIP' }]) {
      expect(await codeOf(decryptFile(platform, key, encrypt(encodeUtf8('{}'), raw, header), 1 << 20))).toBe(
        'decrypt-failed'
      );
    }
    const notDeflate = encrypt(encodeUtf8('plain text, not deflate'), raw, { zip: 'DEF' });
    expect(await codeOf(decryptFile(platform, key, notDeflate, 1 << 20))).toBe('decrypt-failed');
  });
});
