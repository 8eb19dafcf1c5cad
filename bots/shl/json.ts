/**
 * Parsing JSON from outside (links, manifests, files, senders' answers, bot input) without
 * throwing: what does not parse is `undefined`, and the caller says what that means. The parse
 * error's own message is never shown, since it quotes the input.
 */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON object (not an array) from outside; `undefined` for anything else. */
export function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  const value = parseJson(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
