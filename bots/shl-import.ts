/**
 * The `shl-import` bot: resolves SMART Health Links for a Medplum project. The contract is
 * `../shared/docs/bot-contract.md`; operations:
 *
 * - `public-key`: the public half of `SHL_IMPORT_KEY`, for callers to seal links to.
 * - `resolve`: opens the sealed link (and passcode), fetches and decrypts its files, verifies
 *   health cards, and returns normalized resources, the incoming patient and existing Patients
 *   that match it.
 * - `import`: files reviewed resources under the chosen or a new Patient in one transaction,
 *   with a Provenance of the link.
 * - `poll` (also a cron run): asks followed long-lived links again (see import/follow.ts).
 * - `convert-ccda`: converts a C-CDA document from the review set into resources for review, with
 *   the runtime's `@medplum/ccda`.
 * - `check-in`: a kiosk's resolve that imports unattended only for a single certain match (when
 *   the project allows it), else queues a Task for staff; answers no health data.
 *
 * A failed operation throws (see failed-run.ts): Medplum then records the run as failed, with
 * the contract code as its one-line reason, and answers the caller the contract's `error` body.
 *
 * Nothing here logs or returns a link, key, passcode or token.
 */
import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import type { CheckInOutput } from './import/check-in';
import type { ConvertedDocument } from './ccda/convert';
import { convertCcdaInput } from './ccda/convert';
import { failedRun } from './failed-run';
import { checkIn } from './import/check-in';
import type { PollReport } from './import/follow';
import { pollFollowed, startFollowing } from './import/follow';
import type { ImportOutput, ImportSettings } from './import/import';
import { importResources, readImportRequest } from './import/import';
import type { PatientMatch } from './matching/match';
import { findMatches } from './matching/match';
import { createNodePlatform, runtimeCcda } from './node-platform';
import type { SealingKey } from './sealing';
import { importSealingKey, unseal } from './sealing';
import type { BotSettings } from './settings';
import { readSettings } from './settings';
import { decodeUtf8 } from './shl/base64url';
import type { ShlErrorCode } from './shl/errors';
import { isShlError, ShlError } from './shl/errors';
import { parseShl } from './shl/link';
import type { Platform } from './shl/options';
import type { ResolveResult } from './shl/resolve';
import { resolveShl } from './shl/resolve';

export interface PublicKeyOutput {
  jwk: SealingKey['publicJwk'];
}

export interface ResolveOutput extends ResolveResult {
  matches: PatientMatch[];
}

export interface ErrorOutput {
  error: { code: ShlErrorCode; message: string; remainingAttempts?: number; retryAfter?: number };
}

export type BotOutput =
  | PublicKeyOutput
  | ResolveOutput
  | (ImportOutput & { following?: string })
  | CheckInOutput
  | PollReport
  | ConvertedDocument
  | ErrorOutput;

const platform: Platform = createNodePlatform();

/** The imported `SHL_IMPORT_KEY`, kept while the secret stays the same (warm runtimes). */
let cachedKey: { secret: string; key: Promise<SealingKey> } | undefined;

function sealingKey(secret: string | undefined): Promise<SealingKey> {
  if (secret === undefined || cachedKey?.secret !== secret) {
    const key = importSealingKey(secret, platform.subtle);
    cachedKey = secret === undefined ? undefined : { secret, key };
    key.catch(() => {
      cachedKey = undefined;
    });
    return key;
  }
  return cachedKey.key;
}

export async function handler(medplum: MedplumClient, event: BotEvent): Promise<BotOutput> {
  try {
    const input = readInput(event.input);
    const settings = readSettings(event.secrets);
    switch (input.operation) {
      case 'public-key':
        return { jwk: (await sealingKey(settings.importKey)).publicJwk };
      case 'resolve':
        return await resolve(medplum, input, settings);
      case 'check-in': {
        const resolved = await resolve(medplum, input, settings);
        return await checkIn(
          medplum,
          input.sealed as string,
          resolved,
          settings.kioskUnattended,
          importSettings(settings, event)
        );
      }
      case 'import': {
        const request = readImportRequest(input);
        const result = await importResources(medplum, request, importSettings(settings, event));
        const follow = readFollow(input.follow);
        if (follow && result.patient.reference.startsWith('Patient/')) {
          // The link as it stands now: later polls act only on changes.
          const current = await resolve(medplum, { sealed: follow.sealed }, settings);
          const following = await startFollowing(
            medplum,
            follow.sealed,
            result.patient.reference,
            current,
            follow.auto,
            platform.now()
          );
          return { ...result, following };
        }
        return result;
      }
      case 'convert-ccda':
        return convertCcdaInput(input, runtimeCcda(), settings.maxAttachmentBytes, platform.randomId);
      case 'poll':
        return await pollFollowed(
          medplum,
          {
            resolveSealed: (sealed) => resolve(medplum, { sealed }, settings),
            importResources: (request) => importResources(medplum, request, importSettings(settings, event)),
            now: platform.now,
            budgetMs: settings.pollBudgetMs,
          },
          readPollTask(input.task)
        );
      default:
        throw new ShlError(
          'invalid-input',
          `Unknown operation${typeof input.operation === 'string' ? ` "${input.operation.slice(0, 40)}"` : ''}. Use public-key, resolve, import, convert-ccda, check-in or poll.`
        );
    }
  } catch (err) {
    // Thrown, not returned: a returned answer is a successful run to Medplum.
    throw failedRun(toErrorBody(err));
  }
}

