/**
 * Choosing the patient, safely: the link's details side by side with each record that may be the
 * same person (differences highlighted, MRN shown, the grade in words, the matching rule on
 * demand), a search for a record the matcher missed, or a new patient from the link's details,
 * editable. Nothing is chosen for staff unless exactly one record is certainly the same person
 * (or the review is for a known patient): when any candidate exists, staff choose explicitly,
 * warned that a record like this one exists. Opened from a patient's page (`only`), that patient
 * is the one offered, compared with the link.
 */
import { Alert, Badge, Button, Group, Paper, Radio, Stack, Table, Text, TextInput } from '@mantine/core';
import type { Identifier, Patient } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { useState } from 'react';
import type { MatchGrade, PatientChoice, PatientMatch } from '../../bots/contract';
import { patientLine, patientName } from '../clinical-words';

export interface PatientQuery {
  name: string;
  birthdate: string;
}

export interface PatientStepProps {
  incoming?: Patient;
  matches: PatientMatch[];
  /** The patient the review is for (a queued Task's, or the page it was opened from): offered first and chosen. */
  known?: Patient;
  /** Only `known` is offered: the import was opened from that patient's page. */
  only?: boolean;
  onChoose: (choice: PatientChoice, patient: Patient) => void;
  onBack: () => void;
  /** Finds existing patients (the search box); without it there is no search. */
  search?: (query: PatientQuery) => Promise<Patient[]>;
}

export const GRADE_WORDS: Record<MatchGrade, string> = {
  certain: 'Same person',
  probable: 'Likely the same person',
  possible: 'Possibly the same person',
};
const GRADE_COLORS = { certain: 'green', probable: 'yellow', possible: 'gray' } as const;
const NEW = 'new';

/** The fields compared, in the order shown. */
const FIELDS = ['Name', 'Birth date', 'Sex', 'Phone', 'Email', 'Address', 'MRN'] as const;
type Field = (typeof FIELDS)[number];
/** Medical record numbers are each organization's own: another one is no difference. */
const NOT_COMPARED = new Set<Field>(['MRN']);

function mrn(identifiers: Identifier[] | undefined): string {
  const found = identifiers?.filter(
    (i) =>
      i.type?.coding?.some((c) => c.code === 'MR') ||
      /mrn|medical-record/i.test(`${i.system ?? ''} ${i.type?.text ?? ''}`)
  );
  return found?.map((i) => i.value ?? '').join(', ') ?? '';
}

function fields(p: Patient | undefined): Record<Field, string> {
  const telecom = (system: string): string =>
    p?.telecom
      ?.filter((t) => t.system === system)
      .map((t) => t.value)
      .join(', ') ?? '';
  const address = p?.address?.[0];
  return {
    Name: p?.name?.[0] ? patientName(p) : '',
    'Birth date': p?.birthDate ?? '',
    Sex: p?.gender ?? '',
    Phone: telecom('phone'),
    Email: telecom('email'),
    Address: address ? [address.line?.join(' '), address.city, address.postalCode].filter(Boolean).join(', ') : '',
    MRN: mrn(p?.identifier),
  };
}

function normalize(field: Field, value: string): string {
  const plain = value
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z0-9]/g, '');
  // Phone numbers: the last ten digits, whatever the country prefix and punctuation.
  return field === 'Phone' ? plain.replace(/\D/g, '').slice(-10) : plain;
}

