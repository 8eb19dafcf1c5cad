/**
 * The shapes of link the resolve bench measures, as users meet them: a small IPS, a large bundle
 * that does not compress, a large one that compresses well, many files, and a file of many health
 * cards. Each is served by a real SHL sender on 127.0.0.1; the content is generated from fixed
 * seeds, so every run reads the same bytes.
 */
import type { Bundle, BundleEntry, Immunization, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import type { CreatedLink, FileSpec, ShlSender } from '../../local/shl-sender';
import { encryptFile } from '../../local/shl-sender';
import { jwkThumbprint } from '../../bots/shl/jwk-thumbprint';

export const SHAPES = ['small', 'incompressible', 'compressible', 'many-files', 'health-cards'] as const;
export type ShapeName = (typeof SHAPES)[number];

export interface ServedShape {
  name: ShapeName;
  /** What the bench prints: the shape and its sizes. */
  description: string;
  link: CreatedLink;
  /** Resources every reader must return (Bundle entries, cards' entries included). */
  resources: number;
  /** Bytes of FHIR JSON in the link, all files and cards together (what resolve parses). */
  plaintextBytes: number;
  /** The health-card issuer's public key, for readers that take it (kill-the-clipboard). */
  issuerJwk?: JsonWebKey;
}

const FHIR = 'application/fhir+json';
const HEALTH_CARD = 'application/smart-health-card';
const PATIENT_URL = 'urn:uuid:5b1c6a55-6f5e-4b5a-9a3c-2b8f1b0e0001';

/** Serves one shape from `sender`. */
export async function serveShape(sender: ShlSender, name: ShapeName): Promise<ServedShape> {
  switch (name) {
    case 'small': {
      const content = readFileSync('test/fixtures/ips-example/bundle.json', 'utf8');
      const bundle = JSON.parse(content) as Bundle;
      return served(
        sender,
        name,
        'a 20-resource IPS (the IG example), embedded',
        [{ content, contentType: FHIR, cty: FHIR, zip: true, delivery: 'embedded' }],
        bundle.entry?.length ?? 0,
        content.length
      );
    }
    case 'incompressible': {
      const content = JSON.stringify(observations(5000, { random: seeded(14) }));
      return served(
        sender,
        name,
        '5,000 Observations of random content, location',
        [{ content, contentType: FHIR, cty: FHIR, zip: true, delivery: 'location' }],
        5001,
        content.length
      );
    }
    case 'compressible': {
      const content = JSON.stringify(observations(5000, {}));
      return served(
        sender,
        name,
        '5,000 alike Observations, location',
        [{ content, contentType: FHIR, cty: FHIR, zip: true, delivery: 'location' }],
        5001,
        content.length
      );
    }
    case 'many-files': {
      const files = Array.from({ length: 20 }, (_, file) => JSON.stringify(observations(250, { file })));
      return served(
        sender,
        name,
        '20 files of 250 resources, references across files, location',
        files.map((content) => ({ content, contentType: FHIR, cty: FHIR, zip: true, delivery: 'location' })),
        20 * 250,
        files.reduce((sum, f) => sum + f.length, 0)
      );
    }
    case 'health-cards':
      return healthCards(sender, 50);
  }
}

async function served(
  sender: ShlSender,
  name: ShapeName,
  what: string,
  files: FileSpec[],
  resources: number,
  plaintextBytes: number,
  issuerJwk?: JsonWebKey
): Promise<ServedShape> {
  const link = await sender.createLink({ files });
  // The same encryption the sender does, with another key: the size of what it serves.
  const jweBytes = files.reduce((sum, f) => sum + encryptFile(f.content, randomBytes(32), { zip: f.zip }).length, 0);
  return {
    name,
    description: `${what}: ${(plaintextBytes / 1048576).toFixed(2)} MB of JSON in ${(jweBytes / 1024).toFixed(0)} KB of JWE`,
    link,
    resources,
    plaintextBytes,
    ...(issuerJwk && { issuerJwk }),
  };
}

/**
 * A collection Bundle of a Patient (in file 0) and Observations referring to it. Alike
 * Observations compress about 30 to 1; `random` gives each its own ids, codes, values, times and
 * note, which do not compress. With `file`, the Bundle is one of several files: the Patient is
 * in file 0 and the others refer to it by its `fullUrl`.
 */
function observations(count: number, options: { random?: () => number; file?: number }): Bundle {
  const { random, file } = options;
  const entries: BundleEntry[] = [];
  if (file === undefined || file === 0) {
    const patient: Patient = {
      resourceType: 'Patient',
      id: 'bench-patient',
      name: [{ family: 'Argonaut', given: ['Jessica'] }],
      birthDate: '1985-03-15',
    };
    entries.push({ fullUrl: PATIENT_URL, resource: patient });
  }
  const prefix = file === undefined ? '' : `f${file}-`;
  while (entries.length < (file === undefined ? count + 1 : count)) {
    const i = entries.length;
    const observation: Observation = random
      ? {
          resourceType: 'Observation',
          id: hex(random, 32),
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: `${Math.floor(random() * 99999)}-${i % 10}` }] },
          subject: { reference: PATIENT_URL },
          effectiveDateTime: new Date(Date.UTC(2020, 0, 1) + Math.floor(random() * 2e11)).toISOString(),
          valueQuantity: { value: Math.round(random() * 1e6) / 1000, unit: 'mg/dL' },
          note: [{ text: text(random, 180) }],
        }
      : {
          resourceType: 'Observation',
          id: `${prefix}glucose-${i}`,
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }] },
          subject: { reference: PATIENT_URL },
          effectiveDateTime: new Date(Date.UTC(2026, 0, 1) + i * 300_000).toISOString(),
          valueQuantity: { value: 80 + (i % 70), unit: 'mg/dL', system: 'http://unitsofmeasure.org' },
        };
    entries.push({
      fullUrl: random
        ? `urn:uuid:${uuid(random)}`
        : `urn:uuid:5b1c6a55-6f5e-4b5a-9a3c-${((file ?? 0) * 1000 + i + 1).toString(16).padStart(12, '0')}`,
      resource: observation,
    });
  }
  return { resourceType: 'Bundle', type: 'collection', timestamp: '2026-11-01T00:00:00Z', entry: entries };
}

