/**
 * Kiosk check-in for patients: scan or paste your link (and passcode). The data is imported
 * unattended only when the project allows it and one existing record is a certain match;
 * otherwise staff get a Task. The screen shows no health data, and resets for the next person.
 */
import { Alert, Stack, Text, Title } from '@mantine/core';
import { useMedplum } from '@medplum/react-hooks';
import type { JSX } from 'react';
import { useEffect, useRef, useState } from 'react';
import type { BotRef } from './bot-client';
import { BotError, checkInLink } from './bot-client';
import { LinkInput } from './components/LinkInput';
import { PasscodeStep } from './components/PasscodeStep';
import { errorText } from './error-messages';

type State = 'link' | 'passcode' | 'sending' | 'thanks' | 'error';

/** The next person gets a fresh screen after this long. */
const RESET_AFTER_MS = 15_000;

export function KioskPage({ bot }: { bot: BotRef }): JSX.Element {
  const medplum = useMedplum();
  const [state, setState] = useState<State>('link');
  const [message, setMessage] = useState('');
  const [passcodeError, setPasscodeError] = useState<{ message: string; remainingAttempts?: number }>();
  const link = useRef<string | undefined>(undefined);

  const reset = (): void => {
    link.current = undefined;
    setPasscodeError(undefined);
    setState('link');
  };

  useEffect(() => {
    if (state !== 'thanks' && state !== 'error') {
      return undefined;
    }
    const timer = setTimeout(reset, RESET_AFTER_MS);
    return () => clearTimeout(timer);
  }, [state]);

  const send = (code?: string): void => {
    const shl = link.current;
    if (!shl) {
      return;
    }
    setState('sending');
    checkInLink(medplum, bot, { shl, ...(code && { passcode: code }) })
      .then((result) => {
        link.current = undefined;
        setPasscodeError(undefined);
        setMessage(
          result.status === 'imported'
            ? 'Thank you. Your health information was added to your record.'
            : 'Thank you. A staff member will review your health information with you.'
        );
        setState('thanks');
      })
      .catch((err: unknown) => {
        if (err instanceof BotError && err.error.code === 'passcode-invalid') {
          setPasscodeError(err.error);
          setState('passcode');
          return;
        }
        setMessage(errorText(err));
        setState('error');
      });
  };

  return (
    <Stack maw={640} mx="auto" p="md">
      <Title order={1} size="h2">
        Check in with your SMART Health Link
      </Title>
      {state === 'link' && (
        <LinkInput
          onSubmit={(shl, preview) => {
            link.current = shl;
            if (preview.flags.has('P')) {
              setState('passcode');
            } else {
              send();
            }
          }}
        />
      )}
      {state === 'passcode' && (
        <PasscodeStep
          onSubmit={send}
          onCancel={reset}
          {...(passcodeError && { error: passcodeError })}
          submitLabel="Check in"
          description="The passcode you chose when you shared your link."
        />
      )}
      {state === 'sending' && <Text role="status">Sending your information…</Text>}
      {(state === 'thanks' || state === 'error') && (
        <Alert color={state === 'thanks' ? 'green' : 'red'} role="status">
          {message}
        </Alert>
      )}
    </Stack>
  );
}
