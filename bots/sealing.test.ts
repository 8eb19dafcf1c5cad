import { calculateJwkThumbprint, CompactEncrypt, importJWK } from 'jose';
import { describe, expect, test } from 'vitest';
import { generateImportKey } from '../scripts/keygen';
import { generateSealingSecret, sealForBot } from '../test/support/seal';
import { importSealingKey, unseal } from './sealing';
import { decodeUtf8 } from './shl/base64url';
import { isShlError } from './shl/errors';

const subtle = globalThis.crypto.subtle;
const input = { shl: 'shlink:/eyJ1cmwiOiJodHRwczovL2EuZXhhbXBsZS9tIn0', passcode: 'secret-passcode' };

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return isShlError(err) ? `${err.code}:${err.message}` : 'not-an-shl-error';
  }
}

describe('sealing', () => {
  test('input sealed with jose opens, and the public key is the thumbprinted public half', async () => {
    const secret = await generateSealingSecret();
    const key = await importSealingKey(secret, subtle);
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.publicJwk.kid).toBe(await calculateJwkThumbprint(key.publicJwk));
    const opened = await unseal(await sealForBot(key.publicJwk, input), key, subtle);
    expect(JSON.parse(decodeUtf8(opened) ?? '')).toEqual(input);
  });

  test('a kid in the secret is kept', async () => {
    const secret = JSON.stringify({ ...JSON.parse(await generateSealingSecret()), kid: 'key-2026' });
    expect((await importSealingKey(secret, subtle)).publicJwk.kid).toBe('key-2026');
  });

  test('apu and apv from the sender take part in the key derivation', async () => {
    const key = await importSealingKey(await generateSealingSecret(), subtle);
    const sealed = await new CompactEncrypt(new TextEncoder().encode('{"shl":"x"}'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' })
      .setKeyManagementParameters({ apu: new TextEncoder().encode('Alice'), apv: new TextEncoder().encode('Bob') })
      .encrypt(await importJWK({ ...key.publicJwk }, 'ECDH-ES'));
    expect(decodeUtf8(await unseal(sealed, key, subtle))).toBe('{"shl":"x"}');
  });

  test('anything not sealed to this key is sealing-required, and says nothing of the content', async () => {
    const key = await importSealingKey(await generateSealingSecret(), subtle);
    const other = await importSealingKey(await generateSealingSecret(), subtle);
    const good = await sealForBot(key.publicJwk, input);
    const parts = good.split('.');
    const flip = (s: string): string =>
      s[5] === 'A' ? s.slice(0, 5) + 'B' + s.slice(6) : s.slice(0, 5) + 'A' + s.slice(6);
    const cases: unknown[] = [
      await sealForBot(other.publicJwk, input),
      await sealForBot({ ...key.publicJwk, kid: other.publicJwk.kid }, input),
      [parts[0], parts[1], parts[2], flip(parts[3] ?? ''), parts[4]].join('.'),
      [parts[0], parts[1], parts[2], parts[3], flip(parts[4] ?? '')].join('.'),
      'eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
      'x.y.z.w.v',
      42,
      undefined,
      { sealed: true },
    ];
    for (const sealed of cases) {
      const result = await codeOf(unseal(sealed, key, subtle));
      expect(result).toMatch(/^sealing-required:/);
      expect(result).not.toContain('secret-passcode');
    }
  });

  test('other algorithms in the header are refused', async () => {
    const key = await importSealingKey(await generateSealingSecret(), subtle);
    const rsaLike = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
      .encrypt(await importJWK({ ...key.publicJwk }, 'ECDH-ES+A256KW'));
    expect(await codeOf(unseal(rsaLike, key, subtle))).toMatch(/^sealing-required:/);
  });

  test('a critical header extension the bot does not know is refused (RFC 7516 crit), even if it decrypts', async () => {
    const key = await importSealingKey(await generateSealingSecret(), subtle);
    const critical = await new CompactEncrypt(new TextEncoder().encode('{"shl":"x"}'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', crit: ['exp'], exp: 1 })
      .encrypt(await importJWK({ ...key.publicJwk }, 'ECDH-ES'), { crit: { exp: true } });
    expect(await codeOf(unseal(critical, key, subtle))).toMatch(/^sealing-required:/);
  });

  test('a missing or unusable secret is not-configured and never echoed', async () => {
    const publicOnly = JSON.stringify({ ...JSON.parse(await generateSealingSecret()), d: undefined });
    const p384 = JSON.stringify({ ...JSON.parse(await generateSealingSecret()), crv: 'P-384' });
    const badD = JSON.stringify({ ...JSON.parse(await generateSealingSecret()), d: 'AAAA' });
    for (const secret of [undefined, '', 'not json', '{"kty":"RSA","n":"x","e":"AQAB"}', publicOnly, p384, badD]) {
      const result = await codeOf(importSealingKey(secret, subtle));
      expect(result).toMatch(/^not-configured:.*npm run keygen/);
      if (secret) {
        expect(result).not.toContain(secret);
      }
    }
  });

  test('npm run keygen prints a key the bot imports and opens', async () => {
    const { secret, publicJwk } = await generateImportKey();
    const key = await importSealingKey(secret, subtle);
    expect(key.publicJwk).toEqual(publicJwk);
    expect(publicJwk).not.toHaveProperty('d');
    const opened = await unseal(await sealForBot(publicJwk, { shl: 'x' }), key, subtle);
    expect(decodeUtf8(opened)).toBe('{"shl":"x"}');
  });
});
