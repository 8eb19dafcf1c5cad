/**
 * The `shl-import` bot: resolves SMART Health Links for a Medplum project. The contract is
 * `docs/bot-contract.md` (types in `contract.ts`). This file only reads the input and
 * dispatches to the operation:
 *
 * - `public-key`: the public half of `SHL_IMPORT_KEY`, for callers to seal links to.
 * - `resolve`: opens the sealed link (and passcode), fetches and decrypts its files, verifies
 *   health cards, and returns normalized resources, the incoming patient and existing Patients
 *   that match it (`open-link.ts`).
 * - `import`: files reviewed resources under the chosen or a new Patient, with a Provenance of
 *   the link (`import/`); optionally keeps following a long-lived link (`import/follow.ts`).
 * - `poll` (also a cron run): asks followed long-lived links again (`import/follow.ts`).
 * - `convert-ccda`: converts a C-CDA document from the review set (`ccda/convert.ts`).
 * - `check-in`: a kiosk's resolve that imports unattended only for a single certain match (when
 *   the project allows it), else queues a Task for staff; answers no health data.
 *
 * Every failure answers the contract's `{ error: { code, message } }` and logs exactly one line,
 * `import bot: <operation> failed: <code>`: with `auditEventTrigger: on-output` (set by the
 * deploy) Medplum then keeps an AuditEvent of every failed run, with that line as its reason,
 * and none of the runs that succeed. Nothing here logs or returns a link, key, passcode or token.
 */
import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Operation } from './bot-run';
import { startRun } from './bot-run';
import { closeConnections } from './node-platform';
import type { BotOutput, ErrorBody } from './contract';
import { convertCcdaOperation } from './operations/convert-ccda';
import { importOperation } from './operations/import';
import { pollOperation } from './operations/poll';
import { checkInOperation, resolveOperation } from './operations/resolve';
import { isShlError, ShlError } from './shl/errors';
import { parseJson } from './shl/json';

const OPERATIONS = new Map<string, Operation>([
  ['public-key', async (run) => ({ jwk: (await run.sealingKey()).publicJwk })],
  ['resolve', resolveOperation],
  ['import', importOperation],
  ['convert-ccda', convertCcdaOperation],
  ['check-in', checkInOperation],
  ['poll', pollOperation],
]);

export async function handler(medplum: MedplumClient, event: BotEvent): Promise<BotOutput> {
  try {
    const input = readInput(event.input);
    const operation = OPERATIONS.get(String(input.operation));
    if (!operation) {
      throw new ShlError(
        'invalid-input',
        `Unknown operation${typeof input.operation === 'string' ? ` "${input.operation.slice(0, 40)}"` : ''}. Use ${[...OPERATIONS.keys()].join(', ')}.`
      );
    }
    return await operation(startRun(medplum, event), input);
  } catch (err) {
    const error = toErrorBody(err);
    // The one line of a failed run: the operation and the code, nothing from the input.
    // eslint-disable-next-line no-console -- what Medplum keeps of a failed run (see above)
    console.log(`import bot: ${operationName(event.input)} failed: ${error.code}`);
    return { error };
  } finally {
    closeConnections();
  }
}

/** The operation an input asked for, as one of the known names (never the caller's text). */
function operationName(input: unknown): string {
  const name = (input as { operation?: unknown } | null | undefined)?.operation;
  return typeof name === 'string' && OPERATIONS.has(name) ? name : isScheduledRun(input) ? 'poll' : 'unknown';
}

function readInput(input: unknown): Record<string, unknown> {
  const value = typeof input === 'string' ? parseJson(input) : input;
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
    return value.length > 0 && value.every((p) => typeof (p as { name?: unknown } | null)?.name === 'string');
  }
  const type = (value as { resourceType?: unknown } | null)?.resourceType;
  return type === 'Bot' || type === 'Cron' || type === 'Parameters';
}

function toErrorBody(err: unknown): ErrorBody {
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
