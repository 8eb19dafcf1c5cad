/**
 * C-CDA documents inside a link: a `DocumentReference` whose attachment holds one inline, or a
 * `Binary` holding one. The content type must be CDA or XML and the body's root element a
 * `ClinicalDocument`: a content type alone is not proof. Isomorphic.
 */
import type { Resource } from '@medplum/fhirtypes';
import { decodeBase64url, decodeUtf8 } from '../shl/base64url';

const CCDA_TYPES = new Set(['application/cda+xml', 'text/xml', 'application/xml', 'application/hl7-v3+xml']);
/**
 * The root element after an optional BOM, XML declaration, processing instructions, comments and
 * DOCTYPE (recognized here so that conversion can refuse it by name).
 */
const CLINICAL_DOCUMENT =
  /^\uFEFF?\s*(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*|<!DOCTYPE[^[>]*(?:\[[\s\S]*?\])?\s*>\s*)*<(?:[A-Za-z_][\w.-]*:)?ClinicalDocument[\s>]/;

/** Whether a resource holds a C-CDA document inline. */
export function isCcdaDocument(resource: Resource): boolean {
  return ccdaXml(resource) !== undefined;
}

/** The C-CDA XML a resource holds inline, or undefined when it holds none. */
export function ccdaXml(resource: Resource): string | undefined {
  // Also called on input from outside: nothing about its shape is assumed.
  const inline: unknown[] =
    resource.resourceType === 'Binary'
      ? [resource]
      : resource.resourceType === 'DocumentReference' && Array.isArray(resource.content)
        ? resource.content.map((c: { attachment?: unknown } | undefined) => c?.attachment)
        : [];
  for (const item of inline) {
    const { contentType, data } = (item ?? {}) as { contentType?: unknown; data?: unknown };
    const type = typeof contentType === 'string' ? (contentType.split(';')[0]?.trim().toLowerCase() ?? '') : '';
    if (typeof data !== 'string' || !CCDA_TYPES.has(type)) {
      continue;
    }
    const bytes = decodeBase64url(data.replace(/\s+/g, ''));
    const xml = bytes && decodeUtf8(bytes);
    if (xml !== undefined && CLINICAL_DOCUMENT.test(xml.slice(0, 4096))) {
      return xml;
    }
  }
  return undefined;
}
