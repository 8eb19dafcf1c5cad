/**
 * The Task vocabulary shared by kiosk check-in, following long-lived links and the staff review
 * queue: the codes, input names and extensions, the fingerprint format, and every state change.
 * Isomorphic: the bot writes these Tasks and the queue page reads and changes them.
 *
 * Two kinds of Task:
 * - a review (`shl-check-in-review`), `requested` until staff finish it: from a kiosk check-in,
 *   or new content of a followed link (`basedOn` the follow Task). It ends `completed` (imported,
 *   `output` the patient) or `cancelled` (the followed link went back to what staff last saw).
 * - a followed link (`shl-follow`), `in-progress` while it is polled. It ends `completed` (the
 *   sender stopped sharing), `cancelled` (staff stopped following) or `failed` (link missing).
 *
 * Both hold the link only in a box only the bot can make and open (`bot-box.ts`, input
 * `bound-link`), together with what the Task is for: a followed link's patient and mode, a
 * review's patient. The bot acts on a Task only when its box opens for that kind of Task and
 * agrees with the Task's fields, so a Task anyone else wrote, or changed, is never acted on, and
 * a review's box cannot be replayed as a followed link (nor the other way round).
 */
import { getExtensionValue } from '@medplum/core';
import type { Coding, Extension, Reference, Resource, Task } from '@medplum/fhirtypes';
import { contentHash } from '../fhir/content-hash';
import {
  FINGERPRINTS_EXTENSION,
  NEXT_POLL_EXTENSION,
  POLL_INTERVAL_EXTENSION,
  TASK_CODE_SYSTEM,
} from '../fhir/systems';

export const REVIEW_TASK_CODE = { system: TASK_CODE_SYSTEM, code: 'shl-check-in-review' } as const satisfies Coding;
export const FOLLOW_TASK_CODE = { system: TASK_CODE_SYSTEM, code: 'shl-follow' } as const satisfies Coding;

/** The names (`input.type.text`) of the Tasks' inputs. */
export const TASK_INPUT = {
  /** The bot's box holding the sealed link and what the Task is for. */
  link: 'bound-link',
  /** A followed link's mode: `import` (new content imported at once) or `review`. */
  mode: 'mode',
  /** A review's fingerprints of the content staff last saw. */
  seen: 'seen-fingerprints',
} as const;

export type FollowMode = 'import' | 'review';

/** Default and longest time between two polls of one link. */
export const DEFAULT_POLL_INTERVAL_S = 60 * 60;
export const MAX_POLL_INTERVAL_S = 7 * 24 * 60 * 60;

/** Search parameters of the reviews waiting for staff, whoever has waited longest first. */
export function waitingReviewsQuery(count: number): Record<string, string> {
  return { code: codeToken(REVIEW_TASK_CODE), status: 'requested', _sort: 'authored-on', _count: String(count) };
}

/** Search parameters of the followed links, least recently polled first (every poll updates its Task). */
export function followedLinksQuery(count: number): Record<string, string> {
  return { code: codeToken(FOLLOW_TASK_CODE), status: 'in-progress', _sort: '_lastUpdated', _count: String(count) };
}

/** Whether a Task is of the given kind. */
export function hasCode(task: Task, code: Coding): boolean {
  return task.code?.coding?.some((c) => c.system === code.system && c.code === code.code) ?? false;
}

/** A Task's string input by its name. */
export function taskInput(task: Task, name: string): string | undefined {
  return task.input?.find((i) => i.type.text === name)?.valueString;
}

// Fingerprints: one per resource, its content without ids, references or meta, so the same
// content reads the same through every poll. Kept sorted and space-separated.

/** A resource's fingerprint. */
export function fingerprint(resource: Resource): string {
  return contentHash({ ...resource, id: undefined });
}

/** The fingerprints of what a link shares, in their stored form. */
export function fingerprintList(resources: readonly Resource[]): string {
  return [...new Set(resources.map(fingerprint))].sort().join(' ');
}

/** The fingerprints in a stored list. */
export function parseFingerprints(list: string | undefined): Set<string> {
  return new Set((list ?? '').split(' ').filter(Boolean));
}

/** What is new or changed against fingerprints seen before, and how many of those are gone. */
export function compareFingerprints(
  resources: readonly Resource[],
  seen: ReadonlySet<string>
): { added: number; removed: number; isNew: (resource: Resource) => boolean } {
  const now = new Map(resources.map((r) => [r, fingerprint(r)]));
  const current = new Set(now.values());
  return {
    added: [...now.values()].filter((f) => !seen.has(f)).length,
    removed: [...seen].filter((f) => !current.has(f)).length,
    isNew: (resource) => !seen.has(now.get(resource) ?? fingerprint(resource)),
  };
}

// A followed link's schedule, in extensions of its Task.

/** The extensions of a followed link polled at `now`, next due after `intervalS`. */
export function schedule(now: number, intervalS: number, seen?: string): Extension[] {
  return [
    { url: NEXT_POLL_EXTENSION, valueDateTime: new Date(now + intervalS * 1000).toISOString() },
    { url: POLL_INTERVAL_EXTENSION, valueInteger: intervalS },
    ...(seen ? [{ url: FINGERPRINTS_EXTENSION, valueString: seen }] : []),
  ];
}

