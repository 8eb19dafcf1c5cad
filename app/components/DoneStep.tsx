/**
 * The hand-off once an import is done: how many items went into whose chart, counted by kind in
 * words ("7 items added to Maria López's chart: 2 conditions, 1 allergy…"), what was already
 * there, what was left out and why, and "Open chart". No ids: the chart is where staff look next.
 */
import { Alert, Button, Group, List, Stack, Text } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import type { ImportOutput } from '../../bots/contract';
import { countsInWords, patientName, possessive } from '../clinical-words';

/** What staff count as items: not the new patient, the Provenance, or a document's file. */
const NOT_ITEMS = new Set(['Patient', 'Provenance', 'Binary']);

export interface DoneStepProps {
  result: ImportOutput;
  /** The patient as staff chose them (for their name). */
  patient?: Patient;
  /** Where the chart is (default `/Patient/<id>`, the Provider app's and the standalone shell's chart). */
  chartHref?: (reference: string) => string;
  onAnother: () => void;
  /** The words of the button that ends the import ("Import another link", "Close"). */
  anotherLabel?: string;
}

export function DoneStep({
  result,
  patient,
  chartHref = (reference) => `/${reference}`,
  onAnother,
  anotherLabel = 'Import another link',
}: DoneStepProps): JSX.Element {
  const name = patient ? patientName(patient) : 'the patient';
  const created = result.created.filter((r) => !NOT_ITEMS.has(r.split('/')[0] ?? ''));
  const existing = result.existing.filter((r) => !NOT_ITEMS.has(r.split('/')[0] ?? ''));
  const newPatient = result.created.includes(result.patient.reference);
  const reasons = new Map<string, number>();
  for (const s of result.skipped) {
    reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  }
  return (
    <Stack>
      <Alert color="green" title={newPatient ? `New chart created for ${name}` : 'Imported'} role="status">
        <Text fw={600}>
          {created.length === 0
            ? `Nothing new was added to ${possessive(name)} chart.`
            : `${created.length.toLocaleString()} ${created.length === 1 ? 'item' : 'items'} added to ${possessive(name)} chart: ${countsInWords(created)}.`}
        </Text>
        {existing.length > 0 && (
          <Text size="sm" mt={4}>
            {existing.length.toLocaleString()} {existing.length === 1 ? 'item was' : 'items were'} already in the chart
            and {existing.length === 1 ? 'was' : 'were'} not added again ({countsInWords(existing)}).
          </Text>
        )}
      </Alert>
      {reasons.size > 0 && (
        <Stack gap={4}>
          <Text fw={600}>Not imported</Text>
          <List size="sm">
            {[...reasons].map(([reason, count]) => (
              <List.Item key={reason}>
                {count.toLocaleString()} {count === 1 ? 'item' : 'items'}: {reason}
              </List.Item>
            ))}
          </List>
        </Stack>
      )}
      {result.warnings.map((w) => (
        <Alert key={w} color="yellow">
          {w}
        </Alert>
      ))}
      <Group>
        <Button component="a" href={chartHref(result.patient.reference)}>
          Open {possessive(name)} chart
        </Button>
        <Button variant="default" onClick={onAnother}>
          {anotherLabel}
        </Button>
      </Group>
    </Stack>
  );
}
