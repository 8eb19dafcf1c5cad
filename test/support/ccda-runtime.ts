/**
 * A stand-in for the `@medplum/ccda` a Medplum runtime provides, for tests of what the bot does
 * around the conversion. The real package cannot be a dependency beside our pinned `@medplum/*`
 * version (it is not published at it), so this answers with what the real one returned for
 * test/fixtures/ccd-jan-dekker.xml: `test/fixtures/ccd-jan-dekker.fhir.json` was recorded from
 * `@medplum/ccda` 5.1.10 (`convertCcdaToFhir(convertXmlToCcda(xml), { ignoreUnsupportedSections:
 * true })`, installed in a scratch directory). Like the parser, it throws on anything that is
 * not a ClinicalDocument; it knows no other document.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import type { CcdaConverter } from '../../bots/ccda/convert';

const KNOWN = readFileSync('test/fixtures/ccd-jan-dekker.xml', 'utf8');
const RECORDED = readFileSync('test/fixtures/ccd-jan-dekker.fhir.json', 'utf8');

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
      if (xml !== KNOWN) {
        throw new Error('the stand-in knows only test/fixtures/ccd-jan-dekker.xml');
      }
      return { recorded: true };
    },
    convertCcdaToFhir: (_ccda, options) => {
      calls.push(options);
      return JSON.parse(RECORDED) as Bundle;
    },
  };
}
