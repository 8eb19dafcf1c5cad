/**
 * The pages' side of the bot contract: `public-key`, then `resolve` with the link (or a health
 * card's QR codes) sealed in the browser, then `import`. Links, passcodes and cards are never
 * sent in the clear.
 */
import type { MedplumClient } from '@medplum/core';
import { getStatus, isOperationOutcome, normalizeErrorString, normalizeOperationOutcome } from '@medplum/core';
import type { Identifier } from '@medplum/fhirtypes';
import type {
  CheckInOutput,
  ConvertCcdaInput,
  ConvertedDocument,
  ErrorBody,
  ErrorOutput,
  ImportOutput,
  ImportRequest,
  PollReport,
  PublicKeyOutput,
  ResolveOutput,
  SealedInput,
  StagedImportRequest,
} from '../bots/contract';
import { sealForBot } from './sealing';

/** An operation's input as the pages build it; `operation` is added by the call. */
type InputOf<T> = T extends unknown ? Omit<T, 'operation'> : never;

/** The bot by id, or by identifier (`system|value`). */
export type BotRef = string | Identifier;

/** Every failure of a bot call: the bot's own error, or what kept the call from reaching it. */
export class BotError extends Error {
  constructor(readonly error: ErrorBody) {
    super(error.message);
    this.name = 'BotError';
  }
}

async function execute<T>(medplum: MedplumClient, bot: BotRef, input: Record<string, unknown>): Promise<T> {
  let output: T | ErrorOutput;
  try {
    output = (await medplum.executeBot(bot, input, 'application/json')) as T | ErrorOutput;
  } catch (err) {
    throw new BotError(callFailure(err));
  }
  if (typeof output === 'object' && output !== null && 'error' in output) {
    throw new BotError(output.error);
  }
  return output;
}

/** What kept a call from reaching the bot (network, sign-in, access, the server's limits). */
function callFailure(err: unknown): ErrorBody {
  const outcome = normalizeOperationOutcome(err);
  const status = isOperationOutcome(err) || (err as { outcome?: unknown }).outcome ? getStatus(outcome) : 0;
  if (status === 0 || status >= 500) {
    return { code: 'fetch-failed', message: 'The importer could not be reached. Check the connection and try again.' };
  }
  if (status === 429) {
    return { code: 'rate-limited', message: 'Medplum asks to slow down. Wait a minute, then try again.' };
  }
  if (status === 401 || status === 403) {
    return {
      code: 'not-configured',
      message: 'You may not use the importer. Ask your administrator for access to the shl-import bot.',
    };
  }
  return { code: 'invalid-input', message: `Medplum refused the request: ${normalizeErrorString(err)}` };
}

/** Seals a link (and passcode), or a health card's QR codes, to the bot's current key. */
export async function sealLink(medplum: MedplumClient, bot: BotRef, input: SealedInput): Promise<string> {
  const { jwk } = await execute<PublicKeyOutput>(medplum, bot, { operation: 'public-key' });
  return sealForBot(jwk, input);
}

/** Seals the link (and passcode) to the bot's current key and resolves it. */
export async function resolveLink(
  medplum: MedplumClient,
  bot: BotRef,
  link: { shl: string; passcode?: string },
  recipient?: string
): Promise<ResolveOutput> {
  return resolveSealed(medplum, bot, { sealed: await sealLink(medplum, bot, link) }, recipient);
}

/** Resolves a sealed link, or the link a review Task holds (`{task: 'Task/<id>'}`). */
export function resolveSealed(
  medplum: MedplumClient,
  bot: BotRef,
  link: { sealed: string } | { task: string },
  recipient?: string
): Promise<ResolveOutput> {
  return execute<ResolveOutput>(medplum, bot, { operation: 'resolve', ...link, ...(recipient && { recipient }) });
}

/** A kiosk check-in with a link or a health card: imported unattended, or queued for staff. */
export async function checkInLink(medplum: MedplumClient, bot: BotRef, input: SealedInput): Promise<CheckInOutput> {
  return execute<CheckInOutput>(medplum, bot, { operation: 'check-in', sealed: await sealLink(medplum, bot, input) });
}

/**
 * Converts a C-CDA document from the review set into resources about the link's patient. With a
 * staged result, only the document's `Type/id` is sent and the answer carries the new handle.
 */
export function convertCcda(
  medplum: MedplumClient,
  bot: BotRef,
  input: InputOf<ConvertCcdaInput>
): Promise<ConvertedDocument> {
  return execute<ConvertedDocument>(medplum, bot, { operation: 'convert-ccda', ...input });
}

/** Asks one followed link again now ("Check now"), outside its schedule. */
export function checkFollowedNow(medplum: MedplumClient, bot: BotRef, task: string): Promise<PollReport> {
  return execute<PollReport>(medplum, bot, { operation: 'poll', task });
}

export function importReviewed(
  medplum: MedplumClient,
  bot: BotRef,
  request: InputOf<ImportRequest | StagedImportRequest>
): Promise<ImportOutput> {
  return execute<ImportOutput>(medplum, bot, { operation: 'import', ...request });
}
