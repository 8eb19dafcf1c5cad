/**
 * `resolve` and `check-in`: open a sealed link (or a review Task's) and answer what it holds.
 * `resolve` keeps its result for `import` (`import/staging.ts`) so the pages send back only the
 * handle; `check-in` imports unattended or queues a review Task, and answers no health data.
 */
import type { Operation } from '../bot-run';
import { checkIn } from '../import/check-in';
import { stageResult } from '../import/staging';
import { openSealedLink } from './open-link';

export const resolveOperation: Operation = async (run, input) => {
  const resolved = await openSealedLink(run, input);
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
    // Where the user may not create Binaries, the pages send the reviewed resources instead.
    return resolved;
  }
};

export const checkInOperation: Operation = async (run, input) =>
  checkIn(
    run.medplum,
    await run.box(),
    input.sealed as string,
    await openSealedLink(run, { sealed: input.sealed, recipient: input.recipient }),
    run.settings.kioskUnattended,
    run.importSettings
  );
