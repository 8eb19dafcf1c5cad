/**
 * The Node SubtleCrypto answers as WebCrypto does (each side decrypts and verifies what the
 * other wrote, both refuse the same tampering), and does the operations it covers itself.
 */
import fc from 'fast-check';
import { webcrypto } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createNodeSubtle } from './node-subtle';

const web = webcrypto.subtle as SubtleCrypto;

/** The Node SubtleCrypto over a WebCrypto that counts the calls handed to it. */
function counted(): { subtle: SubtleCrypto; handed: string[] } {
  const handed: string[] = [];
  const spy = new Proxy(web, {
    get: (target, name: string) => {
      const method = (target as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
      return (...args: unknown[]) => {
        handed.push(name);
        return method?.apply(target, args);
      };
    },
  });
  return { subtle: createNodeSubtle(spy), handed };
}

const aesKey = (usages: KeyUsage[], length = 256): Promise<CryptoKey> =>
  web.generateKey({ name: 'AES-GCM', length }, false, usages);
const bytes = (min = 0, max = 4096): fc.Arbitrary<Uint8Array<ArrayBuffer>> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => new Uint8Array(b));

describe('createNodeSubtle', () => {
  test('AES-GCM: each side opens what the other sealed, with and without additional data', async () => {
    const { subtle, handed } = counted();
    const key = await aesKey(['encrypt', 'decrypt']);
    await fc.assert(
      fc.asyncProperty(bytes(), bytes(12, 12), fc.option(bytes(0, 64), { nil: undefined }), async (data, iv, aad) => {
        const params: AesGcmParams = { name: 'AES-GCM', iv, ...(aad && { additionalData: aad }) };
        const ours = new Uint8Array(await subtle.encrypt(params, key, data));
        expect(ours).toEqual(new Uint8Array(await web.encrypt(params, key, data)));
        expect(new Uint8Array(await web.decrypt(params, key, ours))).toEqual(data);
        expect(new Uint8Array(await subtle.decrypt(params, key, ours))).toEqual(data);
      }),
      { numRuns: 50 }
    );
    expect(handed).toEqual([]);
  });

  test('AES-GCM: a changed byte, tag or additional data is refused by both', async () => {
    const { subtle } = counted();
    const key = await aesKey(['encrypt', 'decrypt']);
    const iv = new Uint8Array(12).fill(7);
    const additionalData = new TextEncoder().encode('header');
    const sealed = new Uint8Array(
      await subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, new TextEncoder().encode('{"a":1}'))
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
        const changed = sealed.slice();
        changed[at] = (changed[at] ?? 0) ^ flip;
        await expect(subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, changed)).rejects.toThrow();
        await expect(web.decrypt({ name: 'AES-GCM', iv, additionalData }, key, changed)).rejects.toThrow();
      }),
      { numRuns: 30 }
    );
    const otherData = { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode('other') };
    await expect(subtle.decrypt(otherData, key, sealed)).rejects.toThrow();
    await expect(subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed)).rejects.toThrow();
    await expect(
      subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, sealed.subarray(0, 15))
    ).rejects.toThrow();
  });

  test('AES-GCM: what it does not cover goes to WebCrypto, which refuses a key without the usage', async () => {
    const { subtle, handed } = counted();
    const iv = new Uint8Array(12);
    const short = await aesKey(['encrypt', 'decrypt'], 128);
    const sealed = await subtle.encrypt({ name: 'AES-GCM', iv }, short, new Uint8Array([1, 2, 3]));
    expect(new Uint8Array(await web.decrypt({ name: 'AES-GCM', iv }, short, sealed))).toEqual(
      new Uint8Array([1, 2, 3])
    );
    await subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 96 }, await aesKey(['encrypt']), new Uint8Array(1));
    await expect(subtle.decrypt({ name: 'AES-GCM', iv }, await aesKey(['encrypt']), sealed)).rejects.toThrow();
    expect(handed).toEqual(['encrypt', 'encrypt', 'decrypt']);
  });

  test('ECDH P-256: the same 256 bits as WebCrypto; another length goes to WebCrypto', async () => {
    const { subtle, handed } = counted();
    const pair = () => web.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    for (let i = 0; i < 5; i++) {
      const [ours, theirs] = [await pair(), await pair()];
      const bits = new Uint8Array(
        await subtle.deriveBits({ name: 'ECDH', public: theirs.publicKey }, ours.privateKey, 256)
      );
      expect(bits).toHaveLength(32);
      expect(bits).toEqual(
        new Uint8Array(await web.deriveBits({ name: 'ECDH', public: ours.publicKey }, theirs.privateKey, 256))
      );
    }
    expect(handed).toEqual([]);
    const [a, b] = [await pair(), await pair()];
    expect(await subtle.deriveBits({ name: 'ECDH', public: b.publicKey }, a.privateKey, 128)).toHaveProperty(
      'byteLength',
      16
    );
    await expect(subtle.deriveBits({ name: 'ECDH', public: b.privateKey }, a.privateKey, 256)).rejects.toThrow();
    expect(handed).toEqual(['deriveBits', 'deriveBits']);
  });

  test("SHA digests equal WebCrypto's", async () => {
    const { subtle, handed } = counted();
    await fc.assert(
      fc.asyncProperty(bytes(), fc.constantFrom('SHA-1', 'SHA-256', 'sha-384', 'SHA-512'), async (data, hash) => {
        expect(new Uint8Array(await subtle.digest(hash, data))).toEqual(new Uint8Array(await web.digest(hash, data)));
        expect(new Uint8Array(await subtle.digest({ name: hash }, data.buffer))).toEqual(
          new Uint8Array(await web.digest(hash, data))
        );
      }),
      { numRuns: 40 }
    );
    expect(handed).toEqual([]);
  });

  test('ES256: true for a good signature, false for a changed one or one that cannot be read, as WebCrypto', async () => {
    const { subtle, handed } = counted();
    const issuer = await web.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const es256 = { name: 'ECDSA', hash: 'SHA-256' };
    await fc.assert(
      fc.asyncProperty(bytes(1, 512), fc.nat(), async (data, at) => {
        const signature = new Uint8Array(await web.sign(es256, issuer.privateKey, data));
        const changed = data.slice();
        changed[at % changed.length] = (changed[at % changed.length] ?? 0) ^ 1;
        for (const [signed, valid] of [
          [data, true],
          [changed, false],
        ] as const) {
          expect(await subtle.verify(es256, issuer.publicKey, signature, signed)).toBe(valid);
          expect(await web.verify(es256, issuer.publicKey, signature, signed)).toBe(valid);
        }
        expect(await subtle.verify(es256, issuer.publicKey, signature.subarray(1), data)).toBe(false);
        expect(await web.verify(es256, issuer.publicKey, signature.subarray(1), data)).toBe(false);
      }),
      { numRuns: 30 }
    );
    expect(handed).toEqual([]);
    await expect(subtle.verify(es256, issuer.privateKey, new Uint8Array(64), new Uint8Array(1))).rejects.toThrow();
    expect(handed).toEqual(['verify']);
  });
});
