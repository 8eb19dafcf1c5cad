import { encodeBase64url, encodeUtf8 } from './base64url';

/** The RFC 7638 thumbprint (SHA-256, base64url) of an EC public key. */
export async function jwkThumbprint(
  subtle: SubtleCrypto,
  jwk: { crv: string; kty: string; x: string; y: string }
): Promise<string> {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return encodeBase64url(new Uint8Array(await subtle.digest('SHA-256', encodeUtf8(canonical))));
}