export function PatientStep({
  incoming,
  matches,
  known,
  only,
  onChoose,
  onBack,
  search,
}: PatientStepProps): JSX.Element {
  const certain = matches.filter((m) => m.grade === 'certain');
  const [choice, setChoice] = useState<string | undefined>(
    known?.id ?? (certain.length === 1 ? certain[0]?.patient.id : undefined)
  );
  const [found, setFound] = useState<Patient[]>([]);
  const name = incoming?.name?.[0];
  const [given, setGiven] = useState(name?.given?.join(' ') ?? '');
  const [family, setFamily] = useState(name?.family ?? '');
  const [birthDate, setBirthDate] = useState(incoming?.birthDate ?? '');
  const incomingFields = fields(incoming);

  const listed = new Set(matches.map((m) => m.patient.id));
  const knownOutsideMatches = known?.id && !listed.has(known.id) ? known : undefined;
  const extra = [...(knownOutsideMatches ? [knownOutsideMatches] : [])];
  const candidates: { patient: Patient; match?: PatientMatch }[] = [
    ...extra.map((patient) => ({ patient })),
    ...(only ? matches.filter((m) => m.patient.id === known?.id) : matches).map((match) => ({
      patient: match.patient,
      match,
    })),
    ...found.filter((p) => !listed.has(p.id) && p.id !== known?.id).map((patient) => ({ patient })),
  ];
  const similar = matches.length > 0;

  const confirm = (): void => {
    if (choice === NEW) {
      const { id: _id, meta: _meta, ...rest } = incoming ?? { resourceType: 'Patient' as const };
      const create: Patient = {
        ...rest,
        resourceType: 'Patient',
        name: [{ ...(name ?? {}), given: given.split(/\s+/).filter(Boolean), family }],
        ...(birthDate && { birthDate }),
      };
      onChoose({ create }, create);
      return;
    }
    const patient = candidates.find((c) => c.patient.id === choice)?.patient;
    if (patient?.id) {
      onChoose({ reference: `Patient/${patient.id}` }, patient);
    }
  };

  const onlyUnmatched = only && known && !matches.some((m) => m.patient.id === known.id && m.grade !== 'possible');
  return (
    <Stack>
      {similar && !only && (choice === undefined || choice === NEW) && (
        <Alert color="yellow" title="A record like this one may already exist" role="status">
          {matches.length === 1 ? 'One existing patient resembles' : `${matches.length} existing patients resemble`}{' '}
          {patientLine(incoming)}. Compare the details below and choose the right record. Create a new patient only if
          this is a different person: otherwise the chart is duplicated.
        </Alert>
      )}
      {onlyUnmatched && (
        <Alert color="orange" title="Check that this is the right patient" role="status">
          The link is for {patientLine(incoming)}, whose details differ from this chart. Compare them before importing.
        </Alert>
      )}
      <Radio.Group
        value={choice ?? null}
        onChange={setChoice}
        label={only ? 'The chart this import goes into' : 'Whose chart should this go into?'}
      >
        <Stack mt="xs">
          {candidates.map((c) => (
            <Candidate
              key={c.patient.id}
              patient={c.patient}
              incoming={incomingFields}
              {...(c.match && { match: c.match })}
              known={c.patient.id === known?.id}
            />
          ))}
          {!only && (
            <Paper withBorder p="sm">
              <Radio value={NEW} label={<Text fw={600}>Create a new patient from the link&apos;s details</Text>} />
              {choice === NEW && (
                <Stack mt="xs" gap="xs">
                  {similar && (
                    <Text size="sm" c="orange">
                      A similar record exists: make sure this is a different person.
                    </Text>
                  )}
                  <Group grow wrap="wrap">
                    <TextInput label="Given names" value={given} onChange={(e) => setGiven(e.currentTarget.value)} />
                    <TextInput label="Family name" value={family} onChange={(e) => setFamily(e.currentTarget.value)} />
                    <TextInput
                      label="Birth date"
                      placeholder="YYYY-MM-DD"
                      value={birthDate}
                      onChange={(e) => setBirthDate(e.currentTarget.value)}
                    />
                  </Group>
                </Stack>
              )}
            </Paper>
          )}
        </Stack>
      </Radio.Group>
      {search && !only && <PatientSearch search={search} incoming={incoming} onFound={setFound} />}
      <Group>
        <Button onClick={confirm} disabled={choice === undefined}>
          Continue to review
        </Button>
        <Button variant="default" onClick={onBack}>
          Start again
        </Button>
      </Group>
      {choice === undefined && (
        <Text size="sm" c="dimmed">
          Choose a patient above to continue.
        </Text>
      )}
    </Stack>
  );
}

interface CandidateProps {
  patient: Patient;
  incoming: Record<Field, string>;
  match?: PatientMatch;
  /** The patient the review is for. */
  known?: boolean;
}

