import { QRCodeGenerator } from 'kill-the-clipboard';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { CardIssuer } from '../../local/health-card-issuer';
import { shcCodes, startCardIssuer, vaccinationCard } from '../../local/health-card-issuer';
import { ShlSender } from '../../local/shl-sender';
import { createNodePlatform } from '../node-platform';
import { isShlError } from './errors';
import { clearIssuerKeyCache, parseTrustedIssuers } from './health-card';
import { jwsFromShc, parseShcPart, resolveHealthCardCodes } from './shc';

const card = vaccinationCard('208', '2021-04-10');

let sender: ShlSender;
let issuer: CardIssuer;
let jws: string;

beforeAll(async () => {
  sender = await ShlSender.start();
  issuer = await startCardIssuer(sender);
  jws = await issuer.sign(card);
});

afterAll(async () => {
  await sender.close();
});

beforeEach(() => {
  clearIssuerKeyCache();
});

function codeError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return isShlError(err) ? `${err.code}: ${err.message}` : String(err);
  }
  return 'no error';
}

describe('shc:/ QR codes', () => {
  test('one code and one part of three are read; malformed codes are not', () => {
    expect(parseShcPart('shc:/5676')).toEqual({ index: 1, total: 1, digits: '5676' });
    expect(parseShcPart(' SHC:/2/3/5676\n')).toEqual({ index: 2, total: 3, digits: '5676' });
    for (const bad of [
      'shc:/567',
      'shc:/4/3/5676',
      'shc:/0/3/56',
      'shc:/1/21/56',
      'shc:/56a6',
      'shlink:/abc',
      'shc:/',
    ]) {
      expect(parseShcPart(bad), bad).toBeUndefined();
    }
  });

  test('decodes what kill-the-clipboard encodes, in one code and in parts given in any order', () => {
    const encoder = new QRCodeGenerator({ enableChunking: true, maxSingleQRSize: Math.ceil(jws.length / 3) });
    const chunks = encoder.chunkJWS(jws);
    expect(chunks.length).toBeGreaterThan(2);
    expect(jwsFromShc([...chunks].reverse())).toBe(jws);
    expect(jwsFromShc([`shc:/${new QRCodeGenerator().encodeJWSToNumeric(jws)}`])).toBe(jws);
    expect(jwsFromShc(shcCodes(jws))).toBe(jws);
  });

  test('a missing part, parts of different cards, a digit pair out of range: invalid-link saying so', () => {
    const [first, second] = shcCodes(jws, 3);
    expect(codeError(() => jwsFromShc([first ?? '', second ?? '']))).toMatch(
      /^invalid-link: This health card comes in 3 QR codes; only 2 were scanned/
    );
    expect(codeError(() => jwsFromShc([first ?? '', ...shcCodes(jws, 2).slice(1)]))).toMatch(/not the parts of one/);
    expect(codeError(() => jwsFromShc([first ?? '', first ?? '', second ?? '']))).toMatch(/not the parts of one/);
    expect(codeError(() => jwsFromShc(['shc:/7899']))).toMatch(/damaged/);
    expect(codeError(() => jwsFromShc([]))).toMatch(/^invalid-link/);
  });
});

describe('resolving a health card from its QR codes', () => {
  const platform = createNodePlatform();
  const options = (trusted = ''): Parameters<typeof resolveHealthCardCodes>[1] => ({
    platform,
    allowHosts: new Set([sender.host]),
    trustedIssuers: parseTrustedIssuers(trusted),
  });

  test('a card in three parts verifies, and answers like a resolve: issuer, label, patient, resources', async () => {
    const directory = JSON.stringify({ participating_issuers: [{ iss: issuer.iss, name: 'Demo Health Department' }] });
    const result = await resolveHealthCardCodes(shcCodes(jws, 3), options(directory));
    expect(result.source).toMatchObject({ label: 'SMART Health Card', origin: issuer.iss, flags: '' });
    expect(result.source.linkId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.resources.map((r) => r.resourceType)).toEqual(['Patient', 'Immunization']);
    expect(result.patient?.name?.[0]?.family).toBe('López');
    expect(result.healthCards).toEqual([
      expect.objectContaining({
        status: 'verified',
        trusted: true,
        issuerName: 'Demo Health Department',
        resources: result.resources.map((r) => `${r.resourceType}/${r.id ?? ''}`),
      }),
    ]);
    expect(result.warnings).toEqual([]);
  });

  test('the same card always has the same linkId; another card another', async () => {
    const again = await resolveHealthCardCodes(shcCodes(jws), options());
    const other = await resolveHealthCardCodes(shcCodes(await issuer.sign(card)), options());
    expect((await resolveHealthCardCodes(shcCodes(jws, 2), options())).source.linkId).toBe(again.source.linkId);
    expect(other.source.linkId).not.toBe(again.source.linkId);
  });

  test('an altered card: its content is left out, and the warning says why', async () => {
    // Another card's header and payload under this card's signature: readable, but not what was signed.
    const [header, payload] = (await issuer.sign({ ...card, entry: card.entry?.slice(0, 1) })).split('.');
    const altered = `${header ?? ''}.${payload ?? ''}.${jws.split('.')[2] ?? ''}`;
    const result = await resolveHealthCardCodes(shcCodes(altered), options());
    expect(result.resources).toEqual([]);
    expect(result.healthCards[0]?.status).toBe('invalid');
    expect(result.warnings.join(' ')).toMatch(/may have been altered/);
  });

  test('digits that are no card at all: invalid-link', async () => {
    await expect(resolveHealthCardCodes(shcCodes('not.a.card'), options())).rejects.toMatchObject({
      code: 'invalid-link',
    });
  });
});
