/**
 * SMART Health Cards inside SHL files (`application/smart-health-card`): each JWS is checked
 * (ES256, the `kid` is the key's RFC 7638 thumbprint, the issuer's key from its JWKS fetched
 * under the network rules and cached, `exp`, the issuer's revocation list when the key has
 * `crlVersion`, `nbf` not in the future) and classed as the IG suggests:
 *
 * | status         | meaning                                                  | bundle returned |
 * | -------------- | -------------------------------------------------------- | --------------- |
 * | `verified`     | signature valid (trusted when on our list)               | yes             |
 * | `expired`      | signature valid, card past its `exp`                     | yes, flagged    |
 * | `unverifiable` | issuer keys or revocation list unreachable, key unknown  | yes, flagged    |
 * | `invalid`      | bad signature, malformed, wrong algorithm                | no              |
 * | `revoked`      | on the issuer's revocation list                          | no              |
 *
 * The issuer's key set and revocation list are fetched from where the spec puts them, no
 * redirect followed.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { decodeBase64url, decodeJsonSegment, decodeUtf8, encodeUtf8 } from './base64url';
import { isShlError, ShlError } from './errors';
import type { FetchContext } from './http';
import { fetchChecked } from './http';
import { jwkThumbprint } from './jwk-thumbprint';
import { parseJson, parseJsonObject } from './json';

export type HealthCardStatus = 'verified' | 'unverifiable' | 'invalid' | 'revoked' | 'expired';

export interface HealthCardReport {
  issuer: string;
  /** The issuer's name in `SHL_TRUSTED_ISSUERS` (a VCI directory), for a card its key verified. */
  issuerName?: string;
  verified: boolean;
  trusted: boolean;
  message: string;
  status: HealthCardStatus;
}

export interface HealthCard {
  report: HealthCardReport;
  /** The card's FHIR Bundle, unless the card is invalid or revoked. */
  bundle?: Bundle;
}

interface IssuerJwk {
  kty?: unknown;
  crv?: unknown;
  x?: unknown;
  y?: unknown;
  kid?: unknown;
  alg?: unknown;
  use?: unknown;
  d?: unknown;
  crlVersion?: unknown;
}

interface Crl {
  kid?: unknown;
  rids?: unknown;
}

interface DirectoryIssuer {
  name?: string;
  keys?: IssuerJwk[];
  crls?: Crl[];
}

/** The issuers this project trusts, by exact `iss`; keys and CRLs when the directory holds them. */
export interface IssuerDirectory {
  issuers: ReadonlyMap<string, DirectoryIssuer>;
}

const MAX_CARDS = 100;
const KEY_CACHE_TTL_MS = 60 * 60 * 1000;
const FAILURE_CACHE_TTL_MS = 60 * 1000;
const MAX_CACHED_ISSUERS = 200;
const HEALTH_CARD_TYPE = 'https://smarthealth.cards#health-card';
/** How far an issuer's clock may run ahead of ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

interface CachedKeys {
  expires: number;
  keys: Promise<IssuerJwk[] | undefined>;
}

const keyCache = new Map<string, CachedKeys>();

/** Forgets cached issuer keys (tests; key rotation). */
export function clearIssuerKeyCache(): void {
  keyCache.clear();
}

/**
 * Reads the `SHL_TRUSTED_ISSUERS` secret: issuer URLs separated by commas or white space, or
 * JSON in the VCI directory shapes (`issuerInfo: [{issuer: {iss, name}, keys, crls}]` as in the
 * VCI snapshot, or `participating_issuers: [{iss, name}]`).
 */
export function parseTrustedIssuers(text: string | undefined): IssuerDirectory {
  const issuers = new Map<string, DirectoryIssuer>();
  const trimmed = text?.trim() ?? '';
  if (!trimmed.startsWith('{')) {
    for (const iss of trimmed.split(/[\s,]+/)) {
      if (iss) {
        issuers.set(iss.replace(/\/+$/, ''), {});
      }
    }
    return { issuers };
  }
  const json = parseJsonObject(trimmed);
  if (!json) {
    throw new ShlError(
      'not-configured',
      'The SHL_TRUSTED_ISSUERS secret is not valid JSON. Give issuer URLs separated by commas, or a VCI directory snapshot.'
    );
  }
  for (const info of asArray(json.issuerInfo)) {
    const { issuer, keys, crls } = info as {
      issuer?: { iss?: unknown; name?: unknown };
      keys?: unknown;
      crls?: unknown;
    };
    if (typeof issuer?.iss === 'string') {
      const known = issuers.get(issuer.iss) ?? {};
      issuers.set(issuer.iss, {
        ...(typeof issuer.name === 'string' && { name: issuer.name }),
        keys: [...(known.keys ?? []), ...(asArray(keys) as IssuerJwk[])],
        crls: [...(known.crls ?? []), ...(asArray(crls) as Crl[])],
      });
    }
  }
  for (const entry of asArray(json.participating_issuers)) {
    const { iss, name } = entry as { iss?: unknown; name?: unknown };
    if (typeof iss === 'string' && !issuers.has(iss)) {
      issuers.set(iss, typeof name === 'string' ? { name } : {});
    }
  }
  return { issuers };
}

