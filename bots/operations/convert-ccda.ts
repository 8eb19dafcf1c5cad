/**
 * `convert-ccda`: converts a C-CDA document from the review set (`ccda/convert.ts`). With
 * `staged`, the document and the patient come from the staged result and the converted
 * resources join it under a new handle, so the pages never send health data back.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Operation } from '../bot-run';
import { convertCcdaInput } from '../ccda/convert';
import { dropStaged, loadStaged, stageResult } from '../import/staging';
import { runtimeCcda } from '../node-platform';

export const convertCcdaOperation: Operation = async (run, input) => {
  const { maxAttachmentBytes } = run.settings;
  if (input.staged === undefined) {
    return convertCcdaInput(input, runtimeCcda(), maxAttachmentBytes, run.platform.randomId);
  }
  const deps = await run.staging();
  const staged = await loadStaged(deps, input.staged);
  const byKey = (key: unknown): Resource | undefined =>
    staged.resources.find((r) => `${r.resourceType}/${r.id ?? ''}` === key);
  const converted = convertCcdaInput(
    { document: byKey(input.document), patient: byKey(staged.subject) },
    runtimeCcda(),
    maxAttachmentBytes,
    run.platform.randomId
  );
  const restaged = await stageResult(deps, { ...staged, resources: [...staged.resources, ...converted.resources] });
  await dropStaged(run.medplum, input.staged as string);
  return { ...converted, staged: restaged };
};