/** When a followed link is next asked again. */
export function nextPollOf(task: Task): string | undefined {
  return getExtensionValue(task, NEXT_POLL_EXTENSION) as string | undefined;
}

/** The current time between polls of a followed link. */
export function pollIntervalOf(task: Task): number {
  return (getExtensionValue(task, POLL_INTERVAL_EXTENSION) as number | undefined) ?? DEFAULT_POLL_INTERVAL_S;
}

/** The fingerprints of what a followed link shared at its last poll. */
export function lastFingerprintsOf(task: Task): string | undefined {
  return getExtensionValue(task, FINGERPRINTS_EXTENSION) as string | undefined;
}

// New Tasks.

export interface ReviewTaskInit {
  description: string;
  authoredOn: string;
  /** The bot's box (`review-task`) holding the link. */
  link: string;
  /** The patient it is for, when known (the kiosk's single certain match, a followed link's patient). */
  for?: Reference;
  /** The followed link's Task, for new content of a followed link. */
  basedOn?: string;
  /** The fingerprints of the content staff last saw (new content of a followed link). */
  seen?: string;
}

/** A review for staff. */
export function reviewTask(init: ReviewTaskInit): Task {
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: {
      coding: [REVIEW_TASK_CODE],
      text: init.basedOn
        ? 'Review new content of a followed SMART Health Link'
        : 'Review a SMART Health Link from check-in',
    },
    description: init.description,
    authoredOn: init.authoredOn,
    ...(init.for && { for: init.for }),
    ...(init.basedOn && { basedOn: [{ reference: init.basedOn }] }),
    input: [
      { type: { text: TASK_INPUT.link }, valueString: init.link },
      ...(init.seen === undefined ? [] : [{ type: { text: TASK_INPUT.seen }, valueString: init.seen }]),
    ],
  };
}

export interface FollowTaskInit {
  description: string;
  now: number;
  /** The bot's box (`follow-task`) holding the link, the patient and the mode. */
  link: string;
  patient: string;
  mode: FollowMode;
  /** The fingerprints of what the link shares now. */
  seen: string;
}

/** A followed link, due for its first poll after the default interval. */
export function followTask(init: FollowTaskInit): Task {
  return {
    resourceType: 'Task',
    status: 'in-progress',
    intent: 'order',
    code: { coding: [FOLLOW_TASK_CODE], text: 'Follow a long-lived SMART Health Link' },
    for: { reference: init.patient },
    description: init.description,
    authoredOn: new Date(init.now).toISOString(),
    extension: schedule(init.now, DEFAULT_POLL_INTERVAL_S, init.seen),
    input: [
      { type: { text: TASK_INPUT.link }, valueString: init.link },
      { type: { text: TASK_INPUT.mode }, valueString: init.mode },
    ],
  };
}

// State changes.

/** A review staff finished by importing into `patient`. */
export function completeReview(task: Task, patient: Reference): Task {
  return { ...task, status: 'completed', output: [{ type: { text: 'patient' }, valueReference: patient }] };
}

/** A pending review withdrawn: the followed link is back to what staff last saw. */
export function withdrawReview(task: Task): Task {
  return { ...task, status: 'cancelled', statusReason: { text: 'The link is back to what staff last saw.' } };
}

/** Why a followed link stops being followed. */
export type StopReason = 'staff' | 'sender-stopped' | 'no-longer-valid' | 'not-bound';

const STOPS: Record<StopReason, { status: Task['status']; text: string }> = {
  staff: { status: 'cancelled', text: 'Staff stopped following.' },
  'sender-stopped': { status: 'completed', text: 'The sender no longer shares this link.' },
  'no-longer-valid': { status: 'completed', text: 'The sender marks this link as no longer valid.' },
  'not-bound': {
    status: 'failed',
    text: 'Not acted on: this Task was not written by the import bot, or was changed since (its link, patient or mode).',
  },
};

/** A followed link's box: the sealed link, and the patient and mode it was started for. */
export interface FollowBox {
  sealed: string;
  patient: string;
  mode: FollowMode;
}

/** A review's box: the sealed link, and the patient the review is for, if any. */
export interface ReviewBox {
  sealed: string;
  patient?: string;
}

/** The followed link in a Task's box, when the box is the bot's and agrees with the Task. */
export function boundFollow(task: Task, box: Record<string, unknown> | undefined): FollowBox | undefined {
  const { sealed, patient, mode } = box ?? {};
  return typeof sealed === 'string' &&
    typeof patient === 'string' &&
    patient === task.for?.reference &&
    mode === taskInput(task, TASK_INPUT.mode) &&
    (mode === 'import' || mode === 'review')
    ? { sealed, patient, mode }
    : undefined;
}

/** The review in a Task's box, when the box is the bot's and agrees with the Task. */
export function boundReview(task: Task, box: Record<string, unknown> | undefined): ReviewBox | undefined {
  const { sealed, patient } = box ?? {};
  return typeof sealed === 'string' &&
    patient === task.for?.reference &&
    (patient === undefined || typeof patient === 'string')
    ? { sealed, ...(patient && { patient }) }
    : undefined;
}

/** A followed link no longer followed. */
export function stopFollowing(task: Task, reason: StopReason): Task {
  const { status, text } = STOPS[reason];
  return { ...task, status, statusReason: { text } };
}

function codeToken(code: Coding): string {
  return `${code.system ?? ''}|${code.code ?? ''}`;
}