/** One record beside the link's details: differences highlighted, the grade in words, the rule on demand. */
function Candidate({ patient, incoming, match, known }: CandidateProps): JSX.Element {
  const [why, setWhy] = useState(false);
  const record = fields(patient);
  const name = record.Name || 'Unnamed patient';
  return (
    <Paper withBorder p="sm">
      <Radio
        value={patient.id ?? ''}
        label={
          <Group gap="xs">
            <Text fw={600}>{name}</Text>
            {known && <Badge color="blue">Patient this is for</Badge>}
            {match && <Badge color={GRADE_COLORS[match.grade]}>{GRADE_WORDS[match.grade]}</Badge>}
          </Group>
        }
      />
      <Table mt="xs" fz="sm" layout="fixed" aria-label={`${name} beside the link`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w="22%" />
            <Table.Th>This record</Table.Th>
            <Table.Th>From the link</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {FIELDS.filter((f) => record[f] || incoming[f]).map((f) => {
            const mine = record[f];
            const theirs = incoming[f];
            const differs =
              !NOT_COMPARED.has(f) && Boolean(mine && theirs) && normalize(f, mine) !== normalize(f, theirs);
            return (
              <Table.Tr key={f} bg={differs ? 'var(--mantine-color-yellow-light)' : undefined}>
                <Table.Td>{f}</Table.Td>
                <Table.Td fw={differs ? 600 : undefined} style={{ overflowWrap: 'anywhere' }}>
                  {mine || '—'}
                </Table.Td>
                <Table.Td fw={differs ? 600 : undefined} style={{ overflowWrap: 'anywhere' }}>
                  {theirs || '—'}
                  {differs && (
                    <Text span size="xs" c="orange.9" fw={700}>
                      {' '}
                      (differs)
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {match && (
        <>
          <Button size="compact-xs" variant="subtle" onClick={() => setWhy((on) => !on)} aria-expanded={why} mt={4}>
            {why ? 'Hide why' : 'Why?'}
          </Button>
          {why && (
            <Text size="xs" c="dimmed">
              Matching rule: {match.basis}
              {match.server?.grade && ` · The server's own match: ${match.server.grade}`}
            </Text>
          )}
        </>
      )}
    </Paper>
  );
}

/** A search for a record the matcher missed, by name and birth date. */
function PatientSearch({
  search,
  incoming,
  onFound,
}: {
  search: (query: PatientQuery) => Promise<Patient[]>;
  incoming?: Patient;
  onFound: (patients: Patient[]) => void;
}): JSX.Element {
  const [query, setQuery] = useState<PatientQuery>({
    name: incoming?.name?.[0]?.family ?? '',
    birthdate: '',
  });
  const [outcome, setOutcome] = useState<string>();
  const [searching, setSearching] = useState(false);
  return (
    <form
      role="search"
      aria-label="Find a patient"
      onSubmit={(e) => {
        e.preventDefault();
        if (!query.name.trim() && !query.birthdate.trim()) {
          setOutcome('Type a name or a birth date to search.');
          return;
        }
        setSearching(true);
        search({ name: query.name.trim(), birthdate: query.birthdate.trim() })
          .then((patients) => {
            onFound(patients);
            setOutcome(
              patients.length === 0
                ? 'No patient found. Check the spelling, or search by birth date only.'
                : `${patients.length} ${patients.length === 1 ? 'patient' : 'patients'} found: listed above to compare and choose.`
            );
          })
          .catch(() => setOutcome('The search did not work. Try again, or check your access to patients.'))
          .finally(() => setSearching(false));
      }}
    >
      <Paper withBorder p="sm">
        <Text fw={600} size="sm">
          Not listed? Find the patient
        </Text>
        <Group align="end" mt="xs" wrap="wrap">
          <TextInput
            label="Name"
            value={query.name}
            onChange={(e) => {
              const name = e.currentTarget.value;
              setQuery((q) => ({ ...q, name }));
            }}
          />
          <TextInput
            label="Birth date"
            placeholder="YYYY-MM-DD"
            value={query.birthdate}
            onChange={(e) => {
              const birthdate = e.currentTarget.value;
              setQuery((q) => ({ ...q, birthdate }));
            }}
          />
          <Button type="submit" variant="default" loading={searching}>
            Search
          </Button>
        </Group>
        {outcome && (
          <Text size="sm" mt="xs" role="status">
            {outcome}
          </Text>
        )}
      </Paper>
    </form>
  );
}
