/**
 * Kiosk check-in for patients, in their words: scan your code (a health link or a health card's
 * QR code), type your passcode if it has one, and you are checked in. The data is imported
 * unattended only when the project allows it and one existing record is a certain match;
 * otherwise staff get a Task. Every screen says what to do next and has a button to start again;
 * the screen shows no health data and no sender address, and clears itself for the next person.
 */
import { Alert, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useMedplum } from '@medplum/react-hooks';
import type { JSX } from 'react';
import { useEffect, useRef, useState } from 'react';
import type { SealedInput } from '../bots/contract';
import type { BotRef } from './bot-client';
import { BotError, checkInLink } from './bot-client';
import { LinkInput } from './components/LinkInput';
import { PasscodeStep } from './components/PasscodeStep';
import { patientErrorText } from './error-messages';

type Screen = 'scan' | 'passcode' | 'sending' | 'thanks' | 'error';

/** The next person gets a fresh screen this long after a check-in, or after a failure. */
export const CLEAR_AFTER_S = { thanks: 8, error: 20 } as const;

export function KioskPage({ bot }: { bot: BotRef }): JSX.Element {
  const medplum = useMedplum();
  const [screen, setScreen] = useState<Screen>('scan');
  const [message, setMessage] = useState('');
  const [passcodeError, setPasscodeError] = useState<{ message: string; remainingAttempts?: number }>();
  const [left, setLeft] = useState(0);
  /** What the patient scanned, until it is sent (and for "Try again" after a failure). */
  const scanned = useRef<{ input: SealedInput; needsPasscode: boolean } | undefined>(undefined);
  /** Each send's number: the answer to one the patient walked away from is ignored. */
  const attempt = useRef(0);

  const startAgain = (): void => {
    attempt.current++;
    scanned.current = undefined;
    setPasscodeError(undefined);
    setScreen('scan');
  };

  useEffect(() => {
    if (screen !== 'thanks' && screen !== 'error') {
      return undefined;
    }
    const clearAt = Date.now() + CLEAR_AFTER_S[screen] * 1000;
    setLeft(CLEAR_AFTER_S[screen]);
    const timer = setInterval(() => {
      const seconds = Math.ceil((clearAt - Date.now()) / 1000);
      if (seconds <= 0) {
        startAgain();
      } else {
        setLeft(seconds);
      }
    }, 250);
    return () => clearInterval(timer);
  }, [screen]);

  const send = (passcode?: string): void => {
    const input = scanned.current?.input;
    if (!input) {
      return;
    }
    const mine = ++attempt.current;
    setScreen('sending');
    checkInLink(medplum, bot, 'shl' in input && passcode ? { ...input, passcode } : input)
      .then((result) => {
        if (mine !== attempt.current) {
          return;
        }
        scanned.current = undefined;
        setPasscodeError(undefined);
        setMessage(
          result.status === 'imported'
            ? 'Thank you, you are checked in. Your health information was added to your record. Please take a seat.'
            : 'Thank you, you are checked in. Please take a seat: a staff member will go over your health information with you.'
        );
        setScreen('thanks');
      })
      .catch((err: unknown) => {
        if (mine !== attempt.current) {
          return;
        }
        if (err instanceof BotError && err.error.code === 'passcode-invalid') {
          setPasscodeError(err.error);
          setScreen('passcode');
          return;
        }
        setMessage(patientErrorText(err));
        setScreen('error');
      });
  };

  return (
    <Stack maw={640} mx="auto" p="md">
      <Title order={1} size="h2">
        Check in with your health link
      </Title>
      {screen === 'scan' && (
        <LinkInput
          audience="patient"
          onSubmit={(shl, preview) => {
            scanned.current = { input: { shl }, needsPasscode: preview.flags.has('P') };
            if (preview.flags.has('P')) {
              setScreen('passcode');
            } else {
              send();
            }
          }}
          onSubmitCard={(codes) => {
            scanned.current = { input: { shc: codes }, needsPasscode: false };
            send();
          }}
        />
      )}
      {screen === 'passcode' && (
        <PasscodeStep
          onSubmit={send}
          onCancel={startAgain}
          {...(passcodeError && { error: passcodeError })}
          submitLabel="Check in"
          description="Type the passcode you chose when you shared your information."
          audience="patient"
        />
      )}
      {screen === 'sending' && (
        <Stack role="status" gap="sm">
          <Group gap="sm">
            <Loader size="sm" />
            <Text size="lg">Sending your information. This takes a few seconds: please wait.</Text>
          </Group>
          <Button variant="default" w="fit-content" onClick={startAgain}>
            Start again
          </Button>
        </Stack>
      )}
      {(screen === 'thanks' || screen === 'error') && (
        <Stack gap="sm">
          <Alert color={screen === 'thanks' ? 'green' : 'red'} role="status">
            <Text size="lg">{message}</Text>
          </Alert>
          <Group>
            {screen === 'error' && scanned.current && (
              <Button
                onClick={() => {
                  if (scanned.current?.needsPasscode) {
                    setScreen('passcode');
                  } else {
                    send();
                  }
                }}
              >
                Try again
              </Button>
            )}
            <Button variant={screen === 'error' ? 'default' : 'filled'} onClick={startAgain}>
              {screen === 'thanks' ? 'Done' : 'Start again'}
            </Button>
          </Group>
          <Text size="sm" c="dimmed">
            This screen clears in {left} s for the next person.
          </Text>
        </Stack>
      )}
    </Stack>
  );
}
