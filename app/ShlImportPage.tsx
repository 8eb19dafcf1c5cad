/**
 * The import page staff reach in one click: link -> (passcode) -> patient -> review -> done.
 * The link and passcode stay in this page's memory only until the resolve answers, and leave
 * it sealed to the bot's key.
 */
import { Alert, Group, Loader, Radio, Stack, Stepper, Text, Title } from '@mantine/core';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react-hooks';
import type { JSX } from 'react';
import { useEffect, useRef, useState } from 'react';
import type { ImportOutput } from '../bots/import/import';
import type { ResolveOutput } from '../bots/shl-import';
import type { BotRef } from './bot-client';
import { BotError, convertCcda, importReviewed, resolveSealed, sealLink } from './bot-client';
import { DoneStep } from './components/DoneStep';
import { LinkInput } from './components/LinkInput';
import { PasscodeStep } from './components/PasscodeStep';
import type { PatientChoice } from './components/PatientStep';
import { PatientStep } from './components/PatientStep';
import { ReviewStep } from './components/ReviewStep';
import { errorTitle } from './error-messages';

export interface ShlImportPageProps {
  /** The `shl-import` Bot: its id, or its identifier. */
  bot: BotRef;
  /** Sent to the sender as `recipient` (default: the bot's setting, else the project name). */
  recipient?: string;
  /** Input sealed earlier (a check-in Task's): the page starts by resolving it. */
  sealed?: string;
  /** The patient the content is for (a followed link's, or the kiosk's match): offered first. */
  patient?: Patient;
  /** Fingerprints of the content staff saw before (a followed link's): the rest is marked new. */
  seen?: readonly string[];
  /** Called once the import is done. */
  onImported?: (result: ImportOutput) => void;
}

type Step = 'link' | 'passcode' | 'resolving' | 'patient' | 'review' | 'importing' | 'done';

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

export function ShlImportPage({ bot, recipient, sealed, patient, seen, onImported }: ShlImportPageProps): JSX.Element {
  const medplum = useMedplum();
  const [step, setStep] = useState<Step>(sealed ? 'resolving' : 'link');
  const [error, setError] = useState<{ code: string; message: string; remainingAttempts?: number }>();
  const [resolved, setResolved] = useState<ResolveOutput>();
  const [choice, setChoice] = useState<PatientChoice>();
  const [result, setResult] = useState<ImportOutput>();
  const link = useRef<string | undefined>(undefined);
  /** The input sealed for resolve: ciphertext, kept only to follow a long-lived link. */
  const sealedInput = useRef<string | undefined>(sealed);
  const [follow, setFollow] = useState<'no' | 'review' | 'auto'>('no');
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, [step]);

  const opened = useRef(false);
  useEffect(() => {
    if (sealed && !opened.current) {
      opened.current = true;
      open();
    }
  });

  const reset = (): void => {
    link.current = undefined;
    setStep('link');
    setError(undefined);
    setResolved(undefined);
    setChoice(undefined);
    setResult(undefined);
  };

  const open = (passcode?: string): void => {
    const shl = link.current;
    if (!shl && !sealed) {
      reset();
      return;
    }
    setError(undefined);
    setStep('resolving');
    (shl ? sealLink(medplum, bot, { shl, ...(passcode && { passcode }) }) : Promise.resolve(sealed as string))
      .then((input) => {
        sealedInput.current = input;
        return resolveSealed(medplum, bot, input, recipient);
      })
      .then((output) => {
        link.current = undefined;
        setResolved(output);
        setStep('patient');
      })
      .catch((err: unknown) => {
        const e =
          err instanceof BotError
            ? err.error
            : {
                code: 'fetch-failed',
                message: 'The importer could not be reached. Check the connection and try again.',
              };
        setError(e);
        if (e.code === 'passcode-invalid' || e.code === 'passcode-required') {
          setStep('passcode');
        } else {
          link.current = undefined;
          setStep('link');
        }
      });
  };

  /** Converts a C-CDA document; its resources and warnings join the review. */
  const convert = async (document: Resource): Promise<void> => {
    try {
      const converted = await convertCcda(medplum, bot, document, resolved?.patient);
      setResolved(
        (current) =>
          current && {
            ...current,
            resources: [...current.resources, ...converted.resources],
            warnings: [...current.warnings, ...converted.warnings],
          }
      );
    } catch (err) {
      throw new Error(
        err instanceof BotError
          ? err.error.message
          : 'The importer could not be reached. Check the connection and try again.',
        { cause: err }
      );
    }
  };

  const runImport = (resources: Resource[]): void => {
    if (!resolved || !choice) {
      return;
    }
    setStep('importing');
    const following =
      follow !== 'no' && sealedInput.current ? { sealed: sealedInput.current, auto: follow === 'auto' } : undefined;
    importReviewed(medplum, bot, {
      source: resolved.source,
      resources,
      patient: choice,
      ...(resolved.patient?.id && { subject: `Patient/${resolved.patient.id}` }),
      ...(following && { follow: following }),
    })
      .then((output) => {
        setResult(output);
        setStep('done');
        onImported?.(output);
      })
      .catch((err: unknown) => {
        setError(
          err instanceof BotError
            ? err.error
            : { code: 'invalid-input', message: 'The import could not be sent. Nothing was imported; try again.' }
        );
        setStep('review');
      });
  };

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
      {step === 'link' && (
        <LinkInput
          onSubmit={(shl, preview) => {
            link.current = shl;
            if (preview.flags.has('P')) {
              setError(undefined);
              setStep('passcode');
            } else {
              open();
            }
          }}
        />
      )}
      {step === 'passcode' && (
        <PasscodeStep
          onSubmit={(passcode) => open(passcode)}
          onCancel={reset}
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
          onChoose={(c) => {
            setChoice(c);
            setStep('review');
          }}
          onBack={reset}
        />
      )}
      {(step === 'review' || step === 'importing') && resolved && (
        <>
          {resolved.source.flags.includes('L') && !seen && (
            <Radio.Group
              label="This link may get new content. Keep following it?"
              value={follow}
              onChange={(value) => setFollow(value as 'no' | 'review' | 'auto')}
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
            onConvert={convert}
            onImport={runImport}
            onBack={() => setStep('patient')}
            importing={step === 'importing'}
          />
        </>
      )}
      {step === 'done' && result && <DoneStep result={result} onAnother={reset} />}
    </Stack>
  );
}
