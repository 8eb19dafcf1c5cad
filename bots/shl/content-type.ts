/**
 * Which kind of content a decrypted file holds: the manifest's `contentType`, else the JWE
 * `cty`, else a sniff of the JSON (many real files have no `cty`).
 */
export const FHIR_JSON = 'application/fhir+json';
export const HEALTH_CARD = 'application/smart-health-card';
export const API_ACCESS = 'application/smart-api-access';

export type KnownContentType = typeof FHIR_JSON | typeof HEALTH_CARD | typeof API_ACCESS;

const KNOWN = new Set<string>([FHIR_JSON, HEALTH_CARD, API_ACCESS]);
/** Declared types that say nothing about the content: sniff instead. */
const GENERIC = new Set(['', 'application/json', 'text/plain', 'application/octet-stream', 'application/jose']);

/** The media type without parameters, lower case. */
export function baseMediaType(type: string | undefined): string {
  return (type ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * The content type of a file: a known declared type wins; an unknown declared type is returned
 * as it is (the caller skips it); generic or missing types are sniffed from the parsed content.
 */
export function resolveContentType(declared: (string | undefined)[], content: unknown): string {
  for (const type of declared) {
    const base = baseMediaType(type);
    if (KNOWN.has(base)) {
      return base;
    }
  }
  const unknown = declared.map(baseMediaType).find((type) => !GENERIC.has(type));
  return unknown ?? sniffContentType(content) ?? 'application/octet-stream';
}

/** Guesses a known content type from parsed JSON. */
export function sniffContentType(content: unknown): KnownContentType | undefined {
  if (typeof content !== 'object' || content === null) {
    return undefined;
  }
  const value = content as Record<string, unknown>;
  if (Array.isArray(value.verifiableCredential)) {
    return HEALTH_CARD;
  }
  if (typeof value.resourceType === 'string') {
    return FHIR_JSON;
  }
  if (typeof value.access_token === 'string' && typeof value.aud === 'string') {
    return API_ACCESS;
  }
  return undefined;
}
