/**
 * Parsing what was scanned or pasted into an SHL payload. Accepts a bare `shlink:/…`, a
 * viewer-prefixed `https://…#shlink:/…`, whitespace or line breaks anywhere, a percent-encoded
 * text, base64url with or without padding (and the standard alphabet older producers used),
 * and UTF-8 labels. Validation follows the SHL IG: unknown properties and flag letters are
 * ignored, `U` with `P` is refused, `v` > 1 is refused before any request.
 */
import { decodeBase64url, decodeUtf8 } from './base64url';
import { ShlError } from './errors';
import { parseJsonObject } from './json';

export interface ShlPayload {
  /** The manifest URL (or, with `U`, the file URL). */
  url: string;
  /** base64url of the 32-byte key, as given. */
  key: string;
  /** Epoch seconds, normalized. */
  exp?: number;
  /** Flag letters as given (unknown letters kept here, ignored by the logic). */
  flag?: string;
  label?: string;
  v?: number;
}

export interface ParsedLink {
  payload: ShlPayload;
  /** The decoded 32-byte key. */
  key: Uint8Array<ArrayBuffer>;
  /** The flags the protocol defines that are set. */
  flags: ReadonlySet<'L' | 'P' | 'U'>;
  /** Things a person should know that do not stop the link from working. */
  warnings: string[];
}

const MAX_INPUT_CHARS = 64 * 1024;
const MAX_URL_CHARS = 128;
const MAX_LABEL_CHARS = 80;
/** An `exp` above this (about year 5138 in seconds) must be milliseconds. */
const EXP_MILLISECONDS_THRESHOLD = 1e11;

const INVALID_HINT = 'Scan the QR code again or ask the patient to share a new link.';

/** Parses a scanned or pasted SMART Health Link. Throws ShlError `invalid-link` or `unsupported-version`. */
export function parseShl(input: unknown): ParsedLink {
  if (typeof input !== 'string' || input.length === 0) {
    throw new ShlError('invalid-link', `No SMART Health Link was given. ${INVALID_HINT}`);
  }
  if (input.length > MAX_INPUT_CHARS) {
    throw new ShlError('invalid-link', `The text is too long to be a SMART Health Link. ${INVALID_HINT}`);
  }
  const encoded = findEncodedPayload(input);
  if (encoded === undefined) {
    throw new ShlError('invalid-link', `This is not a SMART Health Link (no "shlink:/" found). ${INVALID_HINT}`);
  }
  const bytes = decodeBase64url(encoded);
  const text = bytes && decodeUtf8(bytes);
  const raw = parseJsonObject(text);
  if (!raw) {
    throw new ShlError('invalid-link', `The link is damaged or incomplete. ${INVALID_HINT}`);
  }
  return validatePayload(raw);
}

/** The base64url text after `shlink:/`, from any of the forms people scan or paste. */
function findEncodedPayload(input: string): string | undefined {
  let text = input.replace(/\s+/g, '');
  if (/%[0-9a-f]{2}/i.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      // Not valid percent-encoding: keep the text as it is.
    }
  }
  const match = /shlink:\/([A-Za-z0-9_\-+/]+={0,2})/i.exec(text);
  return match?.[1];
}

function validatePayload(raw: Record<string, unknown>): ParsedLink {
  const warnings: string[] = [];
  const { url, key: keyText, flag, label, v } = raw;
  if (typeof url !== 'string' || url.length === 0) {
    throw new ShlError('invalid-link', `The link has no address to fetch from. ${INVALID_HINT}`);
  }
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new ShlError('invalid-link', `The link's address is not a web address. ${INVALID_HINT}`);
  }
  if (url.length > MAX_URL_CHARS) {
    warnings.push(`The link's address is longer than the ${MAX_URL_CHARS} characters the standard allows.`);
  }
  if (typeof keyText !== 'string') {
    throw new ShlError('invalid-link', `The link has no decryption key. ${INVALID_HINT}`);
  }
  const key = decodeBase64url(keyText);
  if (key?.length !== 32) {
    throw new ShlError('invalid-link', `The link's decryption key is not 32 bytes long. ${INVALID_HINT}`);
  }
  const version = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (version !== undefined && version !== null && !(typeof version === 'number' && version <= 1)) {
    throw new ShlError(
      'unsupported-version',
      'This link uses a newer SMART Health Links version than this importer supports. Ask the sender for a version 1 link.'
    );
  }
  const flagText = typeof flag === 'string' ? flag : '';
  const flags = new Set<'L' | 'P' | 'U'>();
  for (const letter of flagText) {
    if (letter === 'L' || letter === 'P' || letter === 'U') {
      flags.add(letter);
    }
  }
  if (flags.has('U') && flags.has('P')) {
    throw new ShlError(
      'invalid-link',
      `The link is malformed: a direct (U) link cannot need a passcode (P). ${INVALID_HINT}`
    );
  }
  const payload: ShlPayload = { url, key: keyText };
  if (flagText) {
    payload.flag = flagText;
  }
  if (typeof version === 'number') {
    payload.v = version;
  }
  if (typeof label === 'string') {
    payload.label = label;
    if (Array.from(label).length > MAX_LABEL_CHARS) {
      warnings.push(`The link's label is longer than the ${MAX_LABEL_CHARS} characters the standard allows.`);
    }
  }
  const exp = normalizeExp(raw.exp, warnings);
  if (exp !== undefined) {
    payload.exp = exp;
  }
  return { payload, key, flags, warnings };
}

/** `exp` as epoch seconds: numbers or numeric strings, seconds or milliseconds. */
function normalizeExp(exp: unknown, warnings: string[]): number | undefined {
  if (exp === undefined || exp === null) {
    return undefined;
  }
  let value = typeof exp === 'number' ? exp : typeof exp === 'string' && exp.trim() !== '' ? Number(exp) : NaN;
  if (!Number.isFinite(value) || value < 0) {
    warnings.push('The link has an expiry time that cannot be read; it was treated as having none.');
    return undefined;
  }
  if (typeof exp === 'string') {
    warnings.push('The link gives its expiry time as text instead of a number; it was read as a number.');
  }
  if (value > EXP_MILLISECONDS_THRESHOLD) {
    value = Math.floor(value / 1000);
    warnings.push('The link gives its expiry time in milliseconds instead of seconds; it was converted.');
  }
  return value;
}
