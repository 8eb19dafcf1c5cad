/**
 * The import opened from a patient's page (a Provider-app chart, the standalone shell's chart):
 * the same steps in a modal, with that patient chosen and the only one offered, compared with
 * the link's details. Full screen on phones. Closing it mid-way drops what was scanned.
 */
import { Modal } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { Patient } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import type { ImportOutput } from '../bots/contract';
import type { BotRef } from './bot-client';
import { patientName } from './clinical-words';
import { ShlImportPage } from './ShlImportPage';

export interface ShlImportModalProps {
  bot: BotRef;
  /** The patient whose page opened the import. */
  patient: Patient;
  opened: boolean;
  onClose: () => void;
  /** Called once the import is done (refresh the chart). */
  onImported?: (result: ImportOutput) => void;
  recipient?: string;
}

export function ShlImportModal({
  bot,
  patient,
  opened,
  onClose,
  onImported,
  recipient,
}: ShlImportModalProps): JSX.Element {
  const phone = useMediaQuery('(max-width: 40em)');
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={`Import a health link into ${patientName(patient)}'s chart`}
      size="xl"
      fullScreen={phone}
    >
      {opened && (
        <ShlImportPage
          bot={bot}
          patient={patient}
          patientOnly
          untitled
          onClose={onClose}
          {...(onImported && { onImported })}
          {...(recipient && { recipient })}
        />
      )}
    </Modal>
  );
}
