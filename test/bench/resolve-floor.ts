/**
 * The least any receiver must do to read a link: request the manifest, fetch every `location`
 * file at once, decrypt each with WebCrypto AES-GCM, raw-inflate, `JSON.parse`; for a health-card
 * file, also each card's signature checked (ES256, the issuer key imported once) and its payload
 * decoded, inflated and parsed, since a receiver that skips the check returns forged content.
 * Nothing else: no checks of shape, no limits, no normalization. Answers the resources it read.
 */
import { inflateRawSync } from 'node:zlib';

interface ManifestFile {
  embedded?: string;
  location?: string;
}

export async function floorResolve(
  url: string,
  keyText: string,
  recipient: string,
  issuerJwk?: JsonWebKey
): Promise<number> {
  const manifest = (await (
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipient }),
    })
  ).json()) as { files: ManifestFile[] };
  const key = await crypto.subtle.importKey('raw', Buffer.from(keyText, 'base64url'), 'AES-GCM', false, ['decrypt']);
  const issuerKey =
    issuerJwk &&
    (await crypto.subtle.importKey('jwk', issuerJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']));
  const counts = await Promise.all(
    manifest.files.map(async (file) => {
      const jwe = file.embedded ?? (await (await fetch(file.location ?? '')).text());
      const content = JSON.parse(inflateRawSync(await decrypt(jwe, key)).toString('utf8')) as {
        entry?: unknown[];
        verifiableCredential?: string[];
      };
      if (!content.verifiableCredential) {
        return content.entry?.length ?? 1;
      }
      const cards = await Promise.all(content.verifiableCredential.map((jws) => readCard(jws, issuerKey)));
      return cards.reduce((sum, n) => sum + n, 0);
    })
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

async function decrypt(jwe: string, key: CryptoKey): Promise<Buffer> {
  const [header = '', , iv = '', ciphertext = '', tag = ''] = jwe.split('.');
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: Buffer.from(iv, 'base64url'), additionalData: Buffer.from(header) },
    key,
    Buffer.concat([Buffer.from(ciphertext, 'base64url'), Buffer.from(tag, 'base64url')])
  );
  return Buffer.from(plaintext);
}

async function readCard(jws: string, issuerKey: CryptoKey | undefined): Promise<number> {
  const [header = '', payload = '', signature = ''] = jws.split('.');
  if (!issuerKey) {
    throw new Error('a health card without the issuer key');
  }
  const valid = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    issuerKey,
    Buffer.from(signature, 'base64url'),
    Buffer.from(`${header}.${payload}`)
  );
  if (!valid) {
    throw new Error('a health card whose signature does not verify');
  }
  const card = JSON.parse(inflateRawSync(Buffer.from(payload, 'base64url')).toString('utf8')) as {
    vc: { credentialSubject: { fhirBundle: { entry: unknown[] } } };
  };
  return card.vc.credentialSubject.fhirBundle.entry.length;
}
