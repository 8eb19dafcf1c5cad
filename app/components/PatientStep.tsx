/**
 * Choosing the patient: the incoming demographics beside each candidate with its grade, score
 * and the fields that differ; the patient a queued Task is for, else a single `certain` match,
 * preselected; or a new patient with the incoming demographics, editable.
 */
import { Badge, Button, Group, Paper, Radio, Stack, Table, Text, TextInput } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { useState } from 'react';
import type { PatientChoice, PatientMatch } from '../../bots/contract';

export interface PatientStepProps {
  incoming?: Patient;
  matches: PatientMatch[];
  /** The patient a queued Task is for (a followed link's): offered first and preselected. */
  known?: Patient;
  onChoose: (choice: PatientChoice) => void;
  onBack: () => void;
}

const GRADE_COLORS = { certain: 'green', probable: 'yellow', possible: 'gray' } as const;

function fields(p: Patient | undefined): Record<string, string> {
  const name = p?.name?.[0];
  return {
    Name: [name?.given?.join(' '), name?.family].filter(Boolean).join(' '),
    'Birth date': p?.birthDate ?? '',
    Phone:
      p?.telecom
        ?.filter((t) => t.system === 'phone')
        .map((t) => t.value)
        .join(', ') ?? '',
    Email:
      p?.telecom
        ?.filter((t) => t.system === 'email')
        .map((t) => t.value)
        .join(', ') ?? '',
    Address: p?.address?.[0]
      ? [p.address[0].line?.join(' '), p.address[0].city, p.address[0].postalCode].filter(Boolean).join(', ')
      : '',
  };
}

function normalize(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function PatientStep({ incoming, matches, known, onChoose, onBack }: PatientStepProps): JSX.Element {
  const certain = matches.filter((m) => m.grade === 'certain');
  const [choice, setChoice] = useState<string>(
    known?.id ?? (certain.length === 1 && certain[0]?.patient.id ? certain[0].patient.id : 'new')
  );
  const name = incoming?.name?.[0];
  const [given, setGiven] = useState(name?.given?.join(' ') ?? '');
  const [family, setFamily] = useState(name?.family ?? '');
  const [birthDate, setBirthDate] = useState(incoming?.birthDate ?? '');
  const incomingFields = fields(incoming);
  const knownOutsideMatches = known?.id && !matches.some((m) => m.patient.id === known.id) ? known : undefined;

  const confirm = (): void => {
    if (choice === 'new') {
      const { id: _id, meta: _meta, ...rest } = incoming ?? { resourceType: 'Patient' as const };
      onChoose({
        create: {
          ...rest,
          resourceType: 'Patient',
          name: [{ ...(name ?? {}), given: given.split(/\s+/).filter(Boolean), family }],
          ...(birthDate && { birthDate }),
        },
      });
    } else {
      onChoose({ reference: `Patient/${choice}` });
    }
  };

  return (
    <Stack>
      <Paper withBorder p="sm" aria-label="Incoming patient">
        <Text fw={600}>From the link</Text>
        {Object.entries(incomingFields).map(([k, v]) => (
          <Text key={k} size="sm">
            {k}: {v || '—'}
          </Text>
        ))}
      </Paper>
      <Radio.Group value={choice} onChange={setChoice} label="Whose record is this?">
        <Stack mt="xs">
          {knownOutsideMatches && <Candidate patient={knownOutsideMatches} incoming={incomingFields} known />}
          {matches.map((m) => (
            <Candidate
              key={m.patient.id}
              patient={m.patient}
              incoming={incomingFields}
              match={m}
              known={m.patient.id === known?.id}
            />
          ))}
          <Paper withBorder p="sm">
            <Radio value="new" label={<Text fw={600}>Create a new patient</Text>} />
            {choice === 'new' && (
              <Group mt="xs" grow>
                <TextInput label="Given names" value={given} onChange={(e) => setGiven(e.currentTarget.value)} />
                <TextInput label="Family name" value={family} onChange={(e) => setFamily(e.currentTarget.value)} />
                <TextInput
                  label="Birth date"
                  placeholder="YYYY-MM-DD"
                  value={birthDate}
                  onChange={(e) => setBirthDate(e.currentTarget.value)}
                />
              </Group>
            )}
          </Paper>
        </Stack>
      </Radio.Group>
      <Group>
        <Button onClick={confirm}>Continue to review</Button>
        <Button variant="default" onClick={onBack}>
          Start over
        </Button>
      </Group>
    </Stack>
  );
}

interface CandidateProps {
  patient: Patient;
  incoming: Record<string, string>;
  match?: PatientMatch;
  /** The patient the queued Task is for. */
  known?: boolean;
}

function Candidate({ patient, incoming, match, known }: CandidateProps): JSX.Element {
  const candidate = fields(patient);
  return (
    <Paper withBorder p="sm">
      <Radio
        value={patient.id ?? ''}
        label={
          <Group gap="xs">
            <Text fw={600}>{candidate.Name || 'Unnamed patient'}</Text>
            {known && <Badge color="blue">patient on the task</Badge>}
            {match && <Badge color={GRADE_COLORS[match.grade]}>{match.grade}</Badge>}
            {match && <Text size="sm">score {match.score.toFixed(2)}</Text>}
          </Group>
        }
      />
      <Table mt="xs" fz="sm" aria-label={`Differences for ${candidate.Name}`}>
        <Table.Tbody>
          {Object.entries(candidate).map(([k, v]) => {
            const differs = Boolean(v && incoming[k] && normalize(v) !== normalize(incoming[k] ?? ''));
            return (
              <Table.Tr key={k}>
                <Table.Td>{k}</Table.Td>
                <Table.Td c={differs ? 'red' : undefined} fw={differs ? 600 : undefined}>
                  {v || '—'}
                  {differs && ' (differs)'}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {match && (
        <Text size="xs" c="dimmed">
          {match.basis}
        </Text>
      )}
    </Paper>
  );
}
