/**
 * Visiting every object in a JSON tree (a FHIR resource with its backbone elements, extensions
 * and contained resources), depth first. Used to find references and attachments wherever
 * they are, not from a list of field names.
 */
export function visitObjects(node: object, visit: (object: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const item of node as unknown[]) {
      if (typeof item === 'object' && item !== null) {
        visitObjects(item, visit);
      }
    }
    return;
  }
  const object = node as Record<string, unknown>;
  visit(object);
  for (const key in object) {
    const value = object[key];
    if (typeof value === 'object' && value !== null) {
      visitObjects(value, visit);
    }
  }
}

/** A literal reference to another resource (not `#id` to a contained one), if `object` holds one. */
export function literalReference(object: Record<string, unknown>): string | undefined {
  const reference = object.reference;
  return typeof reference === 'string' && reference.length > 0 && reference.charCodeAt(0) !== 35 /* # */
    ? reference
    : undefined;
}
