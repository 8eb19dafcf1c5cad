/**
 * `npm run keygen`: a new P-256 key for the bot. The private JWK goes into the Medplum project
 * secret `SHL_IMPORT_KEY`; the bot answers the public half to anyone who asks (`public-key`).
 */
import { importSealingKey } from '../bots/sealing';

export interface GeneratedKey {
  /** JSON text for the `SHL_IMPORT_KEY` secret. */
  secret: string;
  publicJwk: Awaited<ReturnType<typeof importSealingKey>>['publicJwk'];
}

export async function generateImportKey(subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<GeneratedKey> {
  const pair = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const { kty, crv, x, y, d } = await subtle.exportKey('jwk', pair.privateKey);
  const { publicJwk } = await importSealingKey(JSON.stringify({ kty, crv, x, y, d }), subtle);
  const secret = JSON.stringify({ kty, crv, x, y, d, kid: publicJwk.kid, use: 'enc', alg: 'ECDH-ES' });
  return { secret, publicJwk };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const { secret, publicJwk } = await generateImportKey();
  console.log('Store this private key as the Medplum project secret SHL_IMPORT_KEY (Project Admin > Secrets).');
  console.log('Keep it out of files, tickets and chat: it opens every link sealed to the bot.\n');
  console.log(secret);
  console.log('\nIts public key (the bot also answers it to the pages: operation public-key):\n');
  console.log(JSON.stringify(publicJwk));
}
