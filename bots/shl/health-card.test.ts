import type { Bundle } from '@medplum/fhirtypes';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair } from 'jose';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { readFixture } from '../../test/support/fixtures';
import { ShlSender } from '../../local/shl-sender';
import { createNodePlatform } from '../node-platform';
import type { HealthCard } from './health-card';
import { clearIssuerKeyCache, parseTrustedIssuers, readHealthCardFile } from './health-card';
import type { FetchContext } from './http';
import { DEFAULT_LIMITS } from './platform';
import type { Transport } from './platform';
import { ResolveBudget } from './budget';

const DEMO_ISS = 'https://raw.githubusercontent.com/seanno/shc-demo-data/main';
const SPEC_ISS = 'https://spec.smarthealth.cards/examples/issuer';
const ig = JSON.parse(readFixture('shl-ig-example.json')) as {
  decryption: { expectedPlaintext: string };
  innerHealthCard: { issuerJwk: Record<string, unknown> };
};
const carin = JSON.parse(readFixture('shc-carin-example/decrypted.smart-health-card')) as unknown;
const revoked = JSON.parse(readFixture('shc-carin-example/revoked/decrypted.smart-health-card')) as unknown;
const demoJwks = readFixture('shc-carin-example/jwks.json');
const demoCrl = readFixture('shc-carin-example/revoked/crl.json');

let sender: ShlSender;
let ctx: FetchContext;

/** Sends the public issuers' URLs to the local sender instead: no test leaves 127.0.0.1. */
function rewritingTransport(inner: Transport): Transport {
  return (request) => {
    const url = request.url.href
      .replace(DEMO_ISS, `${sender.origin}/demo`)
      .replace(SPEC_ISS, `${sender.origin}/spec-issuer`);
    if (url.startsWith('https://')) {
      throw new Error(`test tried to reach ${request.url.host}`);
    }
    return inner({ ...request, url: new URL(url), allowPrivateAddress: true });
  };
}

beforeAll(async () => {
  sender = await ShlSender.start();
  sender.serve('/demo/.well-known/jwks.json', demoJwks);
  sender.serve('/demo/.well-known/crl/ViOf-Tjl_GjJhYkOtWv9o7BcnVR1Bz4RNWfY34dAw_k.json', demoCrl);
  sender.serve('/spec-issuer/.well-known/jwks.json', JSON.stringify({ keys: [ig.innerHealthCard.issuerJwk] }));
  const platform = createNodePlatform();
  ctx = {
    platform: { ...platform, transport: rewritingTransport(platform.transport) },
    limits: DEFAULT_LIMITS,
    allowHosts: new Set([sender.host]),
    deadline: Date.now() + 60_000,
    budget: new ResolveBudget(DEFAULT_LIMITS, Date.now, Date.now() + 60_000),
  };
});

afterAll(async () => {
  await sender.close();
});

beforeEach(() => {
  clearIssuerKeyCache();
});

const none = parseTrustedIssuers(undefined);

function requestsTo(path: string): number {
  return sender.requests.filter((r) => r.path === path).length;
}

