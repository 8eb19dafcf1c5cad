import { calculateJwkThumbprint, CompactEncrypt, importJWK } from 'jose';
import { createCipheriv, createHash, hkdfSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { generateImportKey } from '../scripts/keygen';
import { generateSealingSecret, sealForBot } from '../test/support/seal';
import { sealBox } from './bot-box';
import type { PublicSealingJwk } from './sealing';
import { importSealingKey, unseal } from './sealing';
import { decodeUtf8, encodeBase64url } from './shl/base64url';
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

/**
 * A compact ECDH-ES JWE built by hand with any protected header: the content key is derived as
 * the bot derives it (Concat KDF for A256GCM, no apu/apv), so the input decrypts whatever the
 * header claims, and only the bot's header checks can refuse it.
 */
async function sealByHand(
  publicJwk: PublicSealingJwk,
  header: Record<string, unknown>,
  plaintext: string,
  epkCurve = 'P-256'
): Promise<string> {
  const ephemeral = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const botKey = await subtle.importKey(
    'jwk',
    { kty: 'EC', crv: 'P-256', x: publicJwk.x, y: publicJwk.y },
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    []
  );
  const z = Buffer.from(await subtle.deriveBits({ name: 'ECDH', public: botKey }, ephemeral.privateKey, 256));
  const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const cek = createHash('sha256')
    .update(Buffer.concat([u32(1), z, u32(7), Buffer.from('A256GCM'), u32(0), u32(0), u32(256)]))
    .digest();
  const { x, y } = await subtle.exportKey('jwk', ephemeral.publicKey);
  const protectedHeader = encodeBase64url(
    new TextEncoder().encode(
      JSON.stringify({ alg: 'ECDH-ES', enc: 'A256GCM', epk: { kty: 'EC', crv: epkCurve, x, y }, ...header })
    )
  );
  const iv = Buffer.alloc(12, 7);
  const cipher = createCipheriv('aes-256-gcm', cek, iv).setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const b64 = (bytes: Buffer): string => encodeBase64url(new Uint8Array(bytes));
  return [protectedHeader, '', b64(iv), b64(ciphertext), b64(cipher.getAuthTag())].join('.');
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

  test('a header the bot does not implement is refused even when the input would decrypt', async () => {
    const key = await importSealingKey(await generateSealingSecret(), subtle);
    // The hand-built input itself opens: what refuses the others is the one header field changed.
    expect(decodeUtf8(await unseal(await sealByHand(key.publicJwk, {}, '{"shl":"x"}'), key, subtle))).toBe(
      '{"shl":"x"}'
    );
    const refused = [
      await sealByHand(key.publicJwk, { enc: 'A128GCM' }, '{"shl":"x"}'),
      await sealByHand(key.publicJwk, { zip: 'DEF' }, '{"shl":"x"}'),
      await sealByHand(key.publicJwk, { kid: 'another-key' }, '{"shl":"x"}'),
      await sealByHand(key.publicJwk, {}, '{"shl":"x"}', 'P-384'),
    ];
    for (const sealed of refused) {
      expect(await codeOf(unseal(sealed, key, subtle)), sealed.split('.')[0]).toMatch(/^sealing-required:/);
    }
  });

  test('refusals tell the caller how to get sealing right', async () => {
    const key = await importSealingKey(await generateSealingSecret(), subtle);
    expect(await codeOf(unseal('x.y.z.w.v', key, subtle))).toBe(
      "sealing-required:The input was not sealed to this bot's current key. Fetch the bot's public key again (operation public-key) and seal the link to it."
    );
  });

  test('the imported private key and the storage key cannot be exported from WebCrypto', async () => {
    const key = await importSealingKey(await generateSealingSecret(), subtle);
    expect(key.privateKey.extractable).toBe(false);
    expect(key.storageKey.extractable).toBe(false);
    await expect(subtle.exportKey('jwk', key.privateKey)).rejects.toThrow();
  });

  test('the storage key is HKDF-SHA-256 of the private scalar with its own label (checked with node:crypto)', async () => {
    const secret = await generateSealingSecret();
    const key = await importSealingKey(secret, subtle);
    const d = Buffer.from((JSON.parse(secret) as { d: string }).d, 'base64url');
    const expectedKey = Buffer.from(hkdfSync('sha256', d, Buffer.alloc(0), 'shl-import bot storage v1', 32));
    const iv = new Uint8Array(12).fill(3);
    const boxed = await sealBox({ key: key.storageKey, subtle, randomBytes: () => iv }, 'follow-task', { a: 1 });
    const cipher = createCipheriv('aes-256-gcm', expectedKey, iv).setAAD(Buffer.from('shl-import follow-task v1'));
    const expected = Buffer.concat([Buffer.from(iv), cipher.update('{"a":1}'), cipher.final(), cipher.getAuthTag()]);
    expect(Buffer.from(boxed).toString('hex')).toBe(expected.toString('hex'));
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
