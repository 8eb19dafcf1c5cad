/** Sealing as the pages do it, and fresh bot keys, for tests. */
import { exportJWK, generateKeyPair } from 'jose';

export { sealForBot } from '../../app/sealing';

/** JSON text of a new private P-256 JWK, as the `SHL_IMPORT_KEY` secret holds it. */
export async function generateSealingSecret(): Promise<string> {
  const { privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
  return JSON.stringify(await exportJWK(privateKey));
}