/**
 * Reads a health-card file; undefined when the content is not `{verifiableCredential: [...]}`.
 * Throws `too-large` for a file of more cards than one file may hold (no card of it is read).
 */
export async function readHealthCardFile(
  ctx: FetchContext,
  directory: IssuerDirectory,
  content: unknown
): Promise<HealthCard[] | undefined> {
  const credentials = (content as { verifiableCredential?: unknown } | undefined)?.verifiableCredential;
  if (!Array.isArray(credentials)) {
    return undefined;
  }
  if (credentials.length > MAX_CARDS) {
    throw new ShlError(
      'too-large',
      `This health-card file holds ${credentials.length.toLocaleString('en-US')} cards; at most ${MAX_CARDS} are read from one file, so none of it was read. Ask the sender to share fewer cards at a time.`
    );
  }
  return Promise.all(credentials.map((jws) => readCard(ctx, directory, jws)));
}

/**
 * What a card's checks concluded. Each verdict has one status and one text for staff; whether
 * the card's content is kept follows from the status (see the module comment).
 */
type Verdict =
  | 'not-signed'
  | 'not-es256'
  | 'unreadable'
  | 'incomplete'
  | 'keys-unreachable'
  | 'key-unknown'
  | 'key-invalid'
  | 'signature-invalid'
  | 'issued-in-future'
  | 'revoked'
  | 'revocation-unknown'
  | 'expired'
  | 'verified';

const VERDICTS: Record<Verdict, { status: HealthCardStatus; text: (card: CardFacts) => string }> = {
  'not-signed': { status: 'invalid', text: () => 'A health card in this file is not a signed card.' },
  'not-es256': {
    status: 'invalid',
    text: () => 'A health card is not signed with ES256, as SMART Health Cards must be; it was left out.',
  },
  unreadable: {
    status: 'invalid',
    text: () =>
      'A health card could not be read (its content is damaged or not compressed as declared); it was left out.',
  },
  incomplete: {
    status: 'invalid',
    text: () => 'A health card is missing its issuer, type or FHIR bundle; it was left out.',
  },
  'keys-unreachable': {
    status: 'unverifiable',
    text: ({ issuer }) =>
      `Could not get the signing keys of ${issuer}; the card could not be verified. Treat its content as unverified.`,
  },
  'key-unknown': {
    status: 'unverifiable',
    text: ({ issuer }) =>
      `${issuer} does not publish the key this card was signed with; the card could not be verified.`,
  },
  'key-invalid': {
    status: 'invalid',
    text: ({ issuer }) =>
      `The key of ${issuer} for this card is not a valid ES256 signing key (or its kid is not its thumbprint); the card was left out.`,
  },
  'signature-invalid': {
    status: 'invalid',
    text: ({ issuer }) =>
      `The signature of a card from ${issuer} does not match its content: it may have been altered. It was left out.`,
  },
  'issued-in-future': {
    status: 'invalid',
    text: ({ issuer }) => `A card from ${issuer} claims to be issued in the future; it was left out.`,
  },
  revoked: { status: 'revoked', text: ({ issuer }) => `${issuer} has revoked this card; it was left out.` },
  'revocation-unknown': {
    status: 'unverifiable',
    text: ({ issuer }) =>
      `The signature is valid, but ${issuer}'s list of revoked cards could not be had: the card may have been revoked. Treat its content as unverified.`,
  },
  expired: {
    status: 'expired',
    text: ({ exp }) =>
      `Signature verified, but the card expired on ${new Date((exp ?? 0) * 1000).toISOString().slice(0, 10)}.`,
  },
  verified: {
    status: 'verified',
    text: ({ issuer, trusted }) =>
      trusted
        ? `Signature verified; ${issuer} is a trusted issuer.`
        : `Signature verified; ${issuer} is not on this project's trusted list.`,
  },
};

/** What a card says of itself, once its shape is readable. */
interface CardFacts {
  issuer: string;
  trusted: boolean;
  /** The issuer's name in the directory, when it gives one. */
  name?: string;
  exp?: number;
}

/** A card taken apart: its header, its payload and the parts the signature covers. */
interface ParsedCard {
  header: Record<string, unknown>;
  payload: CardPayload & { vc: NonNullable<CardPayload['vc']> };
  issuer: string;
  bundle: Bundle;
  signingInput: string;
  signatureB64: string;
}