describe('fixture cards', () => {
  test('the IG example card verifies against its issuer key; the issuer is not trusted by default', async () => {
    const cards = await readHealthCardFile(ctx, none, JSON.parse(ig.decryption.expectedPlaintext));
    expect(cards).toHaveLength(1);
    expect(cards?.[0]?.report).toMatchObject({ issuer: SPEC_ISS, verified: true, trusted: false, status: 'verified' });
    expect(cards?.[0]?.bundle?.entry?.map((e) => e.resource?.resourceType)).toEqual([
      'Patient',
      'Immunization',
      'Immunization',
      'Immunization',
    ]);
  });

  test('the CARIN card verifies; its JWKS is fetched once and cached', async () => {
    const before = requestsTo('/demo/.well-known/jwks.json');
    const first = await readHealthCardFile(ctx, none, carin);
    const second = await readHealthCardFile(ctx, none, carin);
    expect(first?.[0]?.report).toMatchObject({ issuer: DEMO_ISS, verified: true, trusted: false });
    expect(first?.[0]?.report.message).toMatch(/not on this project's trusted list/);
    expect(second?.[0]?.report.verified).toBe(true);
    expect(requestsTo('/demo/.well-known/jwks.json') - before).toBe(1);
    expect(first?.[0]?.bundle?.entry?.map((e) => e.resource?.resourceType)).toEqual([
      'Coverage',
      'Organization',
      'Patient',
      'Patient',
    ]);
  });

  test('an issuer on the trusted list is reported trusted', async () => {
    const cards = await readHealthCardFile(ctx, parseTrustedIssuers(`https://other.example, ${DEMO_ISS}`), carin);
    expect(cards?.[0]?.report).toMatchObject({ verified: true, trusted: true });
    // A list of URLs names nobody.
    expect(cards?.[0]?.report.issuerName).toBeUndefined();
  });

  test('the revoked card is reported revoked from the fetched CRL, and its content is left out', async () => {
    const cards = await readHealthCardFile(ctx, none, revoked);
    expect(cards?.[0]?.report).toMatchObject({ issuer: DEMO_ISS, verified: false, status: 'revoked' });
    expect(cards?.[0]?.bundle).toBeUndefined();
  });

  test('a VCI-style directory with keys and CRLs works offline', async () => {
    const before = sender.requests.length;
    const directory = parseTrustedIssuers(
      JSON.stringify({
        issuerInfo: [
          {
            issuer: { iss: DEMO_ISS, name: 'Demo issuer' },
            keys: (JSON.parse(demoJwks) as { keys: unknown[] }).keys,
            crls: [JSON.parse(demoCrl)],
          },
        ],
      })
    );
    const [card] = (await readHealthCardFile(ctx, directory, carin)) ?? [];
    const [gone] = (await readHealthCardFile(ctx, directory, revoked)) ?? [];
    expect(card?.report).toMatchObject({
      verified: true,
      trusted: true,
      status: 'verified',
      issuerName: 'Demo issuer',
    });
    expect(gone?.report.status).toBe('revoked');
    expect(gone?.report.issuerName).toBeUndefined();
    expect(sender.requests.length).toBe(before);
  });

  test('content that is not a health-card file is undefined', async () => {
    expect(await readHealthCardFile(ctx, none, { resourceType: 'Bundle' })).toBeUndefined();
    expect(await readHealthCardFile(ctx, none, { verifiableCredential: 'x' })).toBeUndefined();
  });

  test('a file of more cards than one file may hold is too-large, and says how many it held', async () => {
    const tooMany = { verifiableCredential: Array.from({ length: 101 }, () => 'x.y.z') };
    await expect(readHealthCardFile(ctx, none, tooMany)).rejects.toMatchObject({
      code: 'too-large',
      message: expect.stringMatching(/holds 101 cards; at most 100 are read/),
    });
    const hundred = await readHealthCardFile(ctx, none, {
      verifiableCredential: tooMany.verifiableCredential.slice(1),
    });
    expect(hundred).toHaveLength(100);
  });
});

describe('our own issuer', () => {
  let iss: string;
  let sign: (payload: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;
  let kid: string;
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ fullUrl: 'resource:0', resource: { resourceType: 'Patient', name: [{ family: 'Card' }] } }],
  };

  beforeAll(async () => {
    iss = `${sender.origin}/issuer`;
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    kid = await calculateJwkThumbprint(jwk);
    sender.serve(
      '/issuer/.well-known/jwks.json',
      JSON.stringify({ keys: [{ ...jwk, kid, use: 'sig', alg: 'ES256', crlVersion: 1 }] })
    );
    sender.serve(
      '/issuer/.well-known/crl/' + kid + '.json',
      JSON.stringify({ kid, method: 'rid', ctr: 1, rids: ['gone', 'old.1700000000'] })
    );
    sign = async (payload, header = {}) =>
      new CompactSign(deflateRawSync(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'ES256', zip: 'DEF', kid, ...header })
        .sign(privateKey);
  });

  const card = (extra: Record<string, unknown> = {}, vc: Record<string, unknown> = {}): Record<string, unknown> => ({
    iss,
    nbf: 1750000000.5,
    vc: {
      type: ['https://smarthealth.cards#health-card'],
      credentialSubject: { fhirVersion: '4.0.1', fhirBundle: bundle },
      ...vc,
    },
    ...extra,
  });

  async function readOne(jws: string, trusted = ''): Promise<HealthCard | undefined> {
    return (await readHealthCardFile(ctx, parseTrustedIssuers(trusted), { verifiableCredential: [jws] }))?.[0];
  }

  test('a valid card from a trusted issuer', async () => {
    const result = await readOne(await sign(card()), iss);
    expect(result?.report).toMatchObject({ issuer: iss, verified: true, trusted: true, status: 'verified' });
    expect(result?.bundle).toEqual(bundle);
  });

  test('a changed payload fails the signature: invalid, content left out', async () => {
    const [h, , s] = (await sign(card())).split('.');
    const forged = Buffer.from(deflateRawSync(JSON.stringify(card({ nbf: 1 })))).toString('base64url');
    const result = await readOne(`${h}.${forged}.${s}`);
    expect(result?.report).toMatchObject({ verified: false, status: 'invalid' });
    expect(result?.bundle).toBeUndefined();
  });

  test('a key the issuer does not publish: unverifiable, content returned flagged', async () => {
    const result = await readOne(await sign(card(), { kid: 'someone-else' }));
    expect(result?.report).toMatchObject({ verified: false, trusted: false, status: 'unverifiable' });
    expect(result?.bundle).toEqual(bundle);
  });

  test('an unreachable key set: unverifiable', async () => {
    const result = await readOne(await sign(card({ iss: `${sender.origin}/nobody` })));
    expect(result?.report.status).toBe('unverifiable');
    expect(result?.report.message).toMatch(/could not be verified/);
  });

  test('a card issued in the future is invalid', async () => {
    const result = await readOne(await sign(card({ nbf: Date.now() / 1000 + 3600 })));
    expect(result?.report.status).toBe('invalid');
    expect(result?.bundle).toBeUndefined();
  });

  test('a kid that is not the key thumbprint is invalid', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    sender.serve(
      '/kid-issuer/.well-known/jwks.json',
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'custom-kid', alg: 'ES256' }] })
    );
    const jws = await new CompactSign(deflateRawSync(JSON.stringify(card({ iss: `${sender.origin}/kid-issuer` }))))
      .setProtectedHeader({ alg: 'ES256', zip: 'DEF', kid: 'custom-kid' })
      .sign(privateKey);
    const result = await readOne(jws);
    expect(result?.report).toMatchObject({ status: 'invalid', verified: false });
    expect(result?.report.message).toMatch(/thumbprint/);
  });

  test('an expired card verifies but is flagged expired', async () => {
    const result = await readOne(await sign(card({ exp: 1700000000 })));
    expect(result?.report).toMatchObject({ verified: true, status: 'expired' });
    expect(result?.bundle).toBeDefined();
  });

  test('a revocation list out of reach: the card is not called verified, its content stays flagged', async () => {
    // The same keys under another issuer path that serves no list.
    const other = `${sender.origin}/issuer-without-list`;
    sender.serve(
      '/issuer-without-list/.well-known/jwks.json',
      await (await fetch(`${iss}/.well-known/jwks.json`)).text()
    );
    const result = await readOne(await sign(card({ iss: other }, { rid: 'fine' })));
    expect(result?.report).toMatchObject({ status: 'unverifiable', verified: false, trusted: false });
    expect(result?.report.message).toMatch(/revoked cards could not be had/);
    expect(result?.bundle).toBeDefined();
  });

  test("an issuer's key set is taken only where the spec puts it: a redirect is not followed", async () => {
    const moved = `${sender.origin}/issuer-moved`;
    sender.redirect('/issuer-moved/.well-known/jwks.json', `${iss}/.well-known/jwks.json`);
    const before = requestsTo('/issuer/.well-known/jwks.json');
    const result = await readOne(await sign(card({ iss: moved })));
    expect(result?.report).toMatchObject({ status: 'unverifiable', verified: false });
    expect(requestsTo('/issuer-moved/.well-known/jwks.json')).toBe(1);
    expect(requestsTo('/issuer/.well-known/jwks.json')).toBe(before);
  });

  test('revocation by rid, and by rid with a timestamp only for cards issued before it', async () => {
    expect((await readOne(await sign(card({}, { rid: 'gone' }))))?.report.status).toBe('revoked');
    expect((await readOne(await sign(card({ nbf: 1600000000 }, { rid: 'old' }))))?.report.status).toBe('revoked');
    expect((await readOne(await sign(card({ nbf: 1750000000 }, { rid: 'old' }))))?.report.status).toBe('verified');
    expect((await readOne(await sign(card({}, { rid: 'fine' }))))?.report.status).toBe('verified');
  });

  test('another algorithm, a damaged card, or a card that is not a health card: invalid', async () => {
    const hs = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.e30.c2ln`;
    expect((await readOne(hs))?.report.status).toBe('invalid');
    expect((await readOne('not.a.card'))?.report.status).toBe('invalid');
    expect((await readOne(await sign(card({}, { type: ['VerifiableCredential'] }))))?.report.status).toBe('invalid');
    const undeclared = await new CompactSign(new TextEncoder().encode(JSON.stringify(card())))
      .setProtectedHeader({ alg: 'ES256', zip: 'DEF', kid })
      .sign((await generateKeyPair('ES256')).privateKey);
    expect((await readOne(undeclared))?.report.status).toBe('invalid');
  });
});
