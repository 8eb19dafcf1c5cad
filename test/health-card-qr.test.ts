/**
 * Bare health-card QR codes through the bot: sealed as `{shc: [...]}`, resolved into an ordinary
 * resolve answer (the issuer as origin, matches for the card's patient, staged for import), and
 * imported like a link's content; sent in the clear they are refused like links.
 */
import type { Immunization, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImportOutput } from '../bots/contract';
import { createFhirServer } from '../local/fhir-server';
import type { CardIssuer } from '../local/health-card-issuer';
import { shcCodes, startCardIssuer, vaccinationCard } from '../local/health-card-issuer';
import { ShlSender } from '../local/shl-sender';
import type { BotHarness } from './support/bot';
import { createBotHarness, errorCode, ok } from './support/bot';
import { sealForBot } from './support/seal';

const card = vaccinationCard('141', '2025-10-15');

let sender: ShlSender;
let issuer: CardIssuer;
let bot: BotHarness;

beforeAll(async () => {
  sender = await ShlSender.start();
  issuer = await startCardIssuer(sender);
  const medplum = createFhirServer();
  await medplum.createResource<Patient>({
    resourceType: 'Patient',
    name: [{ given: ['Maria'], family: 'López' }],
    birthDate: '1979-08-21',
  });
  bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, SHL_TRUSTED_ISSUERS: issuer.iss }, medplum);
});

afterAll(async () => {
  await sender.close();
});

async function sealed(shc: string[]): Promise<string> {
  return sealForBot(await bot.publicKey(), { shc });
}

describe('health-card QR codes through the bot', () => {
  test('a card in three parts resolves like a link, and its selection imports into the matched patient', async () => {
    const codes = shcCodes(await issuer.sign(card), 3);
    const resolved = ok(await bot.run({ operation: 'resolve', sealed: await sealed(codes) }));
    expect(resolved.source).toMatchObject({ origin: issuer.iss, label: 'SMART Health Card', flags: '' });
    expect(resolved.healthCards[0]).toMatchObject({ status: 'verified', trusted: true });
    expect(resolved.matches[0]?.patient.name?.[0]?.family).toBe('López');
    expect(resolved.staged).toBeTypeOf('string');
    const immunization = resolved.resources.find((r): r is Immunization => r.resourceType === 'Immunization');
    const output = (await bot.run({
      operation: 'import',
      staged: resolved.staged,
      select: [`Immunization/${immunization?.id ?? ''}`],
      patient: { reference: `Patient/${resolved.matches[0]?.patient.id ?? ''}` },
    })) as ImportOutput;
    expect(output.created.filter((r) => r.startsWith('Immunization/'))).toHaveLength(1);
  });

  test('a missing part says how many were scanned; codes in the clear are refused; bad "shc" is invalid-input', async () => {
    const [first] = shcCodes(await issuer.sign(card), 2);
    const missing = await bot.run({ operation: 'resolve', sealed: await sealed([first ?? '']) });
    expect(missing).toEqual({ error: expect.objectContaining({ code: 'invalid-link' }) as unknown });
    expect(JSON.stringify(missing)).toMatch(/comes in 2 QR codes; only 1 was scanned/);
    expect(errorCode(await bot.run({ operation: 'resolve', shc: [first] }))).toBe('sealing-required');
    const notList = await sealForBot(await bot.publicKey(), { shc: 'shc:/56' } as unknown as { shc: string[] });
    expect(errorCode(await bot.run({ operation: 'resolve', sealed: notList }))).toBe('invalid-input');
  });
});
