/**
 * C-CDA documents in a link: recognized, imported as the document, and, when staff ask,
 * converted with the runtime's `@medplum/ccda` into resources for review. Where the runtime lacks
 * it the bot says so; the built bot under vmcontext gets a stand-in through the sandbox's
 * `require`, the way the runtime provides the real one.
 */
import type { Bundle, DocumentReference, Patient, Resource } from '@medplum/fhirtypes';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONVERTED_FROM_CCDA } from '../bots/fhir/systems';
import { isCcdaDocument } from '../bots/ccda/document';
import { encodeBase64url, encodeUtf8 } from '../bots/shl/base64url';
import { createFhirServer } from '../local/fhir-server';
import { ShlSender } from '../local/shl-sender';
import { createBotHarness, errorCode, ok } from './support/bot';
import { ccdaStandIn } from './support/ccda-runtime';
import { generateSealingSecret } from './support/seal';
import { runInVmContext } from './support/vmcontext';

const CCD = readFileSync('test/fixtures/ccd-jan-dekker.xml', 'utf8');
const base64 = (text: string): string => encodeBase64url(encodeUtf8(text)).replace(/-/g, '+').replace(/_/g, '/');

const janDekker: Patient = {
  resourceType: 'Patient',
  id: 'p',
  name: [{ given: ['Jan'], family: 'Dekker' }],
  birthDate: '1970-01-01',
};

function ccdReference(contentType = 'application/cda+xml', xml = CCD): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    id: 'ccd',
    status: 'current',
    subject: { reference: 'Patient/p' },
    type: { coding: [{ system: 'http://loinc.org', code: '34133-9', display: 'Summary of episode note' }] },
    content: [
      {
        attachment: { contentType, data: base64(xml), title: 'Visit summary (C-CDA)' },
        format: {
          system: 'http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode',
          code: 'urn:hl7-org:sdwg:ccda-structuredBody:2.1',
        },
      },
    ],
  };
}

describe('recognizing C-CDA documents', () => {
  test('a DocumentReference or Binary with a ClinicalDocument inline, as CDA or XML', () => {
    expect(isCcdaDocument(ccdReference())).toBe(true);
    expect(isCcdaDocument(ccdReference('text/xml; charset=utf-8'))).toBe(true);
    expect(isCcdaDocument({ resourceType: 'Binary', contentType: 'application/xml', data: base64(CCD) })).toBe(true);
  });

  test('not: other XML, PDFs, a CDA type over something else, odd shapes', () => {
    expect(isCcdaDocument(ccdReference('application/xml', '<?xml version="1.0"?><Bundle/>'))).toBe(false);
    expect(isCcdaDocument(ccdReference('application/pdf', '%PDF-1.7'))).toBe(false);
    expect(isCcdaDocument(ccdReference('application/cda+xml', '{"resourceType":"Bundle"}'))).toBe(false);
    expect(isCcdaDocument({ resourceType: 'Condition', subject: { reference: 'Patient/p' } })).toBe(false);
    expect(isCcdaDocument({ resourceType: 'DocumentReference', content: 'nope' } as unknown as Resource)).toBe(false);
    expect(isCcdaDocument({ resourceType: 'Binary', contentType: 'text/xml', data: 42 } as unknown as Resource)).toBe(
      false
    );
  });
});

describe('a link carrying a C-CDA', () => {
  let sender: ShlSender;

  beforeAll(async () => {
    sender = await ShlSender.start();
  });

  afterAll(async () => {
    await sender.close();
  });

  test('is imported as the document: the DocumentReference, its C-CDA kept as a Binary', async () => {
    const medplum = createFhirServer();
    const bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host }, medplum);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: janDekker }, { resource: ccdReference() }],
    };
    const link = await sender.createLink({
      files: [{ content: JSON.stringify(bundle), contentType: 'application/fhir+json' }],
    });
    const resolved = ok(await bot.resolve(link.shl));
    expect(resolved.resources.filter(isCcdaDocument)).toHaveLength(1);
    ok(
      await bot.run({
        operation: 'import',
        source: resolved.source,
        resources: resolved.resources,
        patient: { create: janDekker },
      })
    );
    const [document] = await medplum.searchResources('DocumentReference', {});
    const binaryUrl = document?.content[0]?.attachment.url ?? '';
    expect(binaryUrl).toMatch(/^Binary\//);
    const binary = await medplum.readReference({ reference: binaryUrl });
    expect(binary).toMatchObject({ contentType: 'application/cda+xml', data: base64(CCD) });
  });

  test('where the runtime has no @medplum/ccda, converting says so: not-configured', async () => {
    const bot = await createBotHarness();
    const output = await bot.run({ operation: 'convert-ccda', document: ccdReference(), patient: janDekker });
    expect(errorCode(output)).toBe('not-configured');
    expect(JSON.stringify(output)).toMatch(/can still be imported as a document/);
  });

  test('a document that holds no C-CDA is refused: invalid-input', async () => {
    const bot = await createBotHarness();
    for (const document of [undefined, 'x', { resourceType: 'Condition' }, ccdReference('application/pdf', '%PDF')]) {
      expect(errorCode(await bot.run({ operation: 'convert-ccda', document }))).toBe('invalid-input');
    }
  });
});

