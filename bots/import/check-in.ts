/**
 * Kiosk check-in: a patient scans their own link. The bot imports at once only when the
 * project allows unattended imports (`SHL_KIOSK_UNATTENDED=true`) and exactly one existing
 * Patient is a `certain` match; otherwise it queues a `Task` for staff holding the input still
 * sealed to the bot's key (never the link in clear), which staff finish with the normal flow.
 * The answer carries no health data: a kiosk is a public screen.
 */
import type { MedplumClient } from '@medplum/core';
import type { Task } from '@medplum/fhirtypes';
import type { ResolveOutput } from '../shl-import';
import type { ImportSettings } from './import';
import { importResources } from './import';

export const CHECK_IN_TASK_CODE = { system: 'https://smarthealthit.org/shl-import/task', code: 'shl-check-in-review' };
/** The Task input holding the link sealed to the bot's key. */
export const SEALED_INPUT = 'sealed-shl';

/** A Task's string input by its type text. */
export function taskInput(task: Task, name: string): string | undefined {
  return task.input?.find((i) => i.type.text === name)?.valueString;
}

export interface CheckInOutput {
  status: 'imported' | 'queued';
  /** The queued Task, for staff (`queued`). */
  task?: string;
  /** How many resources were filed (`imported`). */
  imported?: number;
}

export async function checkIn(
  medplum: MedplumClient,
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
  const task = await medplum.createResource<Task>({
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: { coding: [CHECK_IN_TASK_CODE], text: 'Review a SMART Health Link from check-in' },
    description: `Check-in: ${resolved.source.label ?? 'a SMART Health Link'} (${resolved.source.origin}). ${
      only ? 'One certain match: confirm it.' : 'No single certain match: choose the patient.'
    }`,
    authoredOn: new Date(settings.now()).toISOString(),
    ...(only?.id && { for: { reference: `Patient/${only.id}` } }),
    // Sealed to the bot's key: the link and passcode are never stored in clear.
    input: [{ type: { text: SEALED_INPUT }, valueString: sealed }],
  });
  return { status: 'queued', task: `Task/${task.id}` };
}
