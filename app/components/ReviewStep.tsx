/**
 * Reviewing what will be imported, in clinical words: whose chart it goes into at the top; the
 * items grouped under plain titles (allergies, conditions, medications, vaccinations, results…),
 * each with its code's display, date (and time), value, status in words and author; health cards
 * marked with their issuer and trust; select all or none per group with one checkbox; each
 * item's JSON only on demand, so the keyboard path stays short. Long groups are paginated, so
 * 5,000 items stay smooth. For a followed link, what is new or changed since staff last saw it
 * comes first (its groups first, and first within them); the rest is already in the chart and is
 * not duplicated. A C-CDA document can be converted on request: its resources join the review,
 * selected and marked as converted. Shared items (clinicians, organizations…) already on file by
 * a registry identifier such as an NPI (resolve's `onFile`) are said to be linked, not duplicated.
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
  Switch,
  Text,
  Title,
} from '@mantine/core';
import { getReferenceString } from '@medplum/core';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { CodeableConceptDisplay } from '@medplum/react';
import type { JSX } from 'react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { isCcdaDocument } from '../../bots/ccda/document';
import type { HealthCardResult, ResolveOutput } from '../../bots/contract';
import { CONVERTED_FROM_CCDA, REGISTRY_SYSTEMS } from '../../bots/fhir/systems';
import { compareFingerprints } from '../../bots/import/tasks';
import { SHC_LABEL } from '../../bots/shl/shc';
import { CHART_ORDER, countOf, groupTitle, patientLine } from '../clinical-words';
import { convertErrorText } from '../error-messages';
import { summarize } from '../summaries';

const PAGE_SIZE = 25;

export interface ReviewStepProps {
  resolved: ResolveOutput;
  /** Fingerprints of the content staff saw before (a followed link's). */
  seen?: readonly string[];
  /** Whose chart the items go into, as staff chose it. */
  into?: { patient: Patient; isNew: boolean };
  onImport: (resources: Resource[]) => void;
  onBack: () => void;
  importing?: boolean;
  /** Converts a C-CDA document; its resources are added to `resolved` by the caller. Rejects with a BotError. */
  onConvert?: (document: Resource) => Promise<void>;
}

/** `system|value` as staff read it: "NPI 1234567893". */
export function identifierWords(token: string): string {
  const bar = token.lastIndexOf('|');
  const system = token.slice(0, Math.max(0, bar));
  const value = token.slice(bar + 1);
  return `${REGISTRY_SYSTEMS[system] ?? 'identifier'} ${value}`;
}

type Conversion = { state: 'converting' } | { state: 'converted' } | { state: 'failed'; message: string };

interface TrustMark {
  text: string;
  color: 'green' | 'yellow' | 'red';
}

/** Who issued a card: the name the trusted-issuer directory gives, else the issuer's host. */
export function issuerWords(card: Pick<HealthCardResult, 'issuer' | 'issuerName'>): string {
  if (card.issuerName) {
    return card.issuerName;
  }
  try {
    return new URL(card.issuer).host;
  } catch {
    return card.issuer || 'an unknown issuer';
  }
}

/** A health card's trust, from its status and the project's trusted issuers, naming the issuer. */
function trustMark(card: HealthCardResult): TrustMark {
  const issuer = issuerWords(card);
  if (card.status === 'expired') {
    return { text: `Card from ${issuer}: signature verified, but expired`, color: 'yellow' };
  }
  if (card.status !== 'verified') {
    return { text: `Card from ${issuer}: NOT verified`, color: 'red' };
  }
  return card.trusted
    ? { text: `Verified card from ${issuer} (trusted issuer)`, color: 'green' }
    : { text: `Signed by ${issuer}, not on your trusted list`, color: 'yellow' };
}

function isConverted(r: Resource): boolean {
  return (
    r.meta?.tag?.some((t) => t.system === CONVERTED_FROM_CCDA.system && t.code === CONVERTED_FROM_CCDA.code) ?? false
  );
}

