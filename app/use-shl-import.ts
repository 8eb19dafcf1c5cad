/**
 * The import page's step machine, in one place: link -> (passcode) -> resolving -> patient ->
 * review -> importing -> done. The page only renders the state and calls the actions. The link
 * and passcode stay in memory only until the resolve answers, and leave it sealed to the bot's
 * key; the sealed input is kept (ciphertext) only to follow a long-lived link. A review Task's
 * link is resolved by the Task's reference: the bot holds that link, the page never sees it.
 */
import type { Resource } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react-hooks';
import { useReducer, useRef } from 'react';
import type { ErrorBody, ImportOutput, PatientChoice, ResolveOutput } from '../bots/contract';
import type { BotRef } from './bot-client';
import { BotError, convertCcda, importReviewed, resolveSealed, sealLink } from './bot-client';

export type Step = 'link' | 'passcode' | 'resolving' | 'patient' | 'review' | 'importing' | 'done';

/** Whether to keep following a long-lived link, and how. */
export type FollowChoice = 'no' | 'review' | 'auto';

export interface ImportState {
  step: Step;
  error?: ErrorBody;
  resolved?: ResolveOutput;
  choice?: PatientChoice;
  result?: ImportOutput;
  follow: FollowChoice;
}

type Event =
  | { type: 'reset' }
  | { type: 'ask-passcode' }
  | { type: 'resolving' }
  | { type: 'resolved'; resolved: ResolveOutput }
  | { type: 'resolve-failed'; error: ErrorBody }
  | { type: 'chose-patient'; choice: PatientChoice }
  | { type: 'back-to-patient' }
  | { type: 'follow'; follow: FollowChoice }
  | { type: 'converted'; resources: Resource[]; warnings: string[]; staged?: string }
  | { type: 'importing' }
  | { type: 'imported'; result: ImportOutput }
  | { type: 'import-failed'; error: ErrorBody };

const START: ImportState = { step: 'link', follow: 'no' };

export function importReducer(state: ImportState, event: Event): ImportState {
  switch (event.type) {
    case 'reset':
      return START;
    case 'ask-passcode':
      return { ...state, step: 'passcode', error: undefined };
    case 'resolving':
      return { ...state, step: 'resolving', error: undefined };
    case 'resolved':
      return { ...state, step: 'patient', resolved: event.resolved };
    case 'resolve-failed':
      // A wrong or missing passcode is asked for again; anything else starts over.
      return {
        ...state,
        step: event.error.code === 'passcode-invalid' || event.error.code === 'passcode-required' ? 'passcode' : 'link',
        error: event.error,
      };
    case 'chose-patient':
      return { ...state, step: 'review', choice: event.choice };
    case 'back-to-patient':
      return { ...state, step: 'patient' };
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
      return { ...state, step: 'importing', error: undefined };
    case 'imported':
      return { ...state, step: 'done', result: event.result };
    case 'import-failed':
      return { ...state, step: 'review', error: event.error };
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
  submitPasscode: (passcode: string) => void;
  /** Resolves the review Task given in the options. */
  openTask: () => void;
  reset: () => void;
  choosePatient: (choice: PatientChoice) => void;
  backToPatient: () => void;
  setFollow: (follow: FollowChoice) => void;
  /** Converts a C-CDA document; its resources join the review. Throws with the reason. */
  convert: (document: Resource) => Promise<void>;
  importResources: (resources: Resource[]) => void;
}

export function useShlImport(options: ShlImportOptions): [ImportState, ShlImportActions] {
  const { bot, recipient, task, onImported } = options;
  const medplum = useMedplum();
  const [state, dispatch] = useReducer(importReducer, task ? { ...START, step: 'resolving' } : START);
  const link = useRef<string | undefined>(undefined);
  /** What resolve was given: the sealed link (ciphertext) or the Task; kept only to follow a long-lived link. */
  const opened = useRef<{ sealed: string } | { task: string } | undefined>(task ? { task } : undefined);

  const open = (passcode?: string): void => {
    const shl = link.current;
    if (!shl && !task) {
      dispatch({ type: 'reset' });
      return;
    }
    dispatch({ type: 'resolving' });
    (shl
      ? sealLink(medplum, bot, { shl, ...(passcode && { passcode }) }).then((sealed) => ({ sealed }))
      : Promise.resolve({ task: task as string })
    )
      .then((input) => {
        opened.current = input;
        return resolveSealed(medplum, bot, input, recipient);
      })
      .then((resolved) => {
        link.current = undefined;
        dispatch({ type: 'resolved', resolved });
      })
      .catch((err: unknown) => {
        const error = errorBody(err);
        if (error.code !== 'passcode-invalid' && error.code !== 'passcode-required') {
          link.current = undefined;
        }
        dispatch({ type: 'resolve-failed', error });
      });
  };

  const actions: ShlImportActions = {
    submitLink: (shl, needsPasscode) => {
      link.current = shl;
      if (needsPasscode) {
        dispatch({ type: 'ask-passcode' });
      } else {
        open();
      }
    },
    submitPasscode: (passcode) => open(passcode),
    openTask: () => open(),
    reset: () => {
      link.current = undefined;
      dispatch({ type: 'reset' });
    },
    choosePatient: (choice) => dispatch({ type: 'chose-patient', choice }),
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
        throw new Error(errorBody(err).message, { cause: err });
      }
    },
    importResources: (resources) => {
      const { resolved, choice, follow } = state;
      if (!resolved || !choice) {
        return;
      }
      dispatch({ type: 'importing' });
      const following = follow !== 'no' && opened.current ? { ...opened.current, auto: follow === 'auto' } : undefined;
      const subject = resolved.patient?.id ? `Patient/${resolved.patient.id}` : undefined;
      // Staged: only the handle and the selection go back, never the health data.
      const what = resolved.staged
        ? {
            staged: resolved.staged,
            select: resources.map((r) => `${r.resourceType}/${r.id ?? ''}`).filter((key) => key !== subject),
          }
        : { source: resolved.source, resources };
      importReviewed(medplum, bot, {
        ...what,
        patient: choice,
        ...(subject && { subject }),
        ...(following && { follow: following }),
      })
        .then((result) => {
          dispatch({ type: 'imported', result });
          onImported?.(result);
        })
        .catch((err: unknown) => dispatch({ type: 'import-failed', error: errorBody(err) }));
    },
  };
  return [state, actions];
}

function errorBody(err: unknown): ErrorBody {
  return err instanceof BotError
    ? err.error
    : { code: 'invalid-input', message: 'Something went wrong. Nothing was imported; try again.' };
}
