/**
 * The bot refused to create a new patient because the link's person is already on file (its
 * `existingPatient`): said in staff words with that patient's name and birth date, and the two
 * ways on. "Use that patient" imports into the existing chart; "This is a different person" asks
 * once more before creating a separate record (twins can share most of a record).
 */
import { Alert, Button, Group, Loader, Stack, Text } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import { useResource } from '@medplum/react-hooks';
import type { JSX } from 'react';
import { useState } from 'react';
import { patientName } from '../clinical-words';

export interface ExistingPatientNoticeProps {
  /** `Patient/<id>` the bot named. */
  reference: string;
  onUseExisting: (patient: Patient) => void;
  onConfirmNew: () => void;
}

/** "Maria López (born 1979-08-21)". */
export function patientWithBirth(patient: Patient): string {
  return patient.birthDate ? `${patientName(patient)} (born ${patient.birthDate})` : patientName(patient);
}

export function ExistingPatientNotice({
  reference,
  onUseExisting,
  onConfirmNew,
}: ExistingPatientNoticeProps): JSX.Element {
  const patient = useResource<Patient>({ reference });
  const [confirming, setConfirming] = useState(false);
  if (!patient) {
    return (
      <Alert color="yellow" role="alert" title="This person may already be on file">
        <Loader size="xs" />
      </Alert>
    );
  }
  const who = patientWithBirth(patient);
  return (
    <Alert color="yellow" role="alert" title={`${who} is already on file`}>
      <Stack gap="xs">
        <Text size="sm">
          Most of what this link holds is already in {who}&apos;s chart, so no new patient record was created. Nothing
          was imported yet.
        </Text>
        {confirming ? (
          <>
            <Text size="sm" fw={600}>
              Create a separate record for a different person with the same details? Do this only after checking their
              identity (twins, for example, can share most of a record).
            </Text>
            <Group>
              <Button color="red" onClick={onConfirmNew}>
                Yes, create a new patient record
              </Button>
              <Button variant="default" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
            </Group>
          </>
        ) : (
          <Group>
            <Button onClick={() => onUseExisting(patient)}>Use that patient</Button>
            <Button variant="default" onClick={() => setConfirming(true)}>
              This is a different person
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}
