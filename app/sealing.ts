/**
 * Sealing a link (and passcode), or a health card's QR codes, to the bot's public key in the
 * browser, so neither reaches Medplum in the clear: a compact JWE, ECDH-ES / A256GCM (see the
 * bot contract).
 */
import { CompactEncrypt, importJWK } from 'jose';
import type { SealedInput } from '../bots/contract';

export async function sealForBot(publicJwk: JsonWebKey & { kid?: string }, input: SealedInput): Promise<string> {
  const key = await importJWK({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y }, 'ECDH-ES');
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(input)))
    .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', ...(publicJwk.kid && { kid: publicJwk.kid }) })
    .encrypt(key);
}
