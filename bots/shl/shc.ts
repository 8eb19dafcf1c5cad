/**
 * Bare SMART Health Card QR codes, as patients show them at check-in: `shc:/` and the card's
 * JWS in QR numeric mode (each character as two digits, its code minus 45), in one code
 * (`shc:/<digits>`) or in parts (`shc:/<i>/<n>/<digits>`, deprecated by the specification but
 * still printed). The parts are joined in order, and the card is read and verified like a card
 * inside a link (`health-card.ts`), so the answer is an ordinary resolve result. Isomorphic.
 */
import type { Resource } from '@medplum/fhirtypes';
import { chooseSubject } from '../fhir/subject';
import { encodeUtf8, toHex } from './base64url';
import { collectGroups } from './bundle-entries';
import { HEALTH_CARD } from './content-type';
import { ShlError } from './errors';
import type { IssuerDirectory } from './health-card';
import { parseTrustedIssuers, readHealthCardFile } from './health-card';
import { startResolve } from './http';
import { normalizeResources } from './normalize';
import type { Limits, Platform } from './platform';
import type { HealthCardResult, ResolveResult } from './resolve';

/** One QR code of a card: part `index` of `total` (1 of 1 for a card in one code). */
export interface ShcPart {
  index: number;
  total: number;
  digits: string;
}

/** Most parts a card may come in (the specification's cards need at most a few). */
export const MAX_SHC_PARTS = 20;
/** Most digits in all parts together: a card's JWS is a few KB. */
const MAX_SHC_DIGITS = 200_000;
/** What the label of a card's source says. */
export const SHC_LABEL = 'SMART Health Card';

const SHC_CODE = /^shc:\/(?:(\d{1,2})\/(\d{1,2})\/)?(\d+)$/i;

/** Whether text is meant as a health-card QR code (complete or not). */
export function looksLikeShc(text: string): boolean {
  return /^\s*shc:\//i.test(text);
}

/** One QR code's part, or undefined when the text is not a well-formed `shc:/` code. */
export function parseShcPart(text: string): ShcPart | undefined {
  const match = SHC_CODE.exec(text.replace(/\s+/g, ''));
  if (!match) {
    return undefined;
  }
  const [, index = '1', total = '1', digits = ''] = match;
  const part = { index: Number(index), total: Number(total), digits };
  const wellFormed =
    part.total >= 1 &&
    part.total <= MAX_SHC_PARTS &&
    part.index >= 1 &&
    part.index <= part.total &&
    digits.length % 2 === 0 &&
    digits.length <= MAX_SHC_DIGITS;
  return wellFormed ? part : undefined;
}

/** The card's JWS from its QR codes, in any order. Throws `invalid-link` saying what is wrong. */
export function jwsFromShc(codes: readonly string[]): string {
  if (codes.length === 0 || codes.length > MAX_SHC_PARTS) {
    throw invalid(`A health card comes in 1 to ${MAX_SHC_PARTS} QR codes.`);
  }
  const parts = codes.map((code) => {
    const part = typeof code === 'string' ? parseShcPart(code) : undefined;
    if (!part) {
      throw invalid('This is not a SMART Health Card QR code (shc:/ followed by digits).');
    }
    return part;
  });
  const total = parts[0]?.total ?? 0;
  const byIndex = new Map(parts.map((p) => [p.index, p]));
  if (parts.some((p) => p.total !== total) || byIndex.size !== parts.length) {
    throw invalid('These QR codes are not the parts of one health card.');
  }
  if (parts.length < total) {
    throw invalid(
      `This health card comes in ${total} QR codes; only ${parts.length} ${parts.length === 1 ? 'was' : 'were'} scanned. Scan every part.`
    );
  }
  const digits = Array.from({ length: total }, (_, i) => byIndex.get(i + 1)?.digits ?? '').join('');
  if (digits.length > MAX_SHC_DIGITS) {
    throw invalid('This health card is far larger than any QR code can hold.');
  }
  let jws = '';
  for (let i = 0; i < digits.length; i += 2) {
    const value = Number(digits.slice(i, i + 2));
    // 0..77 covers '-' (45) to 'z' (122), every character a compact JWS uses.
    if (value > 77) {
      throw invalid('This health card QR code is damaged (a digit pair out of range). Scan it again.');
    }
    jws += String.fromCharCode(value + 45);
  }
  return jws;
}

export interface HealthCardCodeOptions {
  platform: Platform;
  limits?: Partial<Limits>;
  /** Hosts that may use plain http and private addresses (tests, local development). */
  allowHosts?: ReadonlySet<string>;
  /** Health-card issuers this project trusts. */
  trustedIssuers?: IssuerDirectory;
}

/**
 * Reads a card from its QR codes: verified as cards in links are, its resources normalized, the
 * issuer as the source's origin. A card whose content is left out (invalid, revoked) answers no
 * resources and says why; text that is no card at all is `invalid-link`.
 */
export async function resolveHealthCardCodes(
  codes: readonly string[],
  options: HealthCardCodeOptions
): Promise<ResolveResult> {
  const jws = jwsFromShc(codes);
  const { platform } = options;
  // The same whole-resolve budget as a link's: the issuer's key fetch and verification count.
  const ctx = startResolve(options);
  const directory = options.trustedIssuers ?? parseTrustedIssuers(undefined);
  const [card] = (await readHealthCardFile(ctx, directory, { verifiableCredential: [jws] })) ?? [];
  if (!card?.report.issuer) {
    throw invalid(`This QR code is not a readable SMART Health Card. ${card?.report.message ?? ''}`.trim());
  }
  const groups = card.bundle ? (collectGroups(card.bundle) ?? []) : [];
  const resources: Resource[] = normalizeResources(groups, platform.randomId).flat();
  const report: HealthCardResult = {
    ...card.report,
    ...(resources.length > 0 && { resources: resources.map((r) => `${r.resourceType}/${r.id ?? ''}`) }),
  };
  const warnings = card.bundle ? [] : [card.report.message];
  const { patient, others } = chooseSubject(resources);
  if (others.length > 0) {
    warnings.push(`The card names ${others.length + 1} patients; one was taken as the subject.`);
  }
  const cardId = await platform.subtle.digest('SHA-256', encodeUtf8(jws));
  return {
    source: {
      label: SHC_LABEL,
      origin: card.report.issuer,
      flags: '',
      retrievedAt: new Date(platform.now()).toISOString(),
      linkId: toHex(new Uint8Array(cardId)),
    },
    files: [
      {
        contentType: HEALTH_CARD,
        status: 'ok',
        message: card.report.message,
        resourceCount: groups.reduce((sum, g) => sum + g.entries.length, 0),
      },
    ],
    resources,
    ...(patient && { patient }),
    healthCards: [report],
    warnings,
  };
}

function invalid(message: string): ShlError {
  return new ShlError('invalid-link', message);
}
