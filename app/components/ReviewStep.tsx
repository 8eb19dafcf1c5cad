/**
 * Reviewing what will be imported: resources grouped by type with readable summaries,
 * patient-shared and health-card trust marked, select all / none per group, any resource's JSON
 * viewable, resolve's warnings, and the count. Long groups are paginated, so 5,000 resources
 * stay smooth. For a followed link, what is new or changed since staff last saw it is marked and
 * listed first; the rest is already in the chart and is not duplicated. A C-CDA document can be
 * converted on request: its resources join the review, selected and marked as converted.
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
import { getReferenceString } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { isCcdaDocument } from '../../bots/ccda/document';
import type { HealthCardResult, ResolveOutput } from '../../bots/contract';
import { CONVERTED_FROM_CCDA } from '../../bots/fhir/systems';
import { compareFingerprints } from '../../bots/import/tasks';
import { summarize } from '../summaries';

const PAGE_SIZE = 25;

export interface ReviewStepProps {
  resolved: ResolveOutput;
  /** Fingerprints of the content staff saw before (a followed link's). */
  seen?: readonly string[];
  onImport: (resources: Resource[]) => void;
  onBack: () => void;
  importing?: boolean;
  /** Converts a C-CDA document; its resources are added to `resolved` by the caller. */
  onConvert?: (document: Resource) => Promise<void>;
}

type Conversion = { state: 'converting' } | { state: 'converted' } | { state: 'failed'; message: string };

interface TrustMark {
  text: string;
  color: 'green' | 'yellow' | 'red';
}

/** A health card's trust, from its status and the project's trusted issuers. */
function trustMark(card: HealthCardResult): TrustMark {
  if (card.status === 'expired') {
    return { text: 'Health card: signature verified, but expired', color: 'yellow' };
  }
  if (card.status !== 'verified') {
    return { text: 'Health card: NOT verified', color: 'red' };
  }
  return card.trusted
    ? { text: 'Health card: trusted issuer', color: 'green' }
    : { text: 'Health card: verified, issuer not on trusted list', color: 'yellow' };
}

function isConverted(r: Resource): boolean {
  return (
    r.meta?.tag?.some((t) => t.system === CONVERTED_FROM_CCDA.system && t.code === CONVERTED_FROM_CCDA.code) ?? false
  );
}

function keyOf(r: Resource): string {
  return getReferenceString(r) ?? r.resourceType;
}

