/**
 * The import page's step machine, in one place: link -> (passcode) -> resolving -> patient ->
 * review -> importing -> done. The page only renders the state and calls the actions.
 *
 * What staff scanned or pasted (a link, or a health card's QR codes) is kept in memory until it
 * opens, so that a failed or cancelled open can be tried again without rescanning the patient's
 * phone; it leaves the page only sealed to the bot's key, and is dropped once opened or when
 * staff start again. A passcode is never kept. The sealed input is kept (ciphertext) only to
 * follow a long-lived link. A review Task's link is resolved by the Task's reference: the bot
 * holds that link, the page never sees it. A cancelled open is not stopped at the bot (the call
 * may still finish): its answer is ignored.
 */
import type { Patient, Resource } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react-hooks';
import { useReducer, useRef } from 'react';
import type { ErrorBody, ImportOutput, PatientChoice, ResolveOutput, SealedInput } from '../bots/contract';
import type { BotRef } from './bot-client';
import { BotError, convertCcda, importReviewed, resolveSealed, sealLink } from './bot-client';

export type Step = 'link' | 'passcode' | 'resolving' | 'patient' | 'review' | 'importing' | 'done';

/** Whether to keep following a long-lived link, and how. */
export type FollowChoice = 'no' | 'review' | 'auto';

/** What staff scanned or pasted: a link (and whether it needs a passcode), or a health card's QR codes. */
export type Scanned = { shl: string; needsPasscode: boolean } | { shc: string[] };

/** An import under way: how many items, since when, and the token its progress is kept under. */
export interface ImportRun {
  count: number;
  startedAt: number;
  progress: string;
}

export interface ImportState {
  step: Step;
  error?: ErrorBody;
  /** What was scanned, kept until it opens (for "Try again"). */
  scanned?: Scanned;
  resolved?: ResolveOutput;
  choice?: PatientChoice;
  /** The chosen patient as staff saw them, for the review and done steps. */
  chosen?: Patient;
  run?: ImportRun;
  result?: ImportOutput;
  follow: FollowChoice;
}

type Event =
  | { type: 'reset' }
  | { type: 'scanned'; scanned: Scanned }
  | { type: 'resolving' }
  | { type: 'cancelled' }
  | { type: 'resolved'; resolved: ResolveOutput }
  | { type: 'resolve-failed'; error: ErrorBody }
  | { type: 'chose-patient'; choice: PatientChoice; patient: Patient }
  | { type: 'back-to-patient' }
  | { type: 'follow'; follow: FollowChoice }
  | { type: 'converted'; resources: Resource[]; warnings: string[]; staged?: string }
  | { type: 'importing'; run: ImportRun }
  | { type: 'imported'; result: ImportOutput }
  | { type: 'import-failed'; error: ErrorBody };

const START: ImportState = { step: 'link', follow: 'no' };

function isPasscodeError(error: ErrorBody): boolean {
  return error.code === 'passcode-invalid' || error.code === 'passcode-required';
}

export function importReducer(state: ImportState, event: Event): ImportState {
  switch (event.type) {
    case 'reset':
      return START;
    case 'scanned':
      return {
        ...START,
        scanned: event.scanned,
        step: 'shl' in event.scanned && event.scanned.needsPasscode ? 'passcode' : 'link',
      };
    case 'resolving':
      return { ...state, step: 'resolving', error: undefined };
    case 'cancelled':
      return { ...state, step: 'link', error: undefined };
    case 'resolved':
      return { ...state, step: 'patient', resolved: event.resolved, scanned: undefined };
    case 'resolve-failed':
      // A wrong or missing passcode is asked for again; anything else keeps the link to try again.
      return { ...state, step: isPasscodeError(event.error) ? 'passcode' : 'link', error: event.error };
    case 'chose-patient':
      return { ...state, step: 'review', choice: event.choice, chosen: event.patient, error: undefined };
    case 'back-to-patient':
      return { ...state, step: 'patient', error: undefined };
    case 'follow':
      return { ...state, follow: event.follow };
    case 'converted':
      return state.resolved
        ? {
            ...state,
            resolved: {
              ...state.resolved,
              resources: [...state.resolved.resources, ...event.resources],
              warnings: [...state.resolved.warnings, ...event.warnings],
              ...(event.staged && { staged: event.staged }),
            },
          }
        : state;
    case 'importing':
      return { ...state, step: 'importing', error: undefined, run: event.run };
    case 'imported':
      return { ...state, step: 'done', result: event.result, run: undefined };
    case 'import-failed':
      return { ...state, step: 'review', error: event.error, run: undefined };
  }
}

export interface ShlImportOptions {
  bot: BotRef;
  recipient?: string;
  /** A review Task (`Task/<id>`) whose link the bot holds: resolved at once. */
  task?: string;
  onImported?: (result: ImportOutput) => void;
}

export interface ShlImportActions {
  /** A link arrived; `needsPasscode` from its flags. */
  submitLink: (shl: string, needsPasscode: boolean) => void;
  /** A bare health card arrived: the text of every one of its QR codes. */
  submitCard: (codes: string[]) => void;
  submitPasscode: (passcode: string) => void;
  /** Opens again what failed to open (the kept link or card, or the review Task). */
  retry: () => void;
  /** Stops waiting for an open (the bot call may still finish; its answer is ignored). */
  cancel: () => void;
  /** Resolves the review Task given in the options. */
  openTask: () => void;
  /** Starts again with an empty page: what was scanned is dropped. */
  reset: () => void;
  choosePatient: (choice: PatientChoice, patient: Patient) => void;
  backToPatient: () => void;
  setFollow: (follow: FollowChoice) => void;
  /** Converts a C-CDA document; its resources join the review. Throws with the reason. */
  convert: (document: Resource) => Promise<void>;
  importResources: (resources: Resource[]) => void;
  /**
   * The last import again, into another choice: the existing patient the bot named when it
   * refused a new one, or the new patient confirmed as a different person.
   */
  importAgain: (choice: PatientChoice, patient: Patient) => void;
}

