/** The `Type/id` at the end of a FHIR reference or URL. Isomorphic. */
export interface TypeId {
  type: string;
  id: string;
}

/**
 * The `Type/id` a reference or URL ends in (ignoring `/_history/N`), if it has that shape:
 * `Patient/1`, `https://fhir.example/Patient/1`, `Patient/1/_history/2`.
 */
export function typeIdTail(reference: string): TypeId | undefined {
  const history = reference.indexOf('/_history/');
  const end = history >= 0 ? history : reference.length;
  const slash = reference.lastIndexOf('/', end - 1);
  if (slash <= 0 || slash + 1 >= end) {
    return undefined;
  }
  const typeStart = reference.lastIndexOf('/', slash - 1) + 1;
  const first = reference.charCodeAt(typeStart);
  if (first < 65 || first > 90) {
    return undefined;
  }
  return { type: reference.slice(typeStart, slash), id: reference.slice(slash + 1, end) };
}
