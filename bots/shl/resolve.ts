/**
 * Resolving a parsed SMART Health Link end to end: link -> manifest (or direct file) -> files
 * -> decrypted content -> resources, normalized as the bot contract says. Isomorphic: the
 * network, inflate and crypto come in through `Platform`.
 */
import type { Patient, Resource } from '@medplum/fhirtypes';
import { fetchApiData, readApiAccess } from './api-access';
import { encodeUtf8, toHex } from './base64url';
import type { ResourceGroup } from './bundle-entries';
import { collectGroups } from './bundle-entries';
import { API_ACCESS, FHIR_JSON, HEALTH_CARD, resolveContentType } from './content-type';
import { isShlError, ShlError } from './errors';
import type { HealthCardReport, IssuerDirectory } from './health-card';
import { parseTrustedIssuers, readHealthCardFile } from './health-card';
import type { FetchContext } from './http';
import { decryptFile, importFileKey } from './jwe';
import type { ParsedLink } from './link';
import type { Manifest, ManifestFile } from './manifest';
import { fetchDirectFile, fetchLocation, requestManifest } from './manifest';
import { startResolve } from './http';
import { normalizeResources } from './normalize';
import type { Limits, Platform } from './platform';
import { chooseSubject } from '../fhir/subject';
import { parseJson } from './json';

export interface ResolveOptions {
  platform: Platform;
  /** Who is asking, sent to the sender (shown in its access log). */
  recipient: string;
  passcode?: string;
  limits?: Partial<Limits>;
  /** Hosts that may use plain http and private addresses (tests, local development). */
  allowHosts?: ReadonlySet<string>;
  /** Health-card issuers this project trusts. */
  trustedIssuers?: IssuerDirectory;
}

export interface ShlSource {
  label?: string;
  origin: string;
  flags: string;
  expiresAt?: string;
  retrievedAt: string;
  /** Hex SHA-256 of the link's url (never of the key). */
  linkId: string;
}

export interface FileReport {
  contentType: string;
  status: 'ok' | 'skipped' | 'failed';
  message?: string;
  resourceCount: number;
}

export interface HealthCardResult extends HealthCardReport {
  /** `Type/id` of the resources this card carried, within `resources`. */
  resources?: string[];
}

export interface ResolveResult {
  source: ShlSource;
  files: FileReport[];
  resources: Resource[];
  patient?: Patient;
  healthCards: HealthCardResult[];
  warnings: string[];
}

/** One file's content once decrypted: groups of entries, and the card each group came from. */
interface FileContent {
  report: FileReport;
  groups: ResourceGroup[];
  /** Each card's report and the range of `groups` its bundle became. */
  cards: { report: HealthCardResult; groupStart: number; groupCount: number }[];
  warnings?: string[];
}

const NO_LONGER_VALID = 'no-longer-valid';

/** Resolves a parsed link. Throws ShlError with the contract's codes. */
export async function resolveShl(link: ParsedLink, options: ResolveOptions): Promise<ResolveResult> {
  const { platform } = options;
  if (link.flags.has('P') && !options.passcode) {
    throw new ShlError('passcode-required', 'This link is protected by a passcode. Ask the patient for it.');
  }
  const started = platform.now();
  const ctx = startResolve(options);
  const warnings = [...link.warnings];
  const { payload } = link;
  if (payload.exp !== undefined && payload.exp * 1000 < started) {
    warnings.push(`This link expired on ${new Date(payload.exp * 1000).toISOString()}; the sender still answered.`);
  }
  const [key, linkId] = await Promise.all([
    importFileKey(platform.subtle, link.key),
    platform.subtle.digest('SHA-256', encodeUtf8(payload.url)),
  ]);

  const contents = await fetchContents(ctx, link, key, options, warnings);
  ctx.budget.checkTime();
  const { resources, healthCards } = assemble(contents, platform.randomId);
  ctx.budget.checkTime();
  const { patient, others } = chooseSubject(resources);
  if (others.length > 0) {
    warnings.push(
      `The link holds ${others.length + 1} patients; ${describePatient(patient)} was taken as the subject (for example, an insurance card also names the subscriber).`
    );
  }
  return {
    source: {
      ...(payload.label !== undefined && { label: payload.label }),
      origin: new URL(payload.url).origin,
      flags: [...link.flags].sort().join(''),
      ...(payload.exp !== undefined && { expiresAt: new Date(payload.exp * 1000).toISOString() }),
      retrievedAt: new Date(platform.now()).toISOString(),
      linkId: toHex(new Uint8Array(linkId)),
    },
    files: contents.map((c) => c.report),
    resources,
    ...(patient && { patient }),
    healthCards,
    warnings,
  };
}