describe('converting with the runtime’s @medplum/ccda (built bot, vmcontext)', () => {
  let code: string;
  let secret: string;

  beforeAll(async () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'pipe' });
    code = readFileSync('dist/bots/shl-import.js', 'utf8');
    secret = await generateSealingSecret();
  }, 60_000);

  const convert = async (input: Record<string, unknown>, secrets: Record<string, string> = {}) => {
    const ccda = ccdaStandIn();
    const output = (await runInVmContext(code, {
      input: { operation: 'convert-ccda', ...input },
      secrets: Object.fromEntries(
        Object.entries({ SHL_IMPORT_KEY: secret, ...secrets }).map(([name, valueString]) => [
          name,
          { name, valueString },
        ])
      ),
      modules: { '@medplum/ccda': ccda },
    })) as { resources?: Resource[]; warnings?: string[]; error?: { code: string; message: string } };
    return { output, ccda };
  };

  test('the entries become resources about the link’s patient, with fresh ids, tagged as converted', async () => {
    const { output, ccda } = await convert({ document: ccdReference(), patient: janDekker });
    expect(ccda.calls).toEqual([{ ignoreUnsupportedSections: true }]);
    const resources = output.resources ?? [];
    // The Composition and the document's own Patient are left out: the link's patient is the subject.
    expect(resources.map((r) => r.resourceType)).toEqual(['Condition', 'AllergyIntolerance']);
    expect(resources[0]).toMatchObject({ subject: { reference: 'Patient/p' } });
    expect(resources[1]).toMatchObject({ patient: { reference: 'Patient/p' } });
    for (const r of resources) {
      expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.id).not.toMatch(/^(ec8a6ff8|36e3e930)/);
      expect(r.meta?.tag).toContainEqual(CONVERTED_FROM_CCDA);
    }
    expect(output.warnings).toEqual([]);
  });

  test('a document about someone else is converted with a warning to check', async () => {
    const other: Patient = { ...janDekker, name: [{ given: ['Jan'], family: 'Smith' }], birthDate: '1971-05-05' };
    const { output } = await convert({ document: ccdReference(), patient: other });
    expect(output.warnings).toEqual([
      "The C-CDA document's patient has another family name and birth date than the link's patient: check it is the same person.",
    ]);
  });

  test('a C-CDA declaring entities (an expansion attack on the parser) is not converted: invalid-input', async () => {
    const bomb = CCD.replace(
      '<ClinicalDocument',
      '<!DOCTYPE ClinicalDocument [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<ClinicalDocument'
    );
    const { output, ccda } = await convert({ document: ccdReference('application/cda+xml', bomb) });
    // Refused before the parser sees it (the stand-in would refuse an unknown document too, but
    // with the conversion message).
    expect(output.error?.code).toBe('invalid-input');
    expect(output.error?.message).toMatch(/DOCTYPE or entities/);
    expect(ccda.calls).toEqual([]);
  });

  test('over SHL_MAX_ATTACHMENT_BYTES: too-large; unreadable: invalid-input', async () => {
    expect((await convert({ document: ccdReference() }, { SHL_MAX_ATTACHMENT_BYTES: '1000' })).output.error?.code).toBe(
      'too-large'
    );
    const broken = ccdReference('application/cda+xml', '<ClinicalDocument>');
    const ccda = ccdaStandIn();
    ccda.convertCcdaToFhir = () => {
      throw new Error('Unhandled act templateId');
    };
    const output = (await runInVmContext(code, {
      input: { operation: 'convert-ccda', document: broken },
      secrets: { SHL_IMPORT_KEY: { name: 'SHL_IMPORT_KEY', valueString: secret } },
      modules: { '@medplum/ccda': ccda },
    })) as { error?: { code: string; message: string } };
    expect(output.error).toEqual({
      code: 'invalid-input',
      message: 'The C-CDA document could not be converted. It can still be imported as a document.',
    });
  });

  test('converted resources import with the link’s: under the chosen patient, deduplicated on re-import', async () => {
    const { output } = await convert({ document: ccdReference(), patient: janDekker });
    const medplum = createFhirServer();
    const bot = await createBotHarness({}, medplum);
    const source = {
      origin: 'https://sender.example',
      flags: '',
      retrievedAt: '2026-11-24T00:00:00Z',
      linkId: 'c'.repeat(64),
    };
    const resources = [janDekker, ccdReference(), ...(output.resources ?? [])];
    const first = ok(
      await bot.run({ operation: 'import', source, resources, patient: { create: janDekker }, subject: 'Patient/p' })
    ) as unknown as { patient: { reference: string }; warnings: string[] };
    expect(first.warnings).toEqual([]);
    const conditions = await medplum.searchResources('Condition', { patient: first.patient.reference });
    expect(conditions).toHaveLength(1);
    expect(conditions[0]?.meta?.tag).toContainEqual(expect.objectContaining({ code: CONVERTED_FROM_CCDA.code }));
    const again = (await convert({ document: ccdReference(), patient: janDekker })).output.resources ?? [];
    ok(
      await bot.run({
        operation: 'import',
        source,
        resources: [janDekker, ...again],
        patient: { reference: first.patient.reference },
        subject: 'Patient/p',
      })
    );
    expect(await medplum.searchResources('AllergyIntolerance', { patient: first.patient.reference })).toHaveLength(1);
  });
});
