/**
 * A stand-in for the `@medplum/ccda` a Medplum runtime provides, for tests of what the bot does
 * around the conversion. The real package cannot be installed beside our pinned `@medplum/*`
 * version (it is not published at it), so this answers the way its `convertXmlToCcda` and
 * `convertCcdaToFhir` do for test/fixtures/ccd-jan-dekker.xml: a document Bundle with a
 * Composition, the document's Patient (a generated id) and one resource per entry referring to
 * it as `Patient/<id>`. It throws on anything that is not a ClinicalDocument, as the parser does.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { CcdaConverter } from '../../bots/ccda/convert';

export interface CcdaStandIn extends CcdaConverter {
  /** The options each conversion was called with. */
  calls: unknown[];
}

export function ccdaStandIn(): CcdaStandIn {
  const calls: unknown[] = [];
  return {
    calls,
    convertXmlToCcda: (xml) => {
      if (!/<ClinicalDocument[\s>]/.test(xml)) {
        throw new Error('not a ClinicalDocument');
      }
      const value = (name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
      return {
        given: value('given'),
        family: value('family'),
        birthTime: /<birthTime value="(\d{4})(\d{2})(\d{2})"/.exec(xml)?.slice(1).join('-'),
      };
    },
    convertCcdaToFhir: (ccda, options) => {
      calls.push(options);
      const { given, family, birthTime } = ccda as { given?: string; family?: string; birthTime?: string };
      const patient = {
        resourceType: 'Patient' as const,
        id: '0a7c2d1e-1f2b-4c3d-9e8f-7a6b5c4d3e2f',
        name: [{ given: given ? [given] : [], family }],
        birthDate: birthTime,
      };
      const subject = { reference: `Patient/${patient.id}`, display: `${given ?? ''} ${family ?? ''}`.trim() };
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'document',
        entry: [
          {
            resource: {
              resourceType: 'Composition',
              id: 'c0a1b2c3-d4e5-4f60-8718-293a4b5c6d7e',
              status: 'final',
              type: { coding: [{ system: 'http://loinc.org', code: '34133-9' }] },
              date: '2026-11-01T14:30:00.000Z',
              author: [{ display: 'Medplum' }],
              title: 'Continuity of Care Document',
              subject,
              section: [
                { title: 'Problems', entry: [{ reference: 'Condition/ec8a6ff8-ed4b-4f7e-82c3-e98e58b45de7' }] },
                {
                  title: 'Allergies',
                  entry: [{ reference: 'AllergyIntolerance/36e3e930-7b14-11db-9fe1-0800200c9a66' }],
                },
              ],
            },
          },
          { resource: patient },
          {
            resource: {
              resourceType: 'Condition',
              id: 'ec8a6ff8-ed4b-4f7e-82c3-e98e58b45de7',
              meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition'] },
              clinicalStatus: {
                coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
              },
              code: { coding: [{ system: 'http://snomed.info/sct', code: '195967001', display: 'Asthma' }] },
              subject,
              onsetDateTime: '2015-06-01',
            },
          },
          {
            resource: {
              resourceType: 'AllergyIntolerance',
              id: '36e3e930-7b14-11db-9fe1-0800200c9a66',
              type: 'allergy',
              code: {
                coding: [
                  { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'Penicillin G' },
                ],
              },
              patient: subject,
              recordedDate: '2016-02-01',
            },
          },
        ],
      };
      return bundle;
    },
  };
}