function keyOf(r: Resource): string {
  return getReferenceString(r) ?? r.resourceType;
}

function groupRank(type: string): number {
  // Groups in the order clinicians read a chart; other types follow by title.
  const index = (CHART_ORDER as readonly string[]).indexOf(type);
  return index === -1 ? CHART_ORDER.length : index;
}

/** Where the data came from, for staff. */
function sourceWords(resolved: ResolveOutput): string {
  const { source } = resolved;
  if (source.label === SHC_LABEL && !source.flags && resolved.healthCards.length === 1 && resolved.healthCards[0]) {
    return `a SMART Health Card from ${issuerWords(resolved.healthCards[0])}`;
  }
  let host = source.origin;
  try {
    host = new URL(source.origin).host;
  } catch {
    // Shown as it is.
  }
  return source.label ? `“${source.label}” from ${host}` : `a link from ${host}`;
}

export function ReviewStep({
  resolved,
  seen,
  into,
  onImport,
  onBack,
  importing,
  onConvert,
}: ReviewStepProps): JSX.Element {
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
    const hasNew = (resources: Resource[]): number => (changes && resources.some(changes.isNew) ? 0 : 1);
    return [...byType.entries()].sort(
      ([a, ra], [b, rb]) =>
        hasNew(ra) - hasNew(rb) || groupRank(a) - groupRank(b) || groupTitle(a).localeCompare(groupTitle(b))
    );
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
  const onFile = useMemo(() => new Map((resolved.onFile ?? []).map((f) => [f.resource, f.identifier])), [resolved]);
  const onFileItems = useMemo(() => candidates.filter((r) => onFile.has(keyOf(r))), [candidates, onFile]);
  const [selected, setSelected] = useState<Set<string>>(() => new Set(candidates.map(keyOf)));
  const [viewing, setViewing] = useState<Resource>();
  const [technical, setTechnical] = useState(false);
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
      .catch((err: unknown) => set({ state: 'failed', message: convertErrorText(err) }));
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

  const count = selected.size;
  return (
    <Stack>
      {into && (
        <Paper withBorder p="sm" bg="var(--mantine-color-blue-light)" aria-label="Whose chart">
          <Text fw={700}>
            {into.isNew ? 'Importing into a new patient record: ' : 'Importing into '}
            {patientLine(into.patient)}
          </Text>
        </Paper>
      )}
      {resolved.warnings.length > 0 && (
        <Alert color="yellow" title="Please note">
          {resolved.warnings.map((w) => (
            <Text key={w} size="sm">
              {w}
            </Text>
          ))}
        </Alert>
      )}
      <Text size="sm">
        Shared by the patient: {sourceWords(resolved)}. Everything here is marked as shared by the patient in the chart.
      </Text>
      {onFileItems.length > 0 && (
        <Alert color="gray" title="Already on file, will be linked, not duplicated" aria-label="Already on file">
          {onFileItems.map((r) => (
            <Text key={keyOf(r)} size="sm">
              {summarize(r).title} ({identifierWords(onFile.get(keyOf(r)) ?? '')})
            </Text>
          ))}
        </Alert>
      )}
      {changes && (
        <Alert color="blue" title="Since this link was last reviewed">
          <Text size="sm">
            {changes.added} new or changed, {changes.removed} no longer shared. Unchanged items are already in the
            chart: importing them again does not duplicate them.
          </Text>
        </Alert>
      )}
      {candidates.length === 0 && <Text>The link holds nothing to import besides the patient&apos;s details.</Text>}
      {groups.map(([type, resources]) => (
        <ResourceGroup
          key={type}
          type={type}
          resources={resources}
          selected={selected}
          trust={trust}
          onFile={onFile}
          technical={technical}
          {...(changes && { isNew: changes.isNew })}
          {...(onConvert && { ccdaDocuments, conversions, onConvert: convert })}
          onToggle={(r, on) => setGroup([r], on)}
          onAll={(on) => setGroup(resources, on)}
          onView={setViewing}
        />
      ))}
      <Group justify="space-between">
        <Group>
          <Button
            loading={importing}
            disabled={count === 0}
            onClick={() => onImport(resolved.resources.filter((r) => keyOf(r) === subject || selected.has(keyOf(r))))}
          >
            Import {count.toLocaleString()} {count === 1 ? 'item' : 'items'}
          </Button>
          <Button variant="default" onClick={onBack} disabled={importing}>
            Back
          </Button>
        </Group>
        <Switch
          size="xs"
          label="Show technical details"
          checked={technical}
          onChange={(e) => setTechnical(e.currentTarget.checked)}
        />
      </Group>
      {count === 0 && (
        <Text size="sm" c="dimmed">
          Select at least one item to import.
        </Text>
      )}
      <Modal
        opened={viewing !== undefined}
        onClose={() => setViewing(undefined)}
        title={viewing ? summarize(viewing).title : ''}
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
  /** Shared items already on file, by their registry identifier. */
  onFile: Map<string, string>;
  /** Each item's JSON is offered. */
  technical: boolean;
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
  onFile,
  technical,
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
  const title = groupTitle(type);
  return (
    <Paper withBorder p="sm" component="section" aria-label={title}>
      <Checkbox
        checked={count === resources.length}
        indeterminate={count > 0 && count < resources.length}
        onChange={() => onAll(count < resources.length)}
        aria-label={`All ${countOf(type, resources.length)}`}
        label={
          <Title order={3} size="h5">
            {title} ({count.toLocaleString()} of {resources.length.toLocaleString()} selected)
          </Title>
        }
      />
      <Stack gap={6} mt="xs" pl="md">
        {shown.map((r) => {
          const { title: itemTitle, concept, details } = summarize(r);
          const mark = trust.get(keyOf(r));
          const conversion = conversions?.get(keyOf(r));
          return (
            <Group key={keyOf(r)} justify="space-between" wrap="nowrap" align="start">
              <Checkbox
                checked={selected.has(keyOf(r))}
                onChange={(e) => onToggle(r, e.currentTarget.checked)}
                label={
                  <Group gap="xs" component="span">
                    <Text size="sm" fw={500} span>
                      {concept ? <CodeableConceptDisplay value={concept} /> : itemTitle}
                    </Text>
                    <Text size="sm" c="dimmed" span>
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
                    {onFile.has(keyOf(r)) && (
                      <Badge size="xs" color="gray" variant="light" style={{ textTransform: 'none' }}>
                        Already on file: will be linked, not duplicated
                      </Badge>
                    )}
                    {isConverted(r) && (
                      <Badge size="xs" color="grape" variant="light">
                        Converted from C-CDA
                      </Badge>
                    )}
                    {mark && (
                      <Badge size="xs" color={mark.color} style={{ textTransform: 'none' }}>
                        {mark.text}
                      </Badge>
                    )}
                    {conversion?.state === 'failed' && (
                      <Text size="xs" c="red" role="alert" span>
                        {conversion.message}
                      </Text>
                    )}
                  </Group>
                }
              />
              <Group gap="xs" wrap="nowrap">
                {onConvert && ccdaDocuments?.has(keyOf(r)) && (
                  <ConvertButton conversion={conversion} onClick={() => onConvert(r)} title={itemTitle} />
                )}
                {technical && (
                  <Button size="xs" variant="subtle" onClick={() => onView(r)} aria-label={`Show JSON of ${itemTitle}`}>
                    JSON
                  </Button>
                )}
              </Group>
            </Group>
          );
        })}
      </Stack>
      {pages > 1 && (
        <Pagination mt="xs" size="sm" total={pages} value={page} onChange={setPage} aria-label={`${title} pages`} />
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
      aria-label={`Convert ${title} into separate entries for review`}
    >
      {conversion?.state === 'converted' ? 'Converted' : 'Convert into entries'}
    </Button>
  );
}
