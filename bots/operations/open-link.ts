/**
 * Opening a sealed link: unseal the caller's input with the bot's key, parse the link, resolve
 * it under the project's settings, and look for existing Patients that match the incoming one.
 * The sealed input may hold a bare health card's QR codes (`shc`) instead of a link: the card is
 * verified and answered the same way. `resolve`, kiosk check-ins and polls of followed links
 * all open links this way.
 */
import type { MedplumClient } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import type { BotRun } from '../bot-run';
import type { PatientMatch, ResolveOutput, SealedInput } from '../contract';
import { openBoxText } from '../bot-box';
import { boundReview, hasCode, REVIEW_TASK_CODE, TASK_INPUT, taskInput } from '../import/tasks';
import { findMatches } from '../matching/match';
import { unseal } from '../sealing';
import { decodeUtf8 } from '../shl/base64url';
import { ShlError } from '../shl/errors';
import { parseJson } from '../shl/json';
import { parseShl } from '../shl/link';
import type { ResolveResult } from '../shl/resolve';
import { resolveShl } from '../shl/resolve';
import { MAX_SHC_PARTS, resolveHealthCardCodes } from '../shl/shc';

/**
 * Opens `input.sealed` (or the link a review Task holds, `input.task`), resolves the link and
 * looks for the existing Patients that match; `input.recipient` overrides the default recipient.
 */
export async function openSealedLink(run: BotRun, input: Record<string, unknown>): Promise<ResolveOutput> {
  const result = await resolveSealedLink(run, input);
  return { ...result, matches: await matchesOf(run, result) };
}

/** `openSealedLink` without the matching, for callers that look for matches beside other work. */
export async function resolveSealedLink(run: BotRun, input: Record<string, unknown>): Promise<ResolveResult> {
  if ('shl' in input || 'passcode' in input || 'shc' in input) {
    throw new ShlError(
      'sealing-required',
      "Links and passcodes must be sealed to the bot's public key, never sent in the clear. Use the import page, or seal them (operation public-key)."
    );
  }
  const sealed = input.task === undefined ? input.sealed : await sealedFromReviewTask(run, input.task);
  const key = await run.sealingKey();
  const opened = readSealedInput(await unseal(sealed, key, run.platform.subtle));
  const settings = {
    platform: run.platform,
    limits: run.settings.limits,
    allowHosts: run.settings.allowHosts,
    trustedIssuers: run.settings.trustedIssuers,
  };
  if ('shc' in opened) {
    return resolveHealthCardCodes(opened.shc, settings);
  }
  const link = parseShl(opened.shl);
  const recipient =
    (typeof input.recipient === 'string' && input.recipient.trim()) ||
    run.settings.recipient ||
    (await projectName(run.medplum));
  return resolveShl(link, { ...settings, recipient, passcode: opened.passcode });
}

/** The existing Patients that match the link's patient (none when it has none). */
export async function matchesOf(run: BotRun, result: ResolveResult): Promise<PatientMatch[]> {
  return result.patient ? matchesFor(run.medplum, result.patient, result.warnings) : [];
}

/**
 * The sealed link of a review Task, as the bot boxed it: a Task the bot did not write, one that
 * was changed since, or a followed link's box, is refused.
 */
export async function sealedFromReviewTask(run: BotRun, reference: unknown): Promise<string> {
  const id = typeof reference === 'string' ? /^Task\/([A-Za-z0-9\-.]{1,64})$/.exec(reference)?.[1] : undefined;
  const task = id ? await run.medplum.readResource('Task', id).catch(() => undefined) : undefined;
  if (!task || !hasCode(task, REVIEW_TASK_CODE) || task.status !== 'requested') {
    throw new ShlError('invalid-input', '"task" must be a review Task that is still waiting for staff.');
  }
  const bound = boundReview(task, await openBoxText(await run.box(), 'review-task', taskInput(task, TASK_INPUT.link)));
  if (!bound) {
    throw new ShlError(
      'invalid-input',
      'This review Task was not written by the import bot, or was changed since: it is not opened. Ask the patient to share the link again.'
    );
  }
  return bound.sealed;
}

function readSealedInput(bytes: Uint8Array): SealedInput {
  const { shl, passcode, shc } = (parseJson(decodeUtf8(bytes)) ?? {}) as {
    shl?: unknown;
    passcode?: unknown;
    shc?: unknown;
  };
  if (shc !== undefined && shl === undefined) {
    if (!Array.isArray(shc) || shc.length > MAX_SHC_PARTS || !shc.every((c) => typeof c === 'string')) {
      throw new ShlError(
        'invalid-input',
        `The sealed "shc" must list a health card's QR codes as text (at most ${MAX_SHC_PARTS}).`
      );
    }
    return { shc };
  }
  if (typeof shl !== 'string') {
    throw new ShlError(
      'invalid-input',
      'The sealed input must be JSON with an "shl" field holding the link, or "shc" listing a health card\'s QR codes.'
    );
  }
  if (passcode !== undefined && typeof passcode !== 'string') {
    throw new ShlError('invalid-input', 'The sealed "passcode" must be text.');
  }
  return passcode ? { shl, passcode } : { shl };
}

/** Existing Patients for the incoming one; a failed lookup is a warning, not a failed resolve. */
async function matchesFor(medplum: MedplumClient, patient: Patient, warnings: string[]): Promise<PatientMatch[]> {
  try {
    return (await findMatches(medplum, patient)).matches;
  } catch {
    warnings.push(
      'Could not look for existing patients (check your access to Patient). Choose or create the patient by hand.'
    );
    return [];
  }
}

/** The project's name: the default `recipient` when neither input nor secret gives one. */
async function projectName(medplum: MedplumClient): Promise<string> {
  const known = medplum.getProject()?.name;
  if (known) {
    return known;
  }
  try {
    const me = await medplum.get<{ project?: { name?: string } }>('auth/me');
    return me.project?.name ?? 'Medplum';
  } catch {
    return 'Medplum';
  }
}
