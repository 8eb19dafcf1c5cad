/**
 * `import`: the staged or the direct form (`import/request.ts`), the import itself
 * (`import/import.ts`) with its progress for the page when asked (`import-progress.ts`), the
 * staged result dropped once imported, and, when asked, following the link from now on
 * (`import/follow.ts`).
 */
import type { Operation } from '../bot-run';
import { startFollowing } from '../import/follow';
import { importResources, jobOf } from '../import/import';
import { readFollow, readImportRequest } from '../import/request';
import { dropStaged, loadStaged } from '../import/staging';
import { progressReporter, readProgressToken } from './import-progress';
import { openSealedLink, sealedFromReviewTask } from './open-link';

export const importOperation: Operation = async (run, input) => {
  const form = readImportRequest(input);
  const follow = readFollow(input.follow);
  const token = readProgressToken(input.progress);
  const staged = 'staged' in form ? await loadStaged(await run.staging(), form.staged) : undefined;
  const progress = token ? progressReporter(run.medplum, token, run.platform.now) : undefined;
  let result;
  try {
    result = await importResources(
      run.medplum,
      jobOf(form, staged),
      progress ? { ...run.importSettings, onProgress: progress.report } : run.importSettings
    );
  } finally {
    await progress?.done();
  }
  if ('staged' in form) {
    await dropStaged(run.medplum, form.staged);
  }
  if (!follow || !result.patient.reference.startsWith('Patient/')) {
    return result;
  }
  const sealed = 'task' in follow ? await sealedFromReviewTask(run, follow.task) : follow.sealed;
  // The link as it stands now: later polls act only on changes.
  const current = await openSealedLink(run, { sealed });
  const following = await startFollowing(
    run.medplum,
    await run.box(),
    sealed,
    result.patient.reference,
    current,
    follow.auto,
    run.platform.now()
  );
  return { ...result, following };
};
