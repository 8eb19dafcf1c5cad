/** Sealing as the pages do it (what is sealed goes on the leak check's list), and fresh bot keys, for tests. */
import { exportJWK, generateKeyPair } from 'jose';
import type { SealedInput } from '../../bots/contract';
import { sealForBot as sealAsPagesDo } from '../../app/sealing';
import { watchSealedPlaintext } from './leak-check';

/** `sealForBot` of the pages; the sealed text, link and passcode are watched for leaks. */
export async function sealForBot(publicJwk: JsonWebKey & { kid?: string }, input: SealedInput): Promise<string> {
  const sealed = await sealAsPagesDo(publicJwk, input);
  watchSealedPlaintext(sealed, input);
  return sealed;
}

/** JSON text of a new private P-256 JWK, as the `SHL_IMPORT_KEY` secret holds it. */
export async function generateSealingSecret(): Promise<string> {
  const { privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
  return JSON.stringify(await exportJWK(privateKey));
}