/** Reads one card: its shape, then its signature and standing with the issuer. */
async function readCard(ctx: FetchContext, directory: IssuerDirectory, jws: unknown): Promise<HealthCard> {
  const parsed = await parseCard(ctx, jws);
  if (typeof parsed === 'string') {
    return cardOf(parsed, { issuer: '', trusted: false });
  }
  const exp = typeof parsed.payload.exp === 'number' ? parsed.payload.exp : undefined;
  const listed = directory.issuers.get(parsed.issuer);
  const facts: CardFacts = {
    issuer: parsed.issuer,
    trusted: listed !== undefined,
    ...(listed?.name && { name: listed.name }),
    exp,
  };
  return cardOf(await verifyCard(ctx, directory, parsed, exp), facts, parsed.bundle);
}

/** The card's parts, or the verdict on a card that is not a readable SMART Health Card. */
async function parseCard(ctx: FetchContext, jws: unknown): Promise<ParsedCard | Verdict> {
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3) {
    return 'not-signed';
  }
  const [headerB64, payloadB64, signatureB64] = parts as [string, string, string];
  const header = decodeJsonSegment(headerB64);
  if (header?.alg !== 'ES256') {
    return 'not-es256';
  }
  const payload = await readPayload(ctx, payloadB64, header.zip);
  if (!payload) {
    return 'unreadable';
  }
  const { iss, vc } = payload;
  const bundle = vc?.credentialSubject?.fhirBundle;
  if (
    typeof iss !== 'string' ||
    !iss ||
    !vc ||
    !isBundle(bundle) ||
    !Array.isArray(vc.type) ||
    !vc.type.includes(HEALTH_CARD_TYPE)
  ) {
    return 'incomplete';
  }
  return {
    header,
    payload: { ...payload, vc },
    issuer: iss,
    bundle,
    signingInput: `${headerB64}.${payloadB64}`,
    signatureB64,
  };
}

/** The issuer's key, the signature, `nbf`, revocation and `exp`, in that order. */
async function verifyCard(
  ctx: FetchContext,
  directory: IssuerDirectory,
  card: ParsedCard,
  exp: number | undefined
): Promise<Verdict> {
  const { issuer, payload } = card;
  const kid = typeof card.header.kid === 'string' ? card.header.kid : '';
  const keys = await issuerKeys(ctx, directory, issuer);
  if (!keys) {
    return 'keys-unreachable';
  }
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) {
    return 'key-unknown';
  }
  if (!isUsableKey(jwk) || (await jwkThumbprint(ctx.platform.subtle, jwk)) !== kid) {
    return 'key-invalid';
  }
  if (!(await verifySignature(ctx.platform.subtle, jwk, card.signingInput, card.signatureB64))) {
    return 'signature-invalid';
  }
  if (typeof payload.nbf === 'number' && payload.nbf * 1000 > ctx.platform.now() + CLOCK_SKEW_MS) {
    return 'issued-in-future';
  }
  if (jwk.crlVersion !== undefined) {
    const revocation = await revocationOf(ctx, directory, issuer, kid, payload.vc.rid, payload.nbf);
    if (revocation !== 'not-revoked') {
      return revocation === 'revoked' ? 'revoked' : 'revocation-unknown';
    }
  }
  return exp !== undefined && exp * 1000 < ctx.platform.now() ? 'expired' : 'verified';
}

/** The card as reported: flagged content kept, invalid and revoked content left out. */
function cardOf(verdict: Verdict, facts: CardFacts, bundle?: Bundle): HealthCard {
  const { status, text } = VERDICTS[verdict];
  const verified = status === 'verified' || status === 'expired';
  const report: HealthCardReport = {
    issuer: facts.issuer,
    // Named only when the issuer's key signed the card: anyone can claim an `iss`.
    ...(verified && facts.name && { issuerName: facts.name }),
    verified,
    // Only a verified card's issuer is known: an unverified one may be anybody.
    trusted: status === 'unverifiable' || status === 'invalid' ? false : facts.trusted,
    status,
    message: text(facts),
  };
  const keep = status === 'verified' || status === 'expired' || status === 'unverifiable';
  return keep && bundle ? { report, bundle } : { report };
}

interface CardPayload {
  iss?: unknown;
  nbf?: unknown;
  exp?: unknown;
  vc?: { type?: unknown; rid?: unknown; credentialSubject?: { fhirBundle?: unknown } };
}

