/** Sealing as callers do it (with jose), and fresh bot keys, for tests. */
import { CompactEncrypt, exportJWK, generateKeyPair, importJWK } from 'jose';

/** Seals `{shl, passcode?}` to the bot's public key: compact JWE, ECDH-ES / A256GCM. */
export async function sealForBot(
  publicJwk: JsonWebKey & { kid?: string },
  input: { shl: string; passcode?: string }
): Promise<string> {
  const key = await importJWK({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y }, 'ECDH-ES');
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(input)))
    .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', ...(publicJwk.kid && { kid: publicJwk.kid }) })
    .encrypt(key);
}

/** JSON text of a new private P-256 JWK, as the `SHL_IMPORT_KEY` secret holds it. */
export async function generateSealingSecret(): Promise<string> {
  const { privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
  return JSON.stringify(await exportJWK(privateKey));
}
