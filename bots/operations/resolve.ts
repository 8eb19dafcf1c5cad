/**
 * `resolve` and `check-in`: open a sealed link (or a review Task's) and answer what it holds.
 * `resolve` keeps its result for `import` (`import/staging.ts`) so the pages send back only the
 * handle; `check-in` imports unattended or queues a review Task, and answers no health data.
 */
import type { BotRun, Operation } from '../bot-run';
import type { ResolveOutput } from '../contract';
import { findSharedOnFile } from '../import/existing';
import { RateLimitBudget } from '../import/server-calls';
import { checkIn } from '../import/check-in';
import { stageResult } from '../import/staging';
import { openSealedLink } from './open-link';

export const resolveOperation: Operation = async (run, input) => {
  const opened = await openSealedLink(run, input);
  if (opened.resources.length === 0) {
    return opened;
  }
  // Staging needs only the resources: it is written while the shared ones are looked up.
  const [resolved, staged] = await Promise.all([withSharedOnFile(run, opened), stage(run, opened)]);
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
async function stage(run: BotRun, resolved: ResolveOutput): Promise<string | undefined> {
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

/** Marks the link's shared resources already on this server (a failed lookup only leaves them unmarked). */
async function withSharedOnFile(run: BotRun, resolved: ResolveOutput): Promise<ResolveOutput> {
  try {
    const onFile = await findSharedOnFile(run.medplum, resolved.resources, new RateLimitBudget(run.importSettings));
    return onFile.length > 0 ? { ...resolved, onFile } : resolved;
  } catch {
    return resolved;
  }
}
