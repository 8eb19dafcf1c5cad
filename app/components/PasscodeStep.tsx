/**
 * Asks for the passcode of a `P` link, its field focused; shows the attempts left after a wrong
 * one. Never retries by itself.
 */
import { Alert, Button, Group, PasswordInput, Stack } from '@mantine/core';
import type { JSX } from 'react';
import { useState } from 'react';

export interface PasscodeStepProps {
  onSubmit: (passcode: string) => void;
  onCancel: () => void;
  /** After a wrong passcode: what the sender said. */
  error?: { message: string; remainingAttempts?: number };
  /** The submit button's words. */
  submitLabel?: string;
  /** Who chose the passcode, in the reader's words. */
  description?: string;
  /** Who reads the screen: staff (the default), or the patient at a kiosk. */
  audience?: 'staff' | 'patient';
}

export function PasscodeStep({
  onSubmit,
  onCancel,
  error,
  submitLabel = 'Open link',
  description = 'The patient chose this passcode when sharing the link.',
  audience = 'staff',
}: PasscodeStepProps): JSX.Element {
  const [passcode, setPasscode] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (passcode) {
          onSubmit(passcode);
        }
      }}
    >
      <Stack>
        {error && (
          <Alert color="red" role="alert" title="The passcode was not accepted">
            {error.remainingAttempts !== undefined
              ? `${error.remainingAttempts} ${error.remainingAttempts === 1 ? 'try' : 'tries'} left before the link is disabled. ${audience === 'staff' ? 'Check the passcode with the patient.' : 'Check your passcode and type it again.'}`
              : audience === 'staff'
                ? error.message
                : 'Check your passcode and type it again.'}
          </Alert>
        )}
        <PasswordInput
          label="Passcode"
          description={description}
          value={passcode}
          onChange={(e) => {
            setPasscode(e.currentTarget.value);
          }}
          data-autofocus
          autoFocus
          autoComplete="off"
        />
        <Group>
          <Button type="submit" disabled={!passcode}>
            {submitLabel}
          </Button>
          <Button variant="default" onClick={onCancel}>
            Start again
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
