/**
 * Visiting every object in a JSON tree (a FHIR resource with its backbone elements, extensions
 * and contained resources), depth first. Used to find references and attachments wherever
 * they are, not from a list of field names. A tree nested deeper than any FHIR resource is
 * refused rather than walked: a crafted file would otherwise exhaust the stack here or in the
 * serializers after it.
 */
import { ShlError } from '../shl/errors';

/** Deeper than this, a JSON tree is not patient data (FHIR resources nest a few dozen levels). */
export const MAX_JSON_DEPTH = 200;

export function visitObjects(node: object, visit: (object: Record<string, unknown>) => void, depth = 0): void {
  if (depth > MAX_JSON_DEPTH) {
    throw tooDeep();
  }
  if (Array.isArray(node)) {
    for (const item of node as unknown[]) {
      if (typeof item === 'object' && item !== null) {
        visitObjects(item, visit, depth + 1);
      }
    }
    return;
  }
  const object = node as Record<string, unknown>;
  visit(object);
  for (const key in object) {
    const value = object[key];
    if (typeof value === 'object' && value !== null) {
      visitObjects(value, visit, depth + 1);
    }
  }
}

/** Throws `too-large` when a JSON value nests deeper than MAX_JSON_DEPTH; iterative, so it cannot overflow. */
export function checkDepth(value: unknown): void {
  const stack: [object, number][] = typeof value === 'object' && value !== null ? [[value, 0]] : [];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [object, number];
    if (depth > MAX_JSON_DEPTH) {
      throw tooDeep();
    }
    for (const child of Array.isArray(node) ? (node as unknown[]) : (Object.values(node) as unknown[])) {
      if (typeof child === 'object' && child !== null) {
        stack.push([child, depth + 1]);
      }
    }
  }
}

/** The error for a tree nested deeper than MAX_JSON_DEPTH. */
export function tooDeep(): ShlError {
  return new ShlError(
    'too-large',
    `The data is nested more than ${MAX_JSON_DEPTH} levels deep, which no health record is: it was not read.`
  );
}

/** A literal reference to another resource (not `#id` to a contained one), if `object` holds one. */
export function literalReference(object: Record<string, unknown>): string | undefined {
  const reference = object.reference;
  return typeof reference === 'string' && reference.length > 0 && reference.charCodeAt(0) !== 35 /* # */
    ? reference
    : undefined;
}
