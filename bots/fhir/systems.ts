/**
 * Every system URI the bot writes on a server: tags, identifiers, extensions and codes. They are
 * stored on servers and searched for by later runs, so their values never change; new ones are
 * added here, not written inline elsewhere. Also the registry systems the bot trusts to name one
 * practitioner or organization, with the names staff know them by.
 */
import type { Coding, Identifier } from '@medplum/fhirtypes';

const BASE = 'https://smarthealthit.org/shl-import';

/** The `shl-import` Bot's identifier, set by `npm run deploy`; the pages find the bot by it. */
export const BOT_IDENTIFIER = { system: `${BASE}/bot`, value: 'shl-import' } as const satisfies Identifier;

/** The tag on every imported resource: the patient shared it (the CMS category). */
export const PATIENT_SHARED_TAG = {
  system: 'https://cms.gov/fhir/CodeSystem/patient-shared-category',
  code: 'patient-shared',
  display: 'Patient Shared',
} as const satisfies Coding;

/** The tag system of an imported resource's content hash (deduplicates what nothing else identifies). */
export const CONTENT_HASH_SYSTEM = 'https://smarthealthit.org/shl/import-content-hash';

/** The identifier system of a link's id (hex SHA-256 of its url) in a Provenance's entity. */
export const LINK_ID_SYSTEM = 'https://smarthealthit.org/shl/link-id';

/** The identifier system of a URL (a sender's origin) in a Provenance's agent. */
export const URL_SYSTEM = 'urn:ietf:rfc:3986';

/** The extension tying an imported `Endpoint` to its patient (Endpoint has no patient element). */
export const ENDPOINT_PATIENT_EXTENSION = `${BASE}/StructureDefinition/endpoint-patient`;

/** The tag on every resource converted from a C-CDA document. */
export const CONVERTED_FROM_CCDA = {
  system: `${BASE}/source`,
  code: 'converted-from-ccda',
  display: 'Converted from a C-CDA document',
} as const satisfies Coding;

/** The code system of the bot's Tasks (see `import/tasks.ts`). */
export const TASK_CODE_SYSTEM = `${BASE}/task`;

/** Extensions on a followed link's Task. */
export const NEXT_POLL_EXTENSION = `${BASE}/StructureDefinition/next-poll`;
export const POLL_INTERVAL_EXTENSION = `${BASE}/StructureDefinition/poll-interval-seconds`;
export const FINGERPRINTS_EXTENSION = `${BASE}/StructureDefinition/content-fingerprints`;

/**
 * Identifier systems issued by a registry to one organization or person, by the name staff know
 * them by: a match on one of these is the same practitioner, organization or location wherever
 * the link came from.
 */
export const REGISTRY_SYSTEMS: Readonly<Record<string, string>> = {
  'http://hl7.org/fhir/sid/us-npi': 'NPI',
  'urn:oid:2.16.840.1.113883.4.6': 'NPI',
  'http://hl7.org/fhir/sid/us-ein': 'EIN',
  'urn:oid:2.16.840.1.113883.4.4': 'EIN',
  'urn:oid:2.16.840.1.113883.4.7': 'CLIA',
  'http://terminology.hl7.org/NamingSystem/CLIA': 'CLIA',
  'urn:oid:2.16.840.1.113883.6.300': 'NAIC',
  'http://terminology.hl7.org/NamingSystem/NAICCompanyCode': 'NAIC',
  'http://hl7.org/fhir/sid/ndc': 'NDC',
};
