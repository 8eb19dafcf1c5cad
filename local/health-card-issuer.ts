/**
 * A SMART Health Card issuer on the local sender, for local mode and tests: an ES256 key whose
 * JWKS the sender serves at `<iss>/.well-known/jwks.json`, signing cards as issuers do (the
 * payload deflated, `kid` the key's thumbprint); and the text of a card's QR codes (`shc:/`,
 * numeric mode), in one code or in parts.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair } from 'jose';
import { deflateRawSync } from 'node:zlib';
import type { ShlSender } from './shl-sender';

export interface CardIssuer {
  iss: string;
  /** A signed card (compact JWS) holding `bundle`. */
  sign: (bundle: Bundle) => Promise<string>;
}

export async function startCardIssuer(sender: ShlSender, path = '/issuer'): Promise<CardIssuer> {
  const iss = `${sender.origin}${path}`;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  sender.serve(`${path}/.well-known/jwks.json`, JSON.stringify({ keys: [{ ...jwk, kid, use: 'sig', alg: 'ES256' }] }));
  return {
    iss,
    sign: (bundle) =>
      new CompactSign(
        deflateRawSync(
          JSON.stringify({
            iss,
            nbf: Math.floor(Date.now() / 1000),
            vc: {
              type: ['https://smarthealth.cards#health-card'],
              credentialSubject: { fhirVersion: '4.0.1', fhirBundle: bundle },
            },
          })
        )
      )
        .setProtectedHeader({ alg: 'ES256', zip: 'DEF', kid })
        .sign(privateKey),
  };
}

/**
 * A card's QR code text: `shc:/` and each JWS character as two digits (its code minus 45); in
 * `parts` codes `shc:/<i>/<n>/…` of about equal length when `parts` is more than 1.
 */
export function shcCodes(jws: string, parts = 1): string[] {
  // A compact JWS is ASCII: one code unit per character.
  const digits = Array.from({ length: jws.length }, (_, i) => String(jws.charCodeAt(i) - 45).padStart(2, '0'));
  if (parts === 1) {
    return [`shc:/${digits.join('')}`];
  }
  const size = Math.ceil(digits.length / parts);
  return Array.from(
    { length: parts },
    (_, i) => `shc:/${i + 1}/${parts}/${digits.slice(i * size, (i + 1) * size).join('')}`
  );
}

/** A card's content as issuers write it: Maria López and one vaccination (`cvx` on `date`). */
export function vaccinationCard(cvx: string, date: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [
      {
        fullUrl: 'resource:0',
        resource: { resourceType: 'Patient', name: [{ family: 'López', given: ['Maria'] }], birthDate: '1979-08-21' },
      },
      {
        fullUrl: 'resource:1',
        resource: {
          resourceType: 'Immunization',
          status: 'completed',
          vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: cvx }] },
          patient: { reference: 'resource:0' },
          occurrenceDateTime: date,
        },
      },
    ],
  };
}
