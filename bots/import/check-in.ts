/**
 * Kiosk check-in: a patient scans their own link. The bot imports at once only when the
 * project allows unattended imports (`SHL_KIOSK_UNATTENDED=true`) and exactly one existing
 * Patient is a `certain` match; otherwise it queues a review Task for staff holding the input
 * still sealed, in a box only the bot opens (`tasks.ts`), which staff finish with the normal
 * flow. The answer carries no health data: a kiosk is a public screen.
 */
import type { MedplumClient } from '@medplum/core';
import type { Task } from '@medplum/fhirtypes';
import type { BoxKey } from '../bot-box';
import { sealBoxText } from '../bot-box';
import type { CheckInOutput, ResolveOutput } from '../contract';
import type { ImportSettings } from './import';
import { importResources } from './import';
import type { ReviewBox } from './tasks';
import { reviewTask } from './tasks';

export async function checkIn(
  medplum: MedplumClient,
  box: BoxKey,
  sealed: string,
  resolved: ResolveOutput,
  unattended: boolean,
  settings: ImportSettings
): Promise<CheckInOutput> {
  const certain = resolved.matches.filter((m) => m.grade === 'certain');
  const only = certain.length === 1 ? certain[0]?.patient : undefined;
  if (unattended && only?.id && resolved.patient?.id) {
    const result = await importResources(
      medplum,
      {
        source: resolved.source,
        resources: resolved.resources,
        target: { reference: `Patient/${only.id}` },
        subject: `Patient/${resolved.patient.id}`,
      },
      settings
    );
    return { status: 'imported', imported: result.created.length };
  }
  const patient = only?.id ? `Patient/${only.id}` : undefined;
  const task = await medplum.createResource<Task>(
    reviewTask({
      description: `Check-in: ${resolved.source.label ?? 'a SMART Health Link'} (${resolved.source.origin}). ${
        only ? 'One certain match: confirm it.' : 'No single certain match: choose the patient.'
      }`,
      authoredOn: new Date(settings.now()).toISOString(),
      link: await sealBoxText(box, 'review-task', { sealed, ...(patient && { patient }) } satisfies ReviewBox),
      ...(patient && { for: { reference: patient } }),
    })
  );
  return { status: 'queued', task: `Task/${task.id}` };
}
