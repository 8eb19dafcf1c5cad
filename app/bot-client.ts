/**
 * The pages' side of the bot contract: `public-key`, then `resolve` with the link sealed in the
 * browser, then `import`. The link and passcode live only inside `resolveLink` and are never
 * sent in the clear.
 */
import type { MedplumClient } from '@medplum/core';
import type { Identifier, Patient, Resource } from '@medplum/fhirtypes';
import type { ConvertedDocument } from '../bots/ccda/convert';
import type { CheckInOutput } from '../bots/import/check-in';
import type { PollReport } from '../bots/import/follow';
import type { ImportOutput, ImportSource } from '../bots/import/import';
import { failedRunBody } from '../bots/failed-run';
import type { ErrorOutput, PublicKeyOutput, ResolveOutput } from '../bots/shl-import';
import { sealForBot } from './sealing';

/** The bot by id, or by identifier (`system|value`). */
export type BotRef = string | Identifier;

export class BotError extends Error {
  constructor(readonly error: ErrorOutput['error']) {
    super(error.message);
    this.name = 'BotError';
  }
}

/**
 * Runs one operation. A failed run reaches us as an error (the server answers HTTP 400 with the
 * contract's `error` inside the OperationOutcome); older bots answered `{ error }` with 200.
 */
async function execute<T>(medplum: MedplumClient, bot: BotRef, input: Record<string, unknown>): Promise<T> {
  let output: T | ErrorOutput;
  try {
    output = (await medplum.executeBot(bot, input, 'application/json')) as T | ErrorOutput;
  } catch (err) {
    const error = failedRunBody((err as { outcome?: unknown }).outcome);
    if (error) {
      throw new BotError(error);
    }
    throw err;
  }
  if (typeof output === 'object' && output !== null && 'error' in output) {
    throw new BotError(output.error);
  }
  return output;
}

/** Seals the link (and passcode) to the bot's current key. */
export async function sealLink(
  medplum: MedplumClient,
  bot: BotRef,
  link: { shl: string; passcode?: string }
): Promise<string> {
  const { jwk } = await execute<PublicKeyOutput>(medplum, bot, { operation: 'public-key' });
  return sealForBot(jwk, link);
}

/** Seals the link (and passcode) to the bot's current key and resolves it. */
export async function resolveLink(
  medplum: MedplumClient,
  bot: BotRef,
  link: { shl: string; passcode?: string },
  recipient?: string
): Promise<ResolveOutput> {
  return resolveSealed(medplum, bot, await sealLink(medplum, bot, link), recipient);
}

/** Resolves input sealed earlier (a check-in Task holds one). */
export function resolveSealed(
  medplum: MedplumClient,
  bot: BotRef,
  sealed: string,
  recipient?: string
): Promise<ResolveOutput> {
  return execute<ResolveOutput>(medplum, bot, { operation: 'resolve', sealed, ...(recipient && { recipient }) });
}

/** A kiosk check-in: imported unattended, or queued for staff. */
export async function checkInLink(
  medplum: MedplumClient,
  bot: BotRef,
  link: { shl: string; passcode?: string }
): Promise<CheckInOutput> {
  return execute<CheckInOutput>(medplum, bot, { operation: 'check-in', sealed: await sealLink(medplum, bot, link) });
}

/** Converts a C-CDA document from the review set into resources about the link's patient. */
export function convertCcda(
  medplum: MedplumClient,
  bot: BotRef,
  document: Resource,
  patient: Patient | undefined
): Promise<ConvertedDocument> {
  return execute<ConvertedDocument>(medplum, bot, { operation: 'convert-ccda', document, ...(patient && { patient }) });
}

/** Asks one followed link again now ("Check now"), outside its schedule. */
export function checkFollowedNow(medplum: MedplumClient, bot: BotRef, task: string): Promise<PollReport> {
  return execute<PollReport>(medplum, bot, { operation: 'poll', task });
}

export function importReviewed(
  medplum: MedplumClient,
  bot: BotRef,
  request: {
    source: ImportSource;
    resources: Resource[];
    patient: { reference: string } | { create: Patient };
    subject?: string;
  }
): Promise<ImportOutput> {
  return execute<ImportOutput & { following?: string }>(medplum, bot, { operation: 'import', ...request });
}