export function useShlImport(options: ShlImportOptions): [ImportState, ShlImportActions] {
  const { bot, recipient, task, onImported } = options;
  const medplum = useMedplum();
  const [state, dispatch] = useReducer(importReducer, task ? { ...START, step: 'resolving' } : START);
  /** Each open's number: an answer to an older one (cancelled, or started over) is ignored. */
  const attempt = useRef(0);
  /** What resolve was given: the sealed input (ciphertext) or the Task; kept only to follow a long-lived link. */
  const opened = useRef<{ sealed: string } | { task: string } | undefined>(task ? { task } : undefined);
  /** What staff selected for the last import, for `importAgain` after a refusal. */
  const lastSelection = useRef<Resource[]>([]);

  const runImport = (resources: Resource[], choice: PatientChoice): void => {
    const { resolved, follow } = state;
    if (!resolved) {
      return;
    }
    lastSelection.current = resources;
    const subject = resolved.patient?.id ? `Patient/${resolved.patient.id}` : undefined;
    const selected = resources.filter((r) => `${r.resourceType}/${r.id ?? ''}` !== subject);
    const progress = crypto.randomUUID();
    dispatch({ type: 'importing', run: { count: selected.length, startedAt: Date.now(), progress } });
    const following = follow !== 'no' && opened.current ? { ...opened.current, auto: follow === 'auto' } : undefined;
    // Staged: only the handle and the selection go back, never the health data.
    const what = resolved.staged
      ? { staged: resolved.staged, select: selected.map((r) => `${r.resourceType}/${r.id ?? ''}`) }
      : { source: resolved.source, resources };
    importReviewed(medplum, bot, {
      ...what,
      patient: choice,
      progress,
      ...(subject && { subject }),
      ...(following && { follow: following }),
    })
      .then((result) => {
        dispatch({ type: 'imported', result });
        onImported?.(result);
      })
      .catch((err: unknown) => dispatch({ type: 'import-failed', error: errorBody(err) }));
  };

  const open = (scanned: Scanned | undefined, passcode?: string): void => {
    const input: SealedInput | undefined = scanned
      ? 'shc' in scanned
        ? { shc: scanned.shc }
        : { shl: scanned.shl, ...(passcode && { passcode }) }
      : undefined;
    if (!input && !task) {
      dispatch({ type: 'reset' });
      return;
    }
    const mine = ++attempt.current;
    dispatch({ type: 'resolving' });
    (input ? sealLink(medplum, bot, input).then((sealed) => ({ sealed })) : Promise.resolve({ task: task as string }))
      .then((what) => {
        if (mine === attempt.current) {
          opened.current = what;
        }
        return resolveSealed(medplum, bot, what, recipient);
      })
      .then((resolved) => {
        if (mine === attempt.current) {
          dispatch({ type: 'resolved', resolved });
        }
      })
      .catch((err: unknown) => {
        if (mine === attempt.current) {
          dispatch({ type: 'resolve-failed', error: errorBody(err) });
        }
      });
  };

  const actions: ShlImportActions = {
    submitLink: (shl, needsPasscode) => {
      const scanned = { shl, needsPasscode };
      dispatch({ type: 'scanned', scanned });
      if (!needsPasscode) {
        open(scanned);
      }
    },
    submitCard: (codes) => {
      const scanned = { shc: codes };
      dispatch({ type: 'scanned', scanned });
      open(scanned);
    },
    submitPasscode: (passcode) => open(state.scanned, passcode),
    retry: () => {
      const { scanned } = state;
      if (scanned && 'shl' in scanned && scanned.needsPasscode) {
        dispatch({ type: 'scanned', scanned });
      } else {
        open(scanned);
      }
    },
    cancel: () => {
      attempt.current++;
      dispatch({ type: 'cancelled' });
    },
    openTask: () => open(undefined),
    reset: () => {
      attempt.current++;
      dispatch({ type: 'reset' });
    },
    choosePatient: (choice, patient) => dispatch({ type: 'chose-patient', choice, patient }),
    backToPatient: () => dispatch({ type: 'back-to-patient' }),
    setFollow: (follow) => dispatch({ type: 'follow', follow }),
    convert: async (document) => {
      const { resolved } = state;
      try {
        const converted = await convertCcda(
          medplum,
          bot,
          resolved?.staged
            ? { staged: resolved.staged, document: `${document.resourceType}/${document.id ?? ''}` }
            : { document, ...(resolved?.patient && { patient: resolved.patient }) }
        );
        dispatch({ type: 'converted', ...converted });
      } catch (err) {
        throw err instanceof BotError ? err : new BotError(errorBody(err));
      }
    },
    importResources: (resources) => {
      if (state.choice) {
        runImport(resources, state.choice);
      }
    },
    importAgain: (choice, patient) => {
      dispatch({ type: 'chose-patient', choice, patient });
      runImport(lastSelection.current, choice);
    },
  };
  return [state, actions];
}

function errorBody(err: unknown): ErrorBody {
  return err instanceof BotError
    ? err.error
    : { code: 'invalid-input', message: 'Something went wrong. Nothing was imported; try again.' };
}