export function ReviewStep({ resolved, seen, onImport, onBack, importing, onConvert }: ReviewStepProps): JSX.Element {
  const subject = resolved.patient ? keyOf(resolved.patient) : undefined;
  const candidates = useMemo(() => resolved.resources.filter((r) => r.resourceType !== 'Patient'), [resolved]);
  const changes = useMemo(
    () => (seen ? compareFingerprints(resolved.resources, new Set(seen)) : undefined),
    [resolved, seen]
  );
  const groups = useMemo(() => {
    const byType = new Map<string, Resource[]>();
    // New or changed first, so a long link's changes are on the first page of each group.
    const ordered = changes
      ? [...candidates.filter(changes.isNew), ...candidates.filter((r) => !changes.isNew(r))]
      : candidates;
    for (const r of ordered) {
      const group = byType.get(r.resourceType);
      if (group) {
        group.push(r);
      } else {
        byType.set(r.resourceType, [r]);
      }
    }
    return [...byType.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [candidates, changes]);
  const trust = useMemo(() => {
    const map = new Map<string, TrustMark>();
    for (const card of resolved.healthCards) {
      for (const key of card.resources ?? []) {
        map.set(key, trustMark(card));
      }
    }
    return map;
  }, [resolved]);
  const [selected, setSelected] = useState<Set<string>>(() => new Set(candidates.map(keyOf)));
  const [viewing, setViewing] = useState<Resource>();
  const ccdaDocuments = useMemo(() => new Set(candidates.filter(isCcdaDocument).map(keyOf)), [candidates]);
  const [conversions, setConversions] = useState<Map<string, Conversion>>(new Map());

  // Resources added later (converted from a C-CDA) start selected, like the rest.
  const offered = useRef(new Set(candidates.map(keyOf)));
  useEffect(() => {
    const added = candidates.map(keyOf).filter((k) => !offered.current.has(k));
    if (added.length > 0) {
      added.forEach((k) => offered.current.add(k));
      setSelected((current) => new Set([...current, ...added]));
    }
  }, [candidates]);

  const convert = (document: Resource): void => {
    if (!onConvert) {
      return;
    }
    const key = keyOf(document);
    const set = (c: Conversion): void => setConversions((current) => new Map(current).set(key, c));
    set({ state: 'converting' });
    onConvert(document)
      .then(() => set({ state: 'converted' }))
      .catch((err: unknown) => set({ state: 'failed', message: err instanceof Error ? err.message : String(err) }));
  };

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
      {changes && (
        <Alert color="blue" title="Since this link was last reviewed">
          <Text size="sm">
            {changes.added} new or changed, {changes.removed} no longer shared. Unchanged items are already in the
            chart: importing them again does not duplicate them.
          </Text>
        </Alert>
      )}
      {groups.map(([type, resources]) => (
        <ResourceGroup
          key={type}
          type={type}
          resources={resources}
          selected={selected}
          trust={trust}
          {...(changes && { isNew: changes.isNew })}
          {...(onConvert && { ccdaDocuments, conversions, onConvert: convert })}
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
  trust: Map<string, TrustMark>;
  /** Set for a followed link: whether a resource is new or changed since staff last saw it. */
  isNew?: (resource: Resource) => boolean;
  /** C-CDA documents that can be converted, with each conversion's state. */
  ccdaDocuments?: Set<string>;
  conversions?: Map<string, Conversion>;
  onConvert?: (document: Resource) => void;
  onToggle: (resource: Resource, on: boolean) => void;
  onAll: (on: boolean) => void;
  onView: (resource: Resource) => void;
}

function ResourceGroup({
  type,
  resources,
  selected,
  trust,
  isNew,
  ccdaDocuments,
  conversions,
  onConvert,
  onToggle,
  onAll,
  onView,
}: ResourceGroupProps): JSX.Element {
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
          const conversion = conversions?.get(keyOf(r));
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
                    {isNew &&
                      (isNew(r) ? (
                        <Badge size="xs" color="blue">
                          New or changed
                        </Badge>
                      ) : (
                        <Badge size="xs" color="gray" variant="light">
                          Unchanged
                        </Badge>
                      ))}
                    {isConverted(r) && (
                      <Badge size="xs" color="grape" variant="light">
                        Converted from C-CDA
                      </Badge>
                    )}
                    {conversion?.state === 'failed' && (
                      <Text size="xs" c="red" role="alert">
                        {conversion.message}
                      </Text>
                    )}
                    {mark && (
                      <Badge size="xs" color={mark.color}>
                        {mark.text}
                      </Badge>
                    )}
                  </Group>
                }
              />
              <Group gap="xs" wrap="nowrap">
                {onConvert && ccdaDocuments?.has(keyOf(r)) && (
                  <ConvertButton conversion={conversion} onClick={() => onConvert(r)} title={title} />
                )}
                <Button size="xs" variant="subtle" onClick={() => onView(r)} aria-label={`Show JSON of ${title}`}>
                  JSON
                </Button>
              </Group>
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

function ConvertButton({
  conversion,
  onClick,
  title,
}: {
  conversion: Conversion | undefined;
  onClick: () => void;
  title: string;
}): JSX.Element {
  return (
    <Button
      size="xs"
      variant="light"
      loading={conversion?.state === 'converting'}
      disabled={conversion?.state === 'converted'}
      onClick={onClick}
      aria-label={`Convert ${title} to resources for review`}
    >
      {conversion?.state === 'converted' ? 'Converted' : 'Convert C-CDA'}
    </Button>
  );
}
