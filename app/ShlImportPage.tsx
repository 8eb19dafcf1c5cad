/**
 * The import page staff reach in one click: link -> (passcode) -> patient -> review -> done.
 * The link and passcode stay in this page's memory only until the resolve answers, and leave
 * it sealed to the bot's key.
 */
import { Alert, Group, Loader, Radio, Stack, Stepper, Text, Title } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { useEffect, useRef } from 'react';
import type { ImportOutput } from '../bots/contract';
import type { BotRef } from './bot-client';
import { DoneStep } from './components/DoneStep';
import { LinkInput } from './components/LinkInput';
import { PasscodeStep } from './components/PasscodeStep';
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
  /** The patient the content is for (a followed link's, or the kiosk's match): offered first. */
  patient?: Patient;
  /** Fingerprints of the content staff saw before (a followed link's): the rest is marked new. */
  seen?: readonly string[];
  /** Called once the import is done. */
  onImported?: (result: ImportOutput) => void;
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

export function ShlImportPage({ bot, recipient, task, patient, seen, onImported }: ShlImportPageProps): JSX.Element {
  const [state, actions] = useShlImport({ bot, recipient, task, onImported });
  const { step, error, resolved, result, follow } = state;
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, [step]);

  const opened = useRef(false);
  useEffect(() => {
    if (task && !opened.current) {
      opened.current = true;
      actions.openTask();
    }
  });

  return (
    <Stack maw={960} mx="auto" p="md">
      <Title order={1} size="h2">
        Import a SMART Health Link
      </Title>
      <Stepper active={STEP_INDEX[step]} size="sm" allowNextStepsSelect={false}>
        <Stepper.Step label="Link" />
        <Stepper.Step label="Patient" />
        <Stepper.Step label="Review" />
        <Stepper.Step label="Done" />
      </Stepper>
      <Title order={2} size="h3" ref={heading} tabIndex={-1}>
        {STEP_TITLES[step]}
      </Title>
      {error && step !== 'passcode' && (
        <Alert color="red" role="alert" title={errorTitle(error.code)}>
          {error.message}
        </Alert>
      )}
      {step === 'link' && <LinkInput onSubmit={(shl, preview) => actions.submitLink(shl, preview.flags.has('P'))} />}
      {step === 'passcode' && (
        <PasscodeStep
          onSubmit={actions.submitPasscode}
          onCancel={actions.reset}
          error={error?.code === 'passcode-invalid' ? error : undefined}
        />
      )}
      {(step === 'resolving' || step === 'importing') && !resolved && (
        <Stack align="center" role="status">
          <Loader />
          <Text>Fetching and decrypting the shared data…</Text>
        </Stack>
      )}
      {step === 'patient' && resolved && (
        <PatientStep
          incoming={resolved.patient}
          matches={resolved.matches}
          {...(patient && { known: patient })}
          onChoose={actions.choosePatient}
          onBack={actions.reset}
        />
      )}
      {(step === 'review' || step === 'importing') && resolved && (
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
            onConvert={actions.convert}
            onImport={actions.importResources}
            onBack={actions.backToPatient}
            importing={step === 'importing'}
          />
        </>
      )}
      {step === 'done' && result && <DoneStep result={result} onAnother={actions.reset} />}
    </Stack>
  );
}