/**
 * One health-card file of `count` cards (a Patient and two Immunizations each), each signed
 * ES256 by an issuer the sender serves (its JWKS at `/bench-issuer/.well-known/jwks.json`).
 */
async function healthCards(sender: ShlSender, count: number): Promise<ServedShape> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await jwkThumbprint(crypto.subtle, jwk as { crv: string; kty: string; x: string; y: string });
  const iss = `${sender.origin}/bench-issuer`;
  sender.serve(
    '/bench-issuer/.well-known/jwks.json',
    JSON.stringify({ keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] })
  );
  let plaintextBytes = 0;
  const cards: string[] = [];
  for (let i = 0; i < count; i++) {
    const payload = JSON.stringify({
      iss,
      nbf: 1_760_000_000 + i,
      vc: {
        type: ['https://smarthealth.cards#health-card', 'https://smarthealth.cards#immunization'],
        credentialSubject: { fhirVersion: '4.0.1', fhirBundle: immunizationBundle(i) },
      },
    });
    plaintextBytes += payload.length;
    cards.push(
      await new CompactSign(deflateRawSync(payload))
        .setProtectedHeader({ alg: 'ES256', zip: 'DEF', kid })
        .sign(privateKey)
    );
  }
  const content = JSON.stringify({ verifiableCredential: cards });
  return served(
    sender,
    'health-cards',
    `${count} health cards of 3 resources in one file, embedded`,
    [{ content, contentType: HEALTH_CARD, cty: HEALTH_CARD, zip: true, delivery: 'embedded' }],
    count * 3,
    plaintextBytes,
    jwk
  );
}

function immunizationBundle(card: number): Bundle {
  const patient: Patient = {
    resourceType: 'Patient',
    name: [{ family: 'Anyperson', given: ['John', 'B.'] }],
    birthDate: '1951-01-20',
  };
  const dose = (n: number): Immunization => ({
    resourceType: 'Immunization',
    status: 'completed',
    vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: String(200 + ((card + n) % 20)) }] },
    patient: { reference: 'resource:0' },
    occurrenceDateTime: new Date(Date.UTC(2021, 0, 1) + (card * 2 + n) * 86_400_000).toISOString().slice(0, 10),
    performer: [{ actor: { display: 'ABC General Hospital' } }],
    lotNumber: `${card}${n}`.padStart(7, '0'),
  });
  const resources: Resource[] = [patient, dose(0), dose(1)];
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((resource, i) => ({ fullUrl: `resource:${i}`, resource })),
  };
}

/** A small deterministic generator (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += Math.floor(random() * 16).toString(16);
  }
  return out;
}

function uuid(random: () => number): string {
  const h = hex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

const WORDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,';

function text(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += WORDS.charAt(Math.floor(random() * WORDS.length));
  }
  return out;
}
