/**
 * Sealed bot input: a compact JWE with `alg` `ECDH-ES` (direct key agreement) and `enc`
 * `A256GCM`, to the P-256 key in the `SHL_IMPORT_KEY` secret (RFC 7516, RFC 7518 §4.6).
 *
 * Written against WebCrypto alone: hosted Medplum gives bots jose 5, and jose 6 does not run in
 * the vmcontext sandbox. Callers (the import pages, tests) seal with jose.
 */
import { decodeBase64url, encodeUtf8 } from './shl/base64url';
import { decryptContent, parseCompactJwe } from './shl/compact-jwe';
import { ShlError } from './shl/errors';
import { jwkThumbprint } from './shl/jwk-thumbprint';
import { parseJsonObject } from './shl/json';

export interface PublicSealingJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  use: 'enc';
  alg: 'ECDH-ES';
}

export interface SealingKey {
  privateKey: CryptoKey;
  publicJwk: PublicSealingJwk;
  /** An AES-GCM key derived from the private key (HKDF-SHA-256): for what the bot keeps for itself. */
  storageKey: CryptoKey;
}

/** The HKDF `info` of the storage key: a new purpose gets a new label, never this key. */
const STORAGE_KEY_INFO = 'shl-import bot storage v1';

const NOT_CONFIGURED =
  'The bot has no usable key. An administrator should run "npm run keygen" and store the private key it prints as the project secret SHL_IMPORT_KEY.';

const SEALING_REQUIRED =
  "The input was not sealed to this bot's current key. Fetch the bot's public key again (operation public-key) and seal the link to it.";

/** Imports the `SHL_IMPORT_KEY` secret. Throws `not-configured` when it is missing or unusable. */
export async function importSealingKey(secret: string | undefined, subtle: SubtleCrypto): Promise<SealingKey> {
  const jwk = parseJsonObject(secret);
  if (!jwk) {
    throw new ShlError('not-configured', NOT_CONFIGURED);
  }
  const { kty, crv, x, y, d, kid } = jwk;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string' || typeof d !== 'string') {
    throw new ShlError('not-configured', NOT_CONFIGURED);
  }
  let privateKey: CryptoKey;
  try {
    privateKey = await subtle.importKey('jwk', { kty, crv, x, y, d }, { name: 'ECDH', namedCurve: 'P-256' }, false, [
      'deriveBits',
    ]);
  } catch {
    throw new ShlError('not-configured', NOT_CONFIGURED);
  }
  return {
    privateKey,
    storageKey: await deriveStorageKey(subtle, d),
    publicJwk: {
      kty: 'EC',
      crv: 'P-256',
      x,
      y,
      kid: typeof kid === 'string' && kid ? kid : await jwkThumbprint(subtle, { crv, kty, x, y }),
      use: 'enc',
      alg: 'ECDH-ES',
    },
  };
}

async function deriveStorageKey(subtle: SubtleCrypto, d: string): Promise<CryptoKey> {
  const secret = decodeBase64url(d);
  if (!secret) {
    throw new ShlError('not-configured', NOT_CONFIGURED);
  }
  const material = await subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encodeUtf8(STORAGE_KEY_INFO) },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt']
  );
}

interface SealHeader {
  crit?: unknown;
  alg?: unknown;
  enc?: unknown;
  zip?: unknown;
  kid?: unknown;
  epk?: { kty?: unknown; crv?: unknown; x?: unknown; y?: unknown };
  apu?: unknown;
  apv?: unknown;
}

/** Opens sealed input. Throws `sealing-required` for anything not sealed to this key. */
export async function unseal(sealed: unknown, key: SealingKey, subtle: SubtleCrypto): Promise<Uint8Array> {
  if (typeof sealed !== 'string') {
    throw new ShlError('sealing-required', SEALING_REQUIRED);
  }
  const jwe = parseCompactJwe(sealed);
  const header = jwe?.header as SealHeader | undefined;
  const epk = header?.epk;
  const apu = optionalBytes(header?.apu);
  const apv = optionalBytes(header?.apv);
  if (
    !jwe ||
    header?.alg !== 'ECDH-ES' ||
    header.enc !== 'A256GCM' ||
    header.zip !== undefined ||
    // No extension is understood here, so any critical one makes the input unusable (RFC 7516 §4.1.13).
    header.crit !== undefined ||
    (header.kid !== undefined && header.kid !== key.publicJwk.kid) ||
    epk?.kty !== 'EC' ||
    epk.crv !== 'P-256' ||
    typeof epk.x !== 'string' ||
    typeof epk.y !== 'string' ||
    !apu ||
    !apv
  ) {
    throw new ShlError('sealing-required', SEALING_REQUIRED);
  }
  try {
    const ephemeral = await subtle.importKey(
      'jwk',
      { kty: 'EC', crv: 'P-256', x: epk.x, y: epk.y },
      { name: 'ECDH', namedCurve: 'P-256' },
      false,
      []
    );
    const z = new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: ephemeral }, key.privateKey, 256));
    const cek = await concatKdf(subtle, z, 'A256GCM', apu, apv);
    const aesKey = await subtle.importKey('raw', cek, 'AES-GCM', false, ['decrypt']);
    return await decryptContent(subtle, aesKey, jwe);
  } catch {
    throw new ShlError('sealing-required', SEALING_REQUIRED);
  }
}

/** The Concat KDF of NIST SP 800-56A as JWA uses it (one SHA-256 round: 256-bit keys). */
async function concatKdf(
  subtle: SubtleCrypto,
  z: Uint8Array,
  algorithmId: string,
  apu: Uint8Array,
  apv: Uint8Array
): Promise<Uint8Array<ArrayBuffer>> {
  const alg = encodeUtf8(algorithmId);
  const input = new Uint8Array(4 + z.length + 4 + alg.length + 4 + apu.length + 4 + apv.length + 4);
  const view = new DataView(input.buffer);
  let offset = 0;
  view.setUint32(offset, 1);
  offset += 4;
  input.set(z, offset);
  offset += z.length;
  for (const part of [alg, apu, apv]) {
    view.setUint32(offset, part.length);
    input.set(part, offset + 4);
    offset += 4 + part.length;
  }
  view.setUint32(offset, 256);
  return new Uint8Array(await subtle.digest('SHA-256', input));
}

/** Decoded `apu`/`apv` (empty when absent); undefined when present but not base64url. */
function optionalBytes(value: unknown): Uint8Array | undefined {
  if (value === undefined) {
    return new Uint8Array(0);
  }
  return typeof value === 'string' ? decodeBase64url(value) : undefined;
}
