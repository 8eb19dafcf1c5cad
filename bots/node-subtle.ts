/**
 * WebCrypto's SubtleCrypto for Node, with the operations every run makes done by node:crypto at
 * once: AES-GCM (sealed input, link files, what the bot keeps), ECDH P-256 bits (unsealing),
 * ES256 verification (health cards) and SHA digests. Node's WebCrypto hands each call to the
 * thread pool, which costs about 0.13 ms on a few kilobytes against 0.005-0.05 ms here, and a
 * small link's resolve makes about a dozen such calls (fifty health cards, a hundred).
 *
 * Keys stay WebCrypto's own (`KeyObject.from` reads them, extractable or not), so callers see
 * one SubtleCrypto; a call outside these cases (another algorithm, key or length) goes to
 * WebCrypto unchanged, and so do key import, derivation and generation. Failures reject, as
 * WebCrypto's do, and a signature that cannot be read verifies as false in both.
 */
import type { KeyObject as NodeKeyObject } from 'node:crypto';
import { createCipheriv, createDecipheriv, createHash, diffieHellman, KeyObject, verify, webcrypto } from 'node:crypto';

/** The GCM tag's length in bytes (WebCrypto's default, and the only one JOSE uses). */
const TAG_BYTES = 16;
const HASHES: Record<string, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

export function createNodeSubtle(subtle: SubtleCrypto = webcrypto.subtle as SubtleCrypto): SubtleCrypto {
  return {
    encrypt: (algorithm, key, data) => {
      const gcm = aesGcm(algorithm, key, 'encrypt');
      return gcm ? settle(() => gcmEncrypt(gcm, bytes(data))) : subtle.encrypt(algorithm, key, data);
    },
    decrypt: (algorithm, key, data) => {
      const gcm = aesGcm(algorithm, key, 'decrypt');
      return gcm ? settle(() => gcmDecrypt(gcm, bytes(data))) : subtle.decrypt(algorithm, key, data);
    },
    deriveBits: (algorithm, baseKey, length) => {
      const peer = (algorithm as Partial<EcdhKeyDeriveParams>).public;
      return nameOf(algorithm) === 'ECDH' &&
        peer &&
        baseKey.type === 'private' &&
        isP256(baseKey, 'ECDH') &&
        baseKey.usages.includes('deriveBits') &&
        peer.type === 'public' &&
        isP256(peer, 'ECDH') &&
        length === 256
        ? settle(() =>
            ownBuffer(diffieHellman({ privateKey: KeyObject.from(baseKey), publicKey: KeyObject.from(peer) }))
          )
        : subtle.deriveBits(algorithm, baseKey, length);
    },
    digest: (algorithm, data) => {
      const hash = HASHES[nameOf(algorithm)];
      return hash
        ? settle(() => ownBuffer(createHash(hash).update(bytes(data)).digest()))
        : subtle.digest(algorithm, data);
    },
    verify: (algorithm, key, signature, data) => {
      if (
        nameOf(algorithm) !== 'ECDSA' ||
        nameOf((algorithm as Partial<EcdsaParams>).hash ?? '') !== 'SHA-256' ||
        !isP256(key, 'ECDSA') ||
        !key.usages.includes('verify')
      ) {
        return subtle.verify(algorithm, key, signature, data);
      }
      return settle(() =>
        verify('sha256', bytes(data), { key: KeyObject.from(key), dsaEncoding: 'ieee-p1363' }, bytes(signature))
      );
    },
    importKey: subtle.importKey.bind(subtle),
    exportKey: subtle.exportKey.bind(subtle),
    generateKey: subtle.generateKey.bind(subtle),
    deriveKey: subtle.deriveKey.bind(subtle),
    sign: subtle.sign.bind(subtle),
    wrapKey: subtle.wrapKey.bind(subtle),
    unwrapKey: subtle.unwrapKey.bind(subtle),
  };
}

interface Gcm {
  key: NodeKeyObject;
  iv: Uint8Array;
  additionalData?: Uint8Array;
}

/** The AES-256-GCM parameters when `key` may do `usage` with a 128-bit tag; undefined otherwise (WebCrypto answers). */
function aesGcm(algorithm: AlgorithmIdentifier, key: CryptoKey, usage: KeyUsage): Gcm | undefined {
  const params = algorithm as Partial<AesGcmParams>;
  if (
    nameOf(algorithm) !== 'AES-GCM' ||
    key.algorithm.name !== 'AES-GCM' ||
    (key.algorithm as AesKeyAlgorithm).length !== 256 ||
    !key.usages.includes(usage) ||
    (params.tagLength ?? 128) !== 128 ||
    !params.iv
  ) {
    return undefined;
  }
  return {
    key: KeyObject.from(key),
    iv: bytes(params.iv),
    ...(params.additionalData && { additionalData: bytes(params.additionalData) }),
  };
}

function gcmEncrypt({ key, iv, additionalData }: Gcm, plaintext: Uint8Array): ArrayBuffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (additionalData) {
    cipher.setAAD(additionalData);
  }
  const out = new Uint8Array(plaintext.length + TAG_BYTES);
  out.set(cipher.update(plaintext));
  cipher.final();
  out.set(cipher.getAuthTag(), plaintext.length);
  return out.buffer;
}

function gcmDecrypt({ key, iv, additionalData }: Gcm, sealed: Uint8Array): ArrayBuffer {
  if (sealed.length < TAG_BYTES) {
    throw new Error('The ciphertext is shorter than its tag.');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  if (additionalData) {
    decipher.setAAD(additionalData);
  }
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plaintext = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  decipher.final();
  return ownBuffer(plaintext);
}

function isP256(key: CryptoKey, name: string): boolean {
  return key.algorithm.name === name && (key.algorithm as EcKeyAlgorithm).namedCurve === 'P-256';
}

function nameOf(algorithm: AlgorithmIdentifier): string {
  return (typeof algorithm === 'string' ? algorithm : algorithm.name).toUpperCase();
}

/** A view of any BufferSource, without copying. */
function bytes(source: BufferSource): Uint8Array {
  return ArrayBuffer.isView(source)
    ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
    : new Uint8Array(source);
}

/**
 * The bytes as an ArrayBuffer of their own: a Buffer's own when it has one (a decrypted file of
 * megabytes), a copy when it sits in Node's pool of small Buffers. (No Buffer of node:crypto sits
 * on a SharedArrayBuffer; `instanceof ArrayBuffer` is no test here, since it fails across realms,
 * as in the vmcontext sandbox.)
 */
function ownBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.length
    ? (buffer.buffer as ArrayBuffer)
    : new Uint8Array(buffer).buffer;
}

/** `run`'s answer as a promise, its throw as a rejection (as WebCrypto answers). */
function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