/** Every file of the link, decrypted and read: the direct file of a `U` link, else the manifest's. */
async function fetchContents(
  ctx: FetchContext,
  link: ParsedLink,
  key: CryptoKey,
  options: ResolveOptions,
  warnings: string[]
): Promise<FileContent[]> {
  const { url } = link.payload;
  const directory = options.trustedIssuers ?? parseTrustedIssuers(undefined);
  const contents: FileContent[] = [];
  if (link.flags.has('U')) {
    const jwe = await fetchDirectFile(ctx, url, options.recipient);
    contents.push(await readFile(ctx, key, directory, {}, jwe));
  } else {
    const request = { recipient: options.recipient, passcode: options.passcode };
    const manifest = await requestManifest(ctx, url, request);
    if (manifest.truncated > 0) {
      warnings.push(
        `The link lists more than ${ctx.limits.maxFiles} files; only the first ${ctx.limits.maxFiles} were read.`
      );
    }
    if (manifest.status === NO_LONGER_VALID) {
      warnings.push('The sender marks this link as no longer valid: its content was not imported.');
    } else {
      contents.push(
        ...(await readManifestFiles(ctx, key, directory, manifest, () => requestManifest(ctx, url, request)))
      );
    }
    if (manifest.files.length === 0) {
      warnings.push('The link currently shares no files.');
    }
  }
  for (const content of contents) {
    warnings.push(...(content.warnings ?? []));
  }
  const failed = contents.filter((c) => c.report.status === 'failed');
  if (failed.length > 0) {
    warnings.push(`${failed.length} of ${contents.length} files could not be read; the rest is shown.`);
  }
  return contents;
}

/** The files' resources normalized as one set, and each health card with the resources it carried. */
function assemble(
  contents: FileContent[],
  randomId: () => string
): { resources: Resource[]; healthCards: HealthCardResult[] } {
  const groups = contents.flatMap((c) => c.groups);
  const normalized = normalizeResources(groups, randomId);
  const healthCards: HealthCardResult[] = [];
  let groupOffset = 0;
  for (const content of contents) {
    for (const card of content.cards) {
      const start = groupOffset + card.groupStart;
      const cardResources = normalized.slice(start, start + card.groupCount).flat();
      if (cardResources.length > 0) {
        card.report.resources = cardResources.map((r) => `${r.resourceType}/${r.id ?? ''}`);
      }
      healthCards.push(card.report);
    }
    groupOffset += content.groups.length;
  }
  return { resources: normalized.flat(), healthCards };
}

/**
 * Reads every file of a manifest: embedded ones at once, `location` ones fetched in parallel
 * (a few at a time). If a location has gone stale, the manifest is requested again once and
 * those files are read from the fresh one. Decryption failures fail the whole resolve; a file
 * that cannot be fetched is reported `failed`, and if none could, the first error is thrown.
 */
async function readManifestFiles(
  ctx: FetchContext,
  key: CryptoKey,
  directory: IssuerDirectory,
  manifest: Manifest,
  requestAgain: () => Promise<Manifest>
): Promise<FileContent[]> {
  const results = new Array<FileContent | undefined>(manifest.files.length);
  const errors: ShlError[] = [];
  let stale = await readFiles(ctx, key, directory, manifest.files, results, errors);
  if (stale.length > 0) {
    const fresh = await requestAgain();
    const sameShape = fresh.files.length === manifest.files.length;
    const retry = sameShape ? stale : manifest.files.map((_, i) => i);
    const files = retry.map((i) => fresh.files[i] ?? {});
    const retried = new Array<FileContent | undefined>(files.length);
    stale = await readFiles(ctx, key, directory, files, retried, errors);
    retry.forEach((index, i) => {
      results[index] = stale.includes(i)
        ? failedFile(manifest.files[index], 'The sender no longer serves this file.')
        : retried[i];
    });
  }
  const contents = results.map((r, i) => r ?? failedFile(manifest.files[i], 'The file could not be read.'));
  if (contents.length > 0 && contents.every((c) => c.report.status === 'failed') && errors[0]) {
    throw errors[0];
  }
  return contents;
}

