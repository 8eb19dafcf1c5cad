/**
 * The compact JWE serialization with A256GCM content encryption (RFC 7516), shared by SHL
 * files (`alg` `dir`) and the bot's sealed input (`alg` `ECDH-ES`): both have an empty
 * encrypted-key part and authenticate the protected header exactly as it appears.
 */
import { decodeBase64url, decodeJsonSegment, encodeUtf8 } from './base64url';
import type { Codec } from './platform';

export interface CompactJwe {
  /** The protected header segment as it appears (the AES-GCM additional data). */
  protectedB64: string;
  header: Record<string, unknown>;
  iv: Uint8Array<ArrayBuffer>;
  /** Ciphertext followed by the 16-byte tag, as WebCrypto takes it. */
  sealed: Uint8Array<ArrayBuffer>;
}

/** Splits and decodes a compact JWE with an empty key part; undefined when malformed. */
export function parseCompactJwe(
  text: string,
  decode: Codec['decodeBase64url'] = decodeBase64url
): CompactJwe | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 5 || parts[1] !== '') {
    return undefined;
  }
  const [protectedB64, , ivB64, ciphertextB64, tagB64] = parts as [string, string, string, string, string];
  const header = decodeJsonSegment(protectedB64);
  const iv = decode(ivB64);
  const ciphertext = decode(ciphertextB64);
  const tag = decode(tagB64);
  if (!header || iv?.length !== 12 || tag?.length !== 16 || !ciphertext) {
    return undefined;
  }
  const sealed = new Uint8Array(ciphertext.length + tag.length);
  sealed.set(ciphertext);
  sealed.set(tag, ciphertext.length);
  return { protectedB64, header, iv, sealed };
}

/** AES-256-GCM decryption of a parsed JWE. Rejects when the tag does not verify. */
export async function decryptContent(subtle: SubtleCrypto, key: CryptoKey, jwe: CompactJwe): Promise<Uint8Array> {
  return new Uint8Array(
    await subtle.decrypt(
      { name: 'AES-GCM', iv: jwe.iv, additionalData: encodeUtf8(jwe.protectedB64), tagLength: 128 },
      key,
      jwe.sealed
    )
  );
}
