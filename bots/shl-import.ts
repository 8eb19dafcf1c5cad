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
 * Every failure answers the contract's `{ error: { code, message } }`. Nothing here logs or
 * returns a link, key, passcode or token.
 */
import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { BotRun } from './bot-run';
import { startRun } from './bot-run';
import { convertCcdaInput } from './ccda/convert';
import type { BotOutput, ErrorBody, ResolveOutput } from './contract';
import { checkIn } from './import/check-in';
import { pollFollowed, readPollTask, startFollowing } from './import/follow';
import { importResources, jobOf } from './import/import';
import { readFollow, readImportRequest } from './import/request';
import { dropStaged, loadStaged, stageResult } from './import/staging';
import { runtimeCcda } from './node-platform';
import { openSealedLink } from './open-link';
import { isShlError, ShlError } from './shl/errors';
import { parseJson } from './shl/json';

type Operation = (run: BotRun, input: Record<string, unknown>) => Promise<BotOutput>;

const OPERATIONS = new Map<string, Operation>(
  Object.entries({
    'public-key': async (run) => ({ jwk: (await run.sealingKey()).publicJwk }),

    resolve: async (run, input) => stage(run, await openSealedLink(run, input)),

    'check-in': async (run, input) =>
      checkIn(
        run.medplum,
        input.sealed as string,
        await openSealedLink(run, input),
        run.settings.kioskUnattended,
        run.importSettings
      ),

    import: async (run, input) => {
      const form = readImportRequest(input);
      const follow = readFollow(input.follow);
      const staged = 'staged' in form ? await loadStaged(await run.staging(), form.staged) : undefined;
      const result = await importResources(run.medplum, jobOf(form, staged), run.importSettings);
      if ('staged' in form) {
        await dropStaged(run.medplum, form.staged);
      }
      if (!follow || !result.patient.reference.startsWith('Patient/')) {
        return result;
      }
      // The link as it stands now: later polls act only on changes.
      const current = await openSealedLink(run, { sealed: follow.sealed });
      const now = run.platform.now();
      const following = await startFollowing(
        run.medplum,
        follow.sealed,
        result.patient.reference,
        current,
        follow.auto,
        now
      );
      return { ...result, following };
    },

    'convert-ccda': async (run, input) => {
      if (input.staged === undefined) {
        return convertCcdaInput(input, runtimeCcda(), run.settings.maxAttachmentBytes, run.platform.randomId);
      }
      // The staged form: the document and patient come from the staged result, and the results
      // join it, so the pages never send health data back.
      const deps = await run.staging();
      const staged = await loadStaged(deps, input.staged);
      const byKey = (key: unknown): Resource | undefined =>
        staged.resources.find((r) => `${r.resourceType}/${r.id ?? ''}` === key);
      const converted = convertCcdaInput(
        { document: byKey(input.document), patient: byKey(staged.subject) },
        runtimeCcda(),
        run.settings.maxAttachmentBytes,
        run.platform.randomId
      );
      const restaged = await stageResult(deps, { ...staged, resources: [...staged.resources, ...converted.resources] });
      await dropStaged(run.medplum, input.staged as string);
      return { ...converted, staged: restaged };
    },

    poll: (run, input) =>
      pollFollowed(
        run.medplum,
        {
          resolveSealed: (sealed) => openSealedLink(run, { sealed }),
          importResources: (job) => importResources(run.medplum, job, run.importSettings),
          now: run.platform.now,
          budgetMs: run.settings.pollBudgetMs,
        },
        readPollTask(input.task)
      ),
  } satisfies Record<string, Operation>)
);

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
    return { error: toErrorBody(err) };
  }
}

/**
 * Keeps a resolve result for `import`, so the pages send back only its handle. Where the user
 * may not create Binaries, the pages send the reviewed resources instead (the direct form).
 */
async function stage(run: BotRun, resolved: ResolveOutput): Promise<ResolveOutput> {
  if (resolved.resources.length === 0) {
    return resolved;
  }
  try {
    const staged = await stageResult(await run.staging(), {
      source: resolved.source,
      resources: resolved.resources,
      ...(resolved.patient?.id && { subject: `Patient/${resolved.patient.id}` }),
    });
    return { ...resolved, staged };
  } catch {
    return resolved;
  }
}

function readInput(input: unknown): Record<string, unknown> {
  const value = typeof input === 'string' ? parseJson(input) : input;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ShlError('invalid-input', 'The bot expects a JSON object with an "operation" field.');
  }
  // A cron run (Bot.cronString) hands the bot its own Bot resource: that means poll.
  if ((value as { resourceType?: unknown }).resourceType === 'Bot') {
    return { operation: 'poll' };
  }
  return value as Record<string, unknown>;
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
