/**
 * The standalone shell's minimal chart (`/Patient/<id>`), where the import's "Open chart" leads
 * as it does in the Provider app: the patient's name, birth date and MRN, what their chart holds
 * by kind in plain words, and "Import a health link", which opens the import for this patient.
 */
import { Alert, Button, Group, List, Paper, Stack, Text, Title } from '@mantine/core';
import type { Patient, Resource, ResourceType } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react-hooks';
import type { JSX } from 'react';
import { useCallback, useEffect, useState } from 'react';
import type { BotRef } from '../bot-client';
import { CHART_ORDER, groupTitle, patientLine } from '../clinical-words';
import { ShlImportModal } from '../ShlImportModal';
import { summarize } from '../summaries';

/** What the chart lists, in this order; each searched by `patient`. */
const CHART_TYPES: ResourceType[] = [...CHART_ORDER, 'Coverage'];
/** Items listed per kind; the rest are counted. */
const SHOWN = 50;

export function ChartPage({ bot, id }: { bot: BotRef; id: string }): JSX.Element {
  const medplum = useMedplum();
  const [patient, setPatient] = useState<Patient>();
  const [failed, setFailed] = useState(false);
  const [chart, setChart] = useState<[ResourceType, Resource[], number][]>([]);
  const [importing, setImporting] = useState(false);

  const load = useCallback(async (): Promise<void> => {
    try {
      setPatient(await medplum.readResource('Patient', id, { cache: 'no-cache' }));
    } catch {
      setFailed(true);
      return;
    }
    const lists = await Promise.all(
      CHART_TYPES.map(async (type): Promise<[ResourceType, Resource[], number]> => {
        const found = await medplum
          .searchResources(
            type,
            { patient: `Patient/${id}`, _count: String(SHOWN), _total: 'accurate' },
            { cache: 'no-cache' }
          )
          .catch(() => undefined);
        return [type, found ? [...found] : [], found?.bundle.total ?? found?.length ?? 0];
      })
    );
    setChart(lists.filter(([, , total]) => total > 0));
  }, [medplum, id]);

  useEffect(() => {
    void load();
  }, [load]);

  if (failed) {
    return (
      <Alert color="red" m="md" title="This chart could not be opened">
        The patient does not exist, or you may not see them.
      </Alert>
    );
  }
  const mrn = patient?.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR'))?.value;
  return (
    <Stack maw={960} mx="auto" p="md">
      <Group justify="space-between" align="start">
        <Stack gap={2}>
          <Title order={1} size="h2">
            {patient ? patientLine(patient) : 'Loading the chart…'}
          </Title>
          {mrn && <Text size="sm">MRN {mrn}</Text>}
        </Stack>
        {patient && <Button onClick={() => setImporting(true)}>Import a health link</Button>}
      </Group>
      {patient && chart.length === 0 && <Text>Nothing in this chart yet.</Text>}
      {chart.map(([type, list, total]) => (
        <Paper key={type} withBorder p="sm" component="section" aria-label={groupTitle(type)}>
          <Title order={2} size="h5">
            {groupTitle(type)} ({total.toLocaleString()})
          </Title>
          <List size="sm" mt="xs">
            {list.map((r) => {
              const { title, details } = summarize(r);
              return (
                <List.Item key={r.id}>
                  {title}
                  {details.length > 0 && <Text span size="sm" c="dimmed">{` · ${details.join(' · ')}`}</Text>}
                </List.Item>
              );
            })}
          </List>
          {total > list.length && (
            <Text size="sm" c="dimmed" mt={4}>
              and {(total - list.length).toLocaleString()} more
            </Text>
          )}
        </Paper>
      ))}
      {patient && (
        <ShlImportModal
          bot={bot}
          patient={patient}
          opened={importing}
          onClose={() => setImporting(false)}
          onImported={() => void load()}
        />
      )}
    </Stack>
  );
}
