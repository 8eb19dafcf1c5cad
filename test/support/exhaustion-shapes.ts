/**
 * Files of the links that try to exhaust the server, shared by the budget tests
 * (`resolve-budgets.test.ts`, with small limits) and the exhaustion bench (`exhaustion-probe.ts`,
 * with the default ones): many tiny resources, bytes over the link's total, a zip bomb, absurd
 * nesting, health cards that inflate past the total.
 */
import { CompactSign, generateKeyPair } from 'jose';
import { deflateRawSync } from 'node:zlib';
import type { FileSpec } from '../../local/shl-sender';

const FHIR = 'application/fhir+json';

/** A Bundle of `count` tiny resources: a few hundred KB of zip that parses into very many objects. */
export function tinyBundle(count: number): FileSpec {
  const entry = '{"resource":{"resourceType":"Basic","code":{"text":"x"}}}';
  const content = `{"resourceType":"Bundle","type":"collection","entry":[${Array.from({ length: count }, () => entry).join(',')}]}`;
  return { content, contentType: FHIR, zip: true };
}

/** A Bundle of one resource holding `bytes` of text: a few KB of zip (a zip bomb when large). */
export function paddedBundle(bytes: number): FileSpec {
  const content = `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Basic","code":{"text":"${'x'.repeat(bytes)}"}}}]}`;
  return { content, contentType: FHIR, zip: true };
}

/** A resource nested `depth` levels deep. */
export function nestedFile(depth: number): FileSpec {
  const content = `{"resourceType":"Basic","extension":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  return { content, contentType: FHIR, zip: true };
}

/** One health-card file of `count` signed cards, each payload inflating to `paddingBytes` and more. */
export async function paddedCards(count: number, paddingBytes: number): Promise<FileSpec> {
  const { privateKey } = await generateKeyPair('ES256');
  const payload = deflateRawSync(JSON.stringify({ iss: 'https://issuer.example', padding: 'x'.repeat(paddingBytes) }));
  const card = await new CompactSign(payload)
    .setProtectedHeader({ alg: 'ES256', zip: 'DEF', kid: 'k' })
    .sign(privateKey);
  return {
    content: JSON.stringify({ verifiableCredential: Array.from({ length: count }, () => card) }),
    contentType: 'application/smart-health-card',
  };
}
