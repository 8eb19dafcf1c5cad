/**
 * Reviewing what will be imported: resources grouped by type with readable summaries,
 * patient-shared and health-card trust marked, select all / none per group, any resource's JSON
 * viewable, resolve's warnings, and the count. Long groups are paginated, so 5,000 resources
 * stay smooth.
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Modal,
  Pagination,
  Paper,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import type { Resource } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { useMemo, useState } from 'react';
import type { ResolveOutput } from '../../bots/shl-import';
import { summarize } from '../summaries';

const PAGE_SIZE = 25;

export interface ReviewStepProps {
  resolved: ResolveOutput;
  onImport: (resources: Resource[]) => void;
  onBack: () => void;
  importing?: boolean;
}

function keyOf(r: Resource): string {
  return `${r.resourceType}/${r.id ?? ''}`;
}

export function ReviewStep({ resolved, onImport, onBack, importing }: ReviewStepProps): JSX.Element {
  const subject = resolved.patient ? keyOf(resolved.patient) : undefined;
  const candidates = useMemo(() => resolved.resources.filter((r) => r.resourceType !== 'Patient'), [resolved]);
  const groups = useMemo(() => {
    const byType = new Map<string, Resource[]>();
    for (const r of candidates) {
      byType.set(r.resourceType, [...(byType.get(r.resourceType) ?? []), r]);
    }
    return [...byType.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [candidates]);
  const trust = useMemo(() => {
    const map = new Map<string, string>();
    for (const card of resolved.healthCards as { resources?: string[]; verified: boolean; trusted: boolean }[]) {
      for (const key of card.resources ?? []) {
        map.set(
          key,
          card.trusted
            ? 'Health card: trusted issuer'
            : card.verified
              ? 'Health card: verified, issuer not on trusted list'
              : 'Health card: NOT verified'
        );
      }
    }
    return map;
  }, [resolved]);
  const [selected, setSelected] = useState<Set<string>>(() => new Set(candidates.map(keyOf)));
  const [viewing, setViewing] = useState<Resource>();

  const setGroup = (resources: Resource[], on: boolean): void => {
    setSelected((current) => {
      const next = new Set(current);
      for (const r of resources) {
        if (on) {
          next.add(keyOf(r));
        } else {
          next.delete(keyOf(r));
        }
      }
      return next;
    });
  };

  return (
    <Stack>
      {resolved.warnings.length > 0 && (
        <Alert color="yellow" title="Please note">
          {resolved.warnings.map((w) => (
            <Text key={w} size="sm">
              {w}
            </Text>
          ))}
        </Alert>
      )}
      <Text>
        Shared by the patient ({resolved.source.label ?? resolved.source.origin}). Everything here is marked
        patient-shared in the chart.
      </Text>
      {groups.map(([type, resources]) => (
        <ResourceGroup
          key={type}
          type={type}
          resources={resources}
          selected={selected}
          trust={trust}
          onToggle={(r, on) => setGroup([r], on)}
          onAll={(on) => setGroup(resources, on)}
          onView={setViewing}
        />
      ))}
      <Group>
        <Button
          loading={importing}
          onClick={() => onImport(resolved.resources.filter((r) => keyOf(r) === subject || selected.has(keyOf(r))))}
        >
          Import {selected.size} {selected.size === 1 ? 'resource' : 'resources'}
        </Button>
        <Button variant="default" onClick={onBack} disabled={importing}>
          Back
        </Button>
      </Group>
      <Modal
        opened={viewing !== undefined}
        onClose={() => setViewing(undefined)}
        title={viewing ? keyOf(viewing) : ''}
        size="xl"
      >
        <Code block>{JSON.stringify(viewing, null, 2)}</Code>
      </Modal>
    </Stack>
  );
}

interface ResourceGroupProps {
  type: string;
  resources: Resource[];
  selected: Set<string>;
  trust: Map<string, string>;
  onToggle: (resource: Resource, on: boolean) => void;
  onAll: (on: boolean) => void;
  onView: (resource: Resource) => void;
}

function ResourceGroup({ type, resources, selected, trust, onToggle, onAll, onView }: ResourceGroupProps): JSX.Element {
  const [page, setPage] = useState(1);
  const pages = Math.ceil(resources.length / PAGE_SIZE);
  const shown = resources.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const count = resources.filter((r) => selected.has(keyOf(r))).length;
  return (
    <Paper withBorder p="sm" component="section" aria-label={type}>
      <Group justify="space-between">
        <Title order={3} size="h5">
          {type} ({count} of {resources.length} selected)
        </Title>
        <Group gap="xs">
          <Button size="xs" variant="subtle" onClick={() => onAll(true)}>
            Select all
          </Button>
          <Button size="xs" variant="subtle" onClick={() => onAll(false)}>
            Select none
          </Button>
        </Group>
      </Group>
      <Stack gap={4} mt="xs">
        {shown.map((r) => {
          const { title, details } = summarize(r);
          const mark = trust.get(keyOf(r));
          return (
            <Group key={keyOf(r)} justify="space-between" wrap="nowrap">
              <Checkbox
                checked={selected.has(keyOf(r))}
                onChange={(e) => onToggle(r, e.currentTarget.checked)}
                label={
                  <Group gap="xs">
                    <Text size="sm" fw={500}>
                      {title}
                    </Text>
                    <Text size="sm" c="dimmed">
                      {details.join(' · ')}
                    </Text>
                    {mark && (
                      <Badge
                        size="xs"
                        color={mark.includes('NOT') ? 'red' : mark.includes('trusted issuer') ? 'green' : 'yellow'}
                      >
                        {mark}
                      </Badge>
                    )}
                  </Group>
                }
              />
              <Button size="xs" variant="subtle" onClick={() => onView(r)} aria-label={`Show JSON of ${title}`}>
                JSON
              </Button>
            </Group>
          );
        })}
      </Stack>
      {pages > 1 && (
        <Pagination mt="xs" size="sm" total={pages} value={page} onChange={setPage} aria-label={`${type} pages`} />
      )}
    </Paper>
  );
}
