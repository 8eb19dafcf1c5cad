/**
 * The import page staff reach in one click: link -> (passcode) -> patient -> review -> done. The
 * step machine is `use-shl-import.ts`; this renders it. The link field (or the passcode field)
 * has the focus whenever the page waits for one, so a scan is never lost; other steps focus their
 * heading. A failed open keeps the link with "Try again"; a slow one can be cancelled.
 */
import { Alert, Button, Group, Loader, Radio, Stack, Stepper, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { Patient } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react-hooks';
import type { JSX } from 'react';
import { useEffect, useRef, useState } from 'react';
import type { ImportOutput } from '../bots/contract';
import type { BotRef } from './bot-client';
import { patientLine } from './clinical-words';
import { DoneStep } from './components/DoneStep';
import { ExistingPatientNotice } from './components/ExistingPatientNotice';
import { ImportProgress } from './components/ImportProgress';
import { LinkInput } from './components/LinkInput';
import { PasscodeStep } from './components/PasscodeStep';
import type { PatientQuery } from './components/PatientStep';
import { PatientStep } from './components/PatientStep';
import { ReviewStep } from './components/ReviewStep';
import { errorTitle } from './error-messages';
import type { FollowChoice, Step } from './use-shl-import';
import { useShlImport } from './use-shl-import';

export interface ShlImportPageProps {
  /** The `shl-import` Bot: its id, or its identifier. */
  bot: BotRef;
  /** Sent to the sender as `recipient` (default: the bot's setting, else the project name). */
  recipient?: string;
  /** A review Task (`Task/<id>`) whose link the bot holds: the page starts by resolving it. */
  task?: string;
  /** The patient the content is for (a followed link's, the kiosk's match, the page it was opened from): chosen first. */
  patient?: Patient;
  /** Only `patient` is offered: the import was opened from that patient's page. */
  patientOnly?: boolean;
  /** Fingerprints of the content staff saw before (a followed link's): the rest is marked new. */
  seen?: readonly string[];
  /** Called once the import is done. */
  onImported?: (result: ImportOutput) => void;
  /** Where a patient's chart is (default `/Patient/<id>`). */
  chartHref?: (reference: string) => string;
  /** Ends the import on the done step instead of offering another one (a modal's "Close"). */
  onClose?: () => void;
  /** Without the page's own title (inside a modal that has one). */
  untitled?: boolean;
}

const STEP_INDEX: Record<Step, number> = {
  link: 0,
  passcode: 0,
  resolving: 0,
  patient: 1,
  review: 2,
  importing: 2,
  done: 3,
};
const STEP_TITLES: Record<Step, string> = {
  link: 'Scan or paste the link',
  passcode: 'Enter the passcode',
  resolving: 'Opening the link…',
  patient: 'Choose the patient',
  review: 'Review what will be imported',
  importing: 'Importing…',
  done: 'Done',
};
/** Steps that wait for typing: their field has the focus, not the heading. */
const FIELD_STEPS = new Set<Step>(['link', 'passcode']);

/** Whole seconds since `running` became true. */
function useSeconds(running: boolean): number {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    if (!running) {
      return undefined;
    }
    const started = Date.now();
    setSeconds(0);
    const timer = setInterval(() => setSeconds(Math.floor((Date.now() - started) / 1000)), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return seconds;
}

export function ShlImportPage({
  bot,
  recipient,
  task,
  patient,
  patientOnly,
  seen,
  onImported,
  chartHref,
  onClose,
  untitled,
}: ShlImportPageProps): JSX.Element {
  const medplum = useMedplum();
  const [state, actions] = useShlImport({ bot, recipient, task, onImported });
  const { step, error, resolved, result, follow, scanned, chosen, run } = state;
  const heading = useRef<HTMLHeadingElement>(null);
  const opening = useSeconds(step === 'resolving');
  const phone = useMediaQuery('(max-width: 36em)');

  useEffect(() => {
    if (!FIELD_STEPS.has(step)) {
      heading.current?.focus();
    }
  }, [step]);

  const opened = useRef(false);
  useEffect(() => {
    if (task && !opened.current) {
      opened.current = true;
      actions.openTask();
    }
  });

  const search = (query: PatientQuery): Promise<Patient[]> =>
    medplum.searchResources(
      'Patient',
      {
        ...(query.name && { name: query.name }),
        ...(query.birthdate && { birthdate: query.birthdate }),
        _count: '10',
      },
      { cache: 'no-cache' }
    );

  const canRetry = step === 'link' && (scanned !== undefined || task !== undefined);
  return (
    <Stack maw={960} mx="auto" p={untitled ? 0 : 'md'}>
      {!untitled && (
        <Title order={1} size="h2">
          Import a SMART Health Link
        </Title>
      )}
      <Stepper active={STEP_INDEX[step]} size="xs" allowNextStepsSelect={false}>
        {['Link', 'Patient', 'Review', 'Done'].map((label) => (
          // On a phone the numbers alone fit in one line; the step's heading says where staff are.
          <Stepper.Step key={label} {...(!phone && { label })} />
        ))}
      </Stepper>
      <Title order={2} size="h3" ref={heading} tabIndex={-1}>
        {STEP_TITLES[step]}
      </Title>
      {error?.existingPatient && step === 'review' && state.choice && 'create' in state.choice && (
        <ExistingPatientNotice
          reference={error.existingPatient}
          onUseExisting={(existing) => actions.importAgain({ reference: `Patient/${existing.id ?? ''}` }, existing)}
          onConfirmNew={() => {
            if (state.choice && 'create' in state.choice && chosen) {
              actions.importAgain({ ...state.choice, confirmNew: true }, chosen);
            }
          }}
        />
      )}
      {error && !error.existingPatient && step !== 'passcode' && (
        <Alert color="red" role="alert" title={errorTitle(error.code)}>
          <Text size="sm">{error.message}</Text>
          {canRetry && (
            <Group mt="sm">
              <Button size="xs" onClick={actions.retry}>
                Try again
              </Button>
              {!task && (
                <Button size="xs" variant="default" onClick={actions.reset}>
                  Start again
                </Button>
              )}
            </Group>
          )}
        </Alert>
      )}
      {step === 'link' && !task && (
        <LinkInput
          // Starting again gives a fresh, focused field.
          key={scanned ? 'kept' : 'fresh'}
          initialValue={scanned && 'shl' in scanned ? scanned.shl : ''}
          onSubmit={(shl, preview) => actions.submitLink(shl, preview.flags.has('P'))}
          onSubmitCard={actions.submitCard}
        />
      )}
      {step === 'link' && task && !error && (
        <Group>
          <Button onClick={actions.retry}>Open the check-in again</Button>
        </Group>
      )}
      {step === 'passcode' && (
        <PasscodeStep
          onSubmit={actions.submitPasscode}
          onCancel={actions.reset}
          error={error?.code === 'passcode-invalid' ? error : undefined}
        />
      )}
      {step === 'resolving' && (
        <Stack align="center" role="status" gap="xs">
          <Loader />
          <Text>
            {scanned && 'shc' in scanned ? 'Checking the health card…' : 'Fetching and decrypting the shared data…'}{' '}
            {opening > 0 && `${opening} s`}
          </Text>
          <Button variant="default" onClick={actions.cancel}>
            Cancel
          </Button>
        </Stack>
      )}
      {step === 'patient' && resolved && (
        <PatientStep
          incoming={resolved.patient}
          matches={resolved.matches}
          {...(patient && { known: patient })}
          only={patientOnly === true && patient !== undefined}
          onChoose={actions.choosePatient}
          onBack={actions.reset}
          search={search}
        />
      )}
      {step === 'review' && resolved && (
        <>
          {resolved.source.flags.includes('L') && !seen && (
            <Radio.Group
              label="This link may get new content. Keep following it?"
              value={follow}
              onChange={(value) => actions.setFollow(value as FollowChoice)}
            >
              <Group mt="xs">
                <Radio value="no" label="No" />
                <Radio value="review" label="Yes, queue changes for review" />
                <Radio value="auto" label="Yes, import changes directly" />
              </Group>
            </Radio.Group>
          )}
          <ReviewStep
            resolved={resolved}
            {...(seen && { seen })}
            {...(chosen && state.choice && { into: { patient: chosen, isNew: 'create' in state.choice } })}
            onConvert={actions.convert}
            onImport={actions.importResources}
            onBack={actions.backToPatient}
          />
        </>
      )}
      {step === 'importing' && run && <ImportProgress run={run} into={patientLine(chosen)} />}
      {step === 'done' && result && (
        <DoneStep
          result={result}
          {...(chosen && { patient: chosen })}
          {...(chartHref && { chartHref })}
          onAnother={onClose ?? actions.reset}
          {...(onClose && { anotherLabel: 'Close' })}
        />
      )}
    </Stack>
  );
}