/** Reads files into `results`; returns the indexes whose location had gone stale. */
async function readFiles(
  ctx: FetchContext,
  key: CryptoKey,
  directory: IssuerDirectory,
  files: ManifestFile[],
  results: (FileContent | undefined)[],
  errors: ShlError[]
): Promise<number[]> {
  const stale: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index] as ManifestFile;
      if (file.status === NO_LONGER_VALID) {
        results[index] = skippedFile(file, 'The sender marks this file as no longer valid; it was not read.');
        continue;
      }
      let jwe = file.embedded;
      if (jwe === undefined && file.location !== undefined) {
        try {
          const answer = await fetchLocation(ctx, file.location);
          if ('stale' in answer) {
            stale.push(index);
            continue;
          }
          jwe = answer.jwe;
        } catch (err) {
          if (!isShlError(err)) {
            throw err;
          }
          errors.push(err);
          results[index] = failedFile(file, err.message);
          continue;
        }
      }
      if (jwe === undefined) {
        results[index] = failedFile(file, 'The manifest lists this file with neither content nor a location.');
        continue;
      }
      try {
        results[index] = await readFile(ctx, key, directory, file, jwe);
      } catch (err) {
        if (!isShlError(err) || err.code !== 'too-large') {
          throw err;
        }
        errors.push(err);
        results[index] = failedFile(file, err.message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.limits.fetchConcurrency, files.length) }, worker));
  return stale;
}

/** Decrypts one file and reads its content by type. */
async function readFile(
  ctx: FetchContext,
  key: CryptoKey,
  directory: IssuerDirectory,
  file: ManifestFile,
  jwe: string
): Promise<FileContent> {
  ctx.budget.checkTime();
  const { text, cty } = await ctx.budget.readWithin((maxBytes) => decryptFile(ctx.platform, key, jwe, maxBytes));
  ctx.budget.spendBytes(text.length);
  ctx.budget.checkText(text);
  const content = parseJson(text);
  ctx.budget.checkTime();
  const contentType = resolveContentType([file.contentType, cty], content);
  if (content === undefined) {
    return failedFile(file, 'The file is not valid JSON.', contentType);
  }
  switch (contentType) {
    case FHIR_JSON: {
      const groups = collectGroups(content);
      if (!groups) {
        return failedFile(file, 'The file is not a FHIR resource.', contentType);
      }
      const resourceCount = countEntries(groups);
      ctx.budget.spendResources(resourceCount);
      return { report: { contentType, status: 'ok', resourceCount }, groups, cards: [] };
    }
    case HEALTH_CARD: {
      const cards = await readHealthCardFile(ctx, directory, content);
      if (!cards) {
        return failedFile(file, 'The file is not a SMART Health Card file.', contentType);
      }
      const groups: ResourceGroup[] = [];
      const results = cards.map((card) => {
        const cardGroups = card.bundle ? (collectGroups(card.bundle) ?? []) : [];
        const groupStart = groups.length;
        groups.push(...cardGroups);
        return { report: card.report, groupStart, groupCount: cardGroups.length };
      });
      const resourceCount = countEntries(groups);
      ctx.budget.spendResources(resourceCount);
      const message = cards.map((c) => c.report.message).join(' ');
      return { report: { contentType, status: 'ok', message, resourceCount }, groups, cards: results };
    }
    case API_ACCESS: {
      const access = readApiAccess(content);
      if (!access) {
        return failedFile(file, 'The API access file has no token or no "aud" address.', contentType);
      }
      const { contents, warnings } = await fetchApiData(ctx, access);
      const groups = contents.flatMap((c) => collectGroups(c) ?? []);
      const resourceCount = countEntries(groups);
      ctx.budget.spendResources(resourceCount);
      const reached = contents.length > 0;
      return {
        report: {
          contentType,
          status: reached ? 'ok' : 'failed',
          message: reached
            ? `Read ${resourceCount} resources from the sender's FHIR API at ${access.aud.host}.`
            : `The sender's FHIR API at ${access.aud.host} could not be read.`,
          resourceCount,
        },
        groups,
        cards: [],
        warnings,
      };
    }
    default:
      return skippedFile(file, `Files of type ${contentType} are not supported; it was skipped.`, contentType);
  }
}

function countEntries(groups: ResourceGroup[]): number {
  return groups.reduce((sum, g) => sum + g.entries.length, 0);
}

function failedFile(file: ManifestFile | undefined, message: string, contentType?: string): FileContent {
  return {
    report: { contentType: contentType ?? file?.contentType ?? 'unknown', status: 'failed', message, resourceCount: 0 },
    groups: [],
    cards: [],
  };
}

function skippedFile(file: ManifestFile, message: string, contentType?: string): FileContent {
  return {
    report: { contentType: contentType ?? file.contentType ?? 'unknown', status: 'skipped', message, resourceCount: 0 },
    groups: [],
    cards: [],
  };
}

function describePatient(patient: Patient | undefined): string {
  const name = patient?.name?.[0];
  const text = name?.text ?? [name?.given?.join(' '), name?.family].filter(Boolean).join(' ');
  return text ? `the patient named ${text}` : 'one patient';
}
