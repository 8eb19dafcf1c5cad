/**
 * A resource's content hash: what two copies of the same content share although they came
 * through different links (ids, references and meta differ). Isomorphic.
 */
import type { Resource } from '@medplum/fhirtypes';

/**
 * A 106-bit hash (two 53-bit cyrb53 rounds) of a resource's content with `reference` values and
 * meta left out: those change from link to link while the content stays the same.
 */
export function contentHash(resource: Resource): string {
  const text = JSON.stringify(resource, (key, value: unknown) =>
    key === 'reference' || key === 'meta' ? undefined : value
  );
  return textHash(text);
}

/** The same 106-bit hash of any text. */
export function textHash(text: string): string {
  return cyrb53(text, 1).toString(36) + cyrb53(text, 2).toString(36);
}

function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
