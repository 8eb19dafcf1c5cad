/**
 * `poll` (also what a cron run does): asks followed long-lived links again (`import/follow.ts`),
 * or, with `task`, one followed link at once ("Check now").
 */
import type { Operation } from '../bot-run';
import { pollFollowed, readPollTask } from '../import/follow';
import { importResources } from '../import/import';
import { openSealedLink } from './open-link';

export const pollOperation: Operation = async (run, input) =>
  pollFollowed(
    run.medplum,
    {
      box: await run.box(),
      resolveSealed: (sealed) => openSealedLink(run, { sealed }),
      importResources: (job) => importResources(run.medplum, job, run.importSettings),
      now: run.platform.now,
      budgetMs: run.settings.pollBudgetMs,
    },
    readPollTask(input.task)
  );
