/**
 * base64url (RFC 4648 §5) without padding, plus UTF-8 helpers. Decoding also accepts the
 * standard alphabet (`+`, `/`) and `=` padding, which older producers emit. No `atob`, no
 * `Buffer`: this runs in browsers and in Medplum's vmcontext sandbox alike.
 */
import { parseJsonObject } from './json';
import type { Codec } from './platform';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const asciiDecoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) {
  DECODE[ALPHABET.charCodeAt(i)] = i;
}
DECODE['+'.charCodeAt(0)] = 62;
DECODE['/'.charCodeAt(0)] = 63;

/** Decodes base64url (or standard base64). Returns undefined when the text is not base64. */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
    end--;
  }
  if (text.length - end > 2 || end % 4 === 1) {
    return undefined;
  }
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let i = 0;
  const full = end - (end % 4);
  for (; i < full; i += 4) {
    const a = lookup(text, i);
    const b = lookup(text, i + 1);
    const c = lookup(text, i + 2);
    const d = lookup(text, i + 3);
    if ((a | b | c | d) < 0) {
      return undefined;
    }
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = end - full;
  if (rest > 0) {
    const a = lookup(text, i);
    const b = lookup(text, i + 1);
    const c = rest === 3 ? lookup(text, i + 2) : 0;
    if ((a | b | c) < 0) {
      return undefined;
    }
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o] = n >> 16;
    if (rest === 3) {
      out[o + 1] = (n >> 8) & 255;
    }
  }
  return out;
}

function lookup(text: string, i: number): number {
  const ch = text.charCodeAt(i);
  return ch < 128 ? (DECODE[ch] as number) : -1;
}

const URL_CODES = new Uint8Array(64);
for (let i = 0; i < ALPHABET.length; i++) {
  URL_CODES[i] = ALPHABET.charCodeAt(i);
}
const STANDARD_CODES = URL_CODES.slice();
STANDARD_CODES[62] = '+'.charCodeAt(0);
STANDARD_CODES[63] = '/'.charCodeAt(0);

/** Encodes bytes as base64url without padding. */
export function encodeBase64url(bytes: Uint8Array): string {
  return encode(bytes, URL_CODES, false);
}

/** Encodes bytes as standard base64 with padding (FHIR `base64Binary`). */
export function encodeBase64(bytes: Uint8Array): string {
  return encode(bytes, STANDARD_CODES, true);
}

/** The characters as bytes first, then one decode: no string is built piece by piece. */
function encode(bytes: Uint8Array, codes: Uint8Array, pad: boolean): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = codes[n >> 18] as number;
    out[o++] = codes[(n >> 12) & 63] as number;
    out[o++] = codes[(n >> 6) & 63] as number;
    out[o++] = codes[n & 63] as number;
  }
  if (i < bytes.length) {
    const two = i + 1 < bytes.length;
    const n = ((bytes[i] as number) << 16) | (two ? (bytes[i + 1] as number) << 8 : 0);
    out[o++] = codes[n >> 18] as number;
    out[o++] = codes[(n >> 12) & 63] as number;
    if (two) {
      out[o++] = codes[(n >> 6) & 63] as number;
    }
    if (pad) {
      out.fill(61 /* = */, o);
      o = out.length;
    }
  }
  return asciiDecoder.decode(out.subarray(0, o));
}

/** Strict UTF-8 decoding; returns undefined for invalid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function encodeUtf8(text: string): Uint8Array<ArrayBuffer> {
  return utf8Encoder.encode(text);
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    out += b.toString(16).padStart(2, '0');
  }
  return out;
}

/** The conversions that run everywhere (see `Codec`). */
export const portableCodec: Codec = { decodeUtf8, decodeBase64url, encodeBase64 };

/** Decodes a base64url segment holding a JSON object (a JOSE header); undefined otherwise. */
export function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64url(segment);
  return parseJsonObject(bytes && decodeUtf8(bytes));
}
