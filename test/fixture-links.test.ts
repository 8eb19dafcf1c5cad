/**
 * The public spec examples in `test/fixtures/`, served from a local sender with their
 * stored bytes, resolved through the bot as their sources say they decrypt and verify.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clearIssuerKeyCache } from '../bots/shl/health-card';
import type { BotHarness } from './support/bot';
import { createBotHarness, ok } from './support/bot';
import { readFixture } from './support/fixtures';
import { decodeShlinkPayload, ShlSender } from '../local/shl-sender';

const DEMO_ISS = 'https://raw.githubusercontent.com/seanno/shc-demo-data/main';

let sender: ShlSender;
let bot: BotHarness;

/** The fixture link with its `url` moved to the local sender, serving the stored JWE verbatim. */
function localLink(shlPath: string, jwePath: string): { shl: string; key: string } {
  const payload = decodeShlinkPayload(readFixture(shlPath));
  return sender.serveDirectFile(readFixture(jwePath), payload);
}

beforeAll(async () => {
  sender = await ShlSender.start();
  // The demo issuer's keys and CRL come from the directory secret: nothing is fetched from the internet.
  const directory = {
    issuerInfo: [
      {
        issuer: { iss: DEMO_ISS, name: 'SMART Health Cards demo data (test only)' },
        keys: (JSON.parse(readFixture('shc-carin-example/jwks.json')) as { keys: unknown[] }).keys,
        crls: [JSON.parse(readFixture('shc-carin-example/revoked/crl.json'))],
      },
    ],
  };
  bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, SHL_TRUSTED_ISSUERS: JSON.stringify(directory) });
  clearIssuerKeyCache();
});

afterAll(async () => {
  await sender.close();
});

describe('fixture links', () => {
  test('IPS example: U link, JWE without cty, document Bundle with Type/id references', async () => {
    const link = localLink('ips-example/shl.txt', 'ips-example/enc.txt');
    const result = ok(await bot.resolve(link.shl));
    expect(result.source).toMatchObject({ label: 'Demo SHL for IPS_IG-bundle-01', flags: 'LU' });
    expect(result.files).toEqual([{ contentType: 'application/fhir+json', status: 'ok', resourceCount: 20 }]);
    expect(result.resources).toHaveLength(20);
    expect(result.patient?.name?.[0]?.family).toBe('DeLarosa');
    expect(result.patient?.birthDate).toBe('1972-05-01');
    const keys = new Set(result.resources.map((r) => `${r.resourceType}/${r.id ?? ''}`));
    const refs = JSON.stringify(result.resources).match(/"reference":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThanOrEqual(40);
    expect(refs.map((r) => r.slice(13, -1)).filter((r) => !keys.has(r))).toEqual([]);
    const request = sender.requests.at(-1);
    expect(request?.recipient).toBeTruthy();
  });

  test('CARIN card: sniffed health card, verified against the directory, the beneficiary as subject', async () => {
    const link = localLink('shc-carin-example/shl.txt', 'shc-carin-example/jws.txt');
    const result = ok(await bot.resolve(link.shl));
    expect(result.files).toEqual([
      expect.objectContaining({ contentType: 'application/smart-health-card', status: 'ok', resourceCount: 4 }),
    ]);
    expect(result.healthCards).toEqual([
      expect.objectContaining({ issuer: DEMO_ISS, verified: true, trusted: true, status: 'verified' }),
    ]);
    expect(result.healthCards[0]?.resources).toHaveLength(4);
    expect(result.patient?.name?.[0]?.given?.[0]).toBe('Jane');
    expect(result.warnings.join(' ')).toMatch(/2 patients/);
    const coverage = result.resources.find((r) => r.resourceType === 'Coverage') as
      { beneficiary?: { reference?: string } } | undefined;
    expect(coverage?.beneficiary?.reference).toBe(`Patient/${result.patient?.id ?? ''}`);
  });

  test('the expired CARIN link still resolves, with a warning', async () => {
    const link = localLink('shc-carin-example/shl-expired.txt', 'shc-carin-example/jws.txt');
    const result = ok(await bot.resolve(link.shl));
    expect(result.source.expiresAt).toBe('1970-01-01T00:00:01.000Z');
    expect(result.warnings.join(' ')).toMatch(/expired/);
    expect(result.resources).toHaveLength(4);
  });

  test('the revoked card is reported revoked and its content left out', async () => {
    const link = localLink('shc-carin-example/revoked/shl.txt', 'shc-carin-example/revoked/jws.txt');
    const result = ok(await bot.resolve(link.shl));
    expect(result.healthCards[0]).toMatchObject({ issuer: DEMO_ISS, verified: false, status: 'revoked' });
    expect(result.resources).toEqual([]);
    expect(result.patient).toBeUndefined();
  });
});
