/**
 * Decrypting SHL files: compact JWE, `alg` `dir`, `enc` `A256GCM`, optional `zip` `DEF` (raw
 * DEFLATE, inflated under the size cap after the tag has been checked). Extra header fields
 * (`kid`, unknown ones) are accepted. Any failure is `decrypt-failed`: it means tampering or a
 * wrong key, and no partial plaintext is ever returned.
 */
import { decryptContent, parseCompactJwe } from './compact-jwe';
import { isShlError, ShlError } from './errors';
import type { Platform } from './platform';

export interface DecryptedFile {
  /** The plaintext as text (UTF-8). */
  text: string;
  /** The protected header's `cty`, when given. */
  cty?: string;
}

const DECRYPT_FAILED =
  'A file in this link could not be decrypted: it was altered or does not belong to this link. Ask the sender for a new link.';

/** Imports the link's 32-byte key for AES-GCM decryption (once per link). */
export function importFileKey(subtle: SubtleCrypto, key: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt']);
}

/** Decrypts one compact JWE with the link's key. */
export async function decryptFile(
  platform: Pick<Platform, 'subtle' | 'inflateRaw' | 'codec'>,
  key: CryptoKey,
  jwe: string,
  maxFileBytes: number
): Promise<DecryptedFile> {
  const parsed = parseCompactJwe(jwe, platform.codec.decodeBase64url);
  const header = parsed?.header as JweHeader | undefined;
  if (
    !parsed ||
    header?.alg !== 'dir' ||
    header.enc !== 'A256GCM' ||
    (header.zip !== undefined && header.zip !== 'DEF')
  ) {
    throw new ShlError('decrypt-failed', DECRYPT_FAILED);
  }
  let plaintext: Uint8Array;
  try {
    plaintext = await decryptContent(platform.subtle, key, parsed);
  } catch {
    throw new ShlError('decrypt-failed', DECRYPT_FAILED);
  }
  if (header.zip === 'DEF') {
    plaintext = await inflate(platform, plaintext, maxFileBytes);
  } else if (plaintext.length > maxFileBytes) {
    throw new ShlError('too-large', `A file in this link is larger than the ${formatMb(maxFileBytes)} limit.`);
  }
  const text = platform.codec.decodeUtf8(plaintext);
  if (text === undefined) {
    throw new ShlError(
      'decrypt-failed',
      'A file in this link decrypted to something that is not text. Ask the sender for a new link.'
    );
  }
  return typeof header.cty === 'string' ? { text, cty: header.cty } : { text };
}

interface JweHeader {
  alg?: unknown;
  enc?: unknown;
  zip?: unknown;
  cty?: unknown;
}

async function inflate(
  platform: Pick<Platform, 'inflateRaw'>,
  data: Uint8Array,
  maxFileBytes: number
): Promise<Uint8Array> {
  try {
    return await platform.inflateRaw(data, maxFileBytes);
  } catch (err) {
    if (isShlError(err)) {
      throw err;
    }
    throw new ShlError(
      'decrypt-failed',
      'A file in this link could not be decompressed. Ask the sender for a new link.'
    );
  }
}

/** "20 MB" from a byte count. */
export function formatMb(bytes: number): string {
  return `${Math.round((bytes / 1048576) * 10) / 10} MB`;
}