function importSettings(settings: BotSettings, event: BotEvent): ImportSettings {
  return {
    allowedTypes: settings.importTypes,
    maxAttachmentBytes: settings.maxAttachmentBytes,
    randomUUID: platform.randomId,
    now: platform.now,
    ...(event.requester && { requester: event.requester }),
  };
}

/** `poll`'s optional `task`: one followed link's Task to poll now. */
function readPollTask(value: unknown): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !/^Task\/[A-Za-z0-9\-.]{1,64}$/.test(value)) {
    throw new ShlError('invalid-input', '"task" must be a reference like "Task/123".');
  }
  return value;
}

/** `import`'s optional `follow`: keep following the link (sealed, as resolve received it). */
function readFollow(value: unknown): { sealed: string; auto: boolean } | undefined {
  const follow = value as { sealed?: unknown; auto?: unknown } | undefined;
  if (follow === undefined) {
    return undefined;
  }
  if (typeof follow.sealed !== 'string') {
    throw new ShlError('invalid-input', '"follow" must hold the sealed link: {"sealed": "…", "auto": false}.');
  }
  return { sealed: follow.sealed, auto: follow.auto === true };
}

function readInput(input: unknown): Record<string, unknown> {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      value = undefined;
    }
  }
  if (isScheduledRun(value)) {
    return { operation: 'poll' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ShlError('invalid-input', 'The bot expects a JSON object with an "operation" field.');
  }
  return value as Record<string, unknown>;
}

/**
 * A run by Medplum's scheduler, which means `poll`. For `Bot.cronString` the input is the Bot
 * resource itself; for a `Cron` resource (newer servers) it is `cron.parameters ?? cron`: the Cron
 * resource, or its parameters (a Parameters resource, or a list of `{name, value[x]}`).
 */
function isScheduledRun(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.every((p) => typeof (p as { name?: unknown } | null)?.name === 'string');
  }
  const type = (value as { resourceType?: unknown } | null)?.resourceType;
  return type === 'Bot' || type === 'Cron' || type === 'Parameters';
}

async function resolve(
  medplum: MedplumClient,
  input: Record<string, unknown>,
  settings: BotSettings
): Promise<ResolveOutput> {
  if ('shl' in input || 'passcode' in input) {
    throw new ShlError(
      'sealing-required',
      "Links and passcodes must be sealed to the bot's public key, never sent in the clear. Use the import page, or seal them (operation public-key)."
    );
  }
  const key = await sealingKey(settings.importKey);
  const opened = readSealedPlaintext(await unseal(input.sealed, key, platform.subtle));
  const link = parseShl(opened.shl);
  const recipient =
    (typeof input.recipient === 'string' && input.recipient.trim()) ||
    settings.recipient ||
    (await projectName(medplum));
  const result = await resolveShl(link, {
    platform,
    recipient,
    passcode: opened.passcode,
    limits: settings.limits,
    allowHosts: settings.allowHosts,
    trustedIssuers: settings.trustedIssuers,
  });
  const matches = result.patient ? await matchesFor(medplum, result.patient, result.warnings) : [];
  return { ...result, matches };
}

/** Existing Patients for the incoming one; a failed lookup is a warning, not a failed resolve. */
async function matchesFor(medplum: MedplumClient, patient: Patient, warnings: string[]): Promise<PatientMatch[]> {
  try {
    return (await findMatches(medplum, patient)).matches;
  } catch {
    warnings.push(
      'Could not look for existing patients (check your access to Patient). Choose or create the patient by hand.'
    );
    return [];
  }
}

function readSealedPlaintext(bytes: Uint8Array): { shl: string; passcode?: string } {
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8(bytes) ?? '');
  } catch {
    value = undefined;
  }
  const { shl, passcode } = (value ?? {}) as { shl?: unknown; passcode?: unknown };
  if (typeof shl !== 'string') {
    throw new ShlError('invalid-input', 'The sealed input must be JSON with an "shl" field holding the link.');
  }
  if (passcode !== undefined && typeof passcode !== 'string') {
    throw new ShlError('invalid-input', 'The sealed "passcode" must be text.');
  }
  return passcode ? { shl, passcode } : { shl };
}

/** The project's name: the default `recipient` when neither input nor secret gives one. */
async function projectName(medplum: MedplumClient): Promise<string> {
  const known = medplum.getProject()?.name;
  if (known) {
    return known;
  }
  try {
    const me = await medplum.get<{ project?: { name?: string } }>('auth/me');
    return me.project?.name ?? 'Medplum';
  } catch {
    return 'Medplum';
  }
}

function toErrorBody(err: unknown): ErrorOutput['error'] {
  if (isShlError(err)) {
    return err.toJSON();
  }
  // Never echo an unexpected error's message: some (JSON.parse) quote the input.
  return {
    code: 'invalid-input',
    message:
      'The bot could not process this input. Check it and try again; if it keeps failing, tell your administrator.',
  };
}