async function readPayload(ctx: FetchContext, payloadB64: string, zip: unknown): Promise<CardPayload | undefined> {
  const bytes = decodeBase64url(payloadB64);
  if (!bytes || (zip !== undefined && zip !== 'DEF')) {
    return undefined;
  }
  try {
    const json = decodeUtf8(
      zip === 'DEF' ? await ctx.budget.readWithin((maxBytes) => ctx.platform.inflateRaw(bytes, maxBytes)) : bytes
    );
    // Every card's payload counts against the link's total: a file of many cards cannot multiply it.
    ctx.budget.spendBytes(json?.length ?? 0);
    return parseJsonObject(json);
  } catch (err) {
    if (isShlError(err) && err.code === 'too-large') {
      throw err;
    }
    return undefined;
  }
}

/** The issuer's keys: from the directory, else its JWKS (cached). Undefined when unreachable. */
function issuerKeys(ctx: FetchContext, directory: IssuerDirectory, issuer: string): Promise<IssuerJwk[] | undefined> {
  const listed = directory.issuers.get(issuer)?.keys;
  if (listed && listed.length > 0) {
    return Promise.resolve(listed);
  }
  const now = ctx.platform.now();
  const cached = keyCache.get(issuer);
  if (cached && cached.expires > now) {
    return cached.keys;
  }
  const keys = fetchJson(ctx, `${issuer}/.well-known/jwks.json`).then((jwks) => {
    const list = (jwks as { keys?: unknown } | undefined)?.keys;
    return Array.isArray(list) ? (list as IssuerJwk[]) : undefined;
  });
  if (keyCache.size >= MAX_CACHED_ISSUERS) {
    keyCache.delete(keyCache.keys().next().value as string);
  }
  const entry: CachedKeys = { expires: now + KEY_CACHE_TTL_MS, keys };
  keyCache.set(issuer, entry);
  void keys.then((list) => {
    if (!list) {
      entry.expires = now + FAILURE_CACHE_TTL_MS;
    }
  });
  return keys;
}

/**
 * Whether the issuer revoked the card: `unknown` when its revocation list cannot be had (then the
 * card is not called verified: a revoked card must not pass because its list is out of reach).
 */
async function revocationOf(
  ctx: FetchContext,
  directory: IssuerDirectory,
  issuer: string,
  kid: string,
  rid: unknown,
  nbf: unknown
): Promise<'revoked' | 'not-revoked' | 'unknown'> {
  if (typeof rid !== 'string') {
    return 'not-revoked';
  }
  const listed = directory.issuers.get(issuer)?.crls?.find((crl) => crl.kid === kid);
  const crl = (listed ?? (await fetchJson(ctx, `${issuer}/.well-known/crl/${encodeURIComponent(kid)}.json`))) as
    Crl | undefined;
  if (!Array.isArray(crl?.rids)) {
    return 'unknown';
  }
  const notBefore = typeof nbf === 'number' ? nbf : Number.NaN;
  const revoked = crl.rids.some((entry) => {
    if (typeof entry !== 'string') {
      return false;
    }
    const [listedRid, timestamp] = entry.split('.');
    // `rid.<timestamp>` revokes only cards issued before that time.
    return listedRid === rid && (timestamp === undefined || notBefore < Number(timestamp));
  });
  return revoked ? 'revoked' : 'not-revoked';
}

/**
 * An issuer's JSON (key set, revocation list), from exactly where the spec puts it: no redirect
 * is followed, so an issuer cannot point the bot at another host's keys.
 */
async function fetchJson(ctx: FetchContext, url: string): Promise<unknown> {
  try {
    const response = await fetchChecked(ctx, url, {
      headers: { accept: 'application/json' },
      maxBytes: 1024 * 1024,
      maxRedirects: 0,
    });
    return response.status === 200 ? parseJson(decodeUtf8(response.body)) : undefined;
  } catch {
    return undefined;
  }
}

function isUsableKey(jwk: IssuerJwk): jwk is IssuerJwk & { kty: 'EC'; crv: 'P-256'; x: string; y: string } {
  return (
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string' &&
    jwk.d === undefined &&
    (jwk.alg === undefined || jwk.alg === 'ES256') &&
    (jwk.use === undefined || jwk.use === 'sig')
  );
}

async function verifySignature(
  subtle: SubtleCrypto,
  jwk: { x: string; y: string },
  signingInput: string,
  signatureB64: string
): Promise<boolean> {
  const signature = decodeBase64url(signatureB64);
  if (signature?.length !== 64) {
    return false;
  }
  try {
    const key = await subtle.importKey(
      'jwk',
      { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify']
    );
    return await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature, encodeUtf8(signingInput));
  } catch {
    return false;
  }
}

function isBundle(value: unknown): value is Bundle {
  return typeof value === 'object' && value !== null && (value as { resourceType?: unknown }).resourceType === 'Bundle';
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}
