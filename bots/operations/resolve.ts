/**
 * `resolve` and `check-in`: open a sealed link (or a review Task's) and answer what it holds.
 * `resolve` keeps its result for `import` (`import/staging.ts`) so the pages send back only the
 * handle; `check-in` imports unattended or queues a review Task, and answers no health data.
 */
import type { BotRun, Operation } from '../bot-run';
import type { Resource } from '@medplum/fhirtypes';
import type { ResolveOutput } from '../contract';
import type { ResolveResult } from '../shl/resolve';
import { findSharedOnFile } from '../import/existing';
import { RateLimitBudget } from '../import/server-calls';
import { checkIn } from '../import/check-in';
import { stageResult } from '../import/staging';
import { matchesOf, openSealedLink, resolveSealedLink } from './open-link';

export const resolveOperation: Operation = async (run, input) => {
  const result = await resolveSealedLink(run, input);
  if (result.resources.length === 0) {
    return { ...result, matches: await matchesOf(run, result) };
  }
  // Matching, the lookup of shared resources on file and staging need only the resolved link:
  // they run side by side (their server round trips overlap).
  const [matches, onFile, staged] = await Promise.all([
    matchesOf(run, result),
    sharedOnFile(run, result.resources),
    stage(run, result),
  ]);
  const resolved: ResolveOutput = { ...result, matches, ...(onFile.length > 0 && { onFile }) };
  if (staged !== undefined) {
    return { ...resolved, staged };
  }
  // Where the user may not create Binaries, the pages send the reviewed resources instead.
  return {
    ...resolved,
    warnings: [
      ...resolved.warnings,
      'The shared data could not be kept on the server for the import (creating a Binary was refused): the import page will send it back, which the server refuses for very large links.',
    ],
  };
};

/** The handle of the kept result; undefined when it could not be kept. */
async function stage(run: BotRun, resolved: ResolveResult): Promise<string | undefined> {
  try {
    return await stageResult(await run.staging(), {
      source: resolved.source,
      resources: resolved.resources,
      ...(resolved.patient?.id && { subject: `Patient/${resolved.patient.id}` }),
    });
  } catch {
    return undefined;
  }
}

export const checkInOperation: Operation = async (run, input) =>
  checkIn(
    run.medplum,
    await run.box(),
    input.sealed as string,
    await openSealedLink(run, { sealed: input.sealed, recipient: input.recipient }),
    run.settings.kioskUnattended,
    run.importSettings
  );

/** The link's shared resources already on this server (a failed lookup only leaves them unmarked). */
async function sharedOnFile(run: BotRun, resources: Resource[]): Promise<NonNullable<ResolveOutput['onFile']>> {
  try {
    return await findSharedOnFile(run.medplum, resources, new RateLimitBudget(run.importSettings));
  } catch {
    return [];
  }
}
