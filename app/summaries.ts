/**
 * One readable line per resource for the review list: what it is (its code with a display, see
 * `code-displays.ts`), when (with the time when the resource has one), the value, the status in
 * words, and who recorded it.
 */
import { formatCodeableConcept } from '@medplum/core';
import type { CodeableConcept, Resource } from '@medplum/fhirtypes';
import { clinicalDate, countOf, statusWords } from './clinical-words';
import { forDisplay } from './code-displays';

type Loose = Record<string, unknown>;

export interface Summary {
  /** What the resource is, as text (labels, search). */
  title: string;
  /** The code it is named by, ready for `CodeableConceptDisplay`, when it has one. */
  concept?: CodeableConcept;
  /** When, the value, the status, who: each already in words. */
  details: string[];
}

function asConcept(value: unknown): CodeableConcept | undefined {
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  const c = first as CodeableConcept | undefined;
  return c && typeof c === 'object' && (c.text || c.coding?.length) ? forDisplay(c) : undefined;
}

function name(value: unknown): string | undefined {
  const names = value as { text?: string; given?: string[]; family?: string }[] | string | undefined;
  if (typeof names === 'string') {
    return names;
  }
  const n = Array.isArray(names) ? names[0] : undefined;
  return n?.text ?? ([...(n?.given ?? []), n?.family].filter(Boolean).join(' ') || undefined);
}

function quantity(value: unknown): string | undefined {
  const q = value as { value?: number; unit?: string; code?: string } | undefined;
  return q?.value === undefined ? undefined : `${q.value} ${q.unit ?? q.code ?? ''}`.trim();
}

/** A blood pressure's "128/82 mmHg" and the like: each component's value. */
function components(r: Loose): string | undefined {
  const list = (r.component as { valueQuantity?: unknown }[] | undefined)?.map((c) => quantity(c.valueQuantity));
  if (!list?.length || list.some((v) => v === undefined)) {
    return undefined;
  }
  const units = new Set(list.map((v) => v?.split(' ').slice(1).join(' ')));
  return units.size === 1
    ? `${list.map((v) => v?.split(' ')[0]).join('/')} ${[...units][0] ?? ''}`.trim()
    : list.join(', ');
}

const DATE_FIELDS = [
  'effectiveDateTime',
  'occurrenceDateTime',
  'onsetDateTime',
  'recordedDate',
  'authoredOn',
  'performedDateTime',
  'dateAsserted',
  'date',
  'issued',
];

function when(r: Loose): string | undefined {
  for (const key of DATE_FIELDS) {
    const value = r[key];
    if (typeof value === 'string') {
      return clinicalDate(value);
    }
  }
  const period = (r.effectivePeriod ?? r.period ?? r.performedPeriod) as { start?: string } | undefined;
  return period?.start ? clinicalDate(period.start) : undefined;
}

function status(r: Loose, type: string): string | undefined {
  const clinical = asConcept(r.clinicalStatus)?.coding?.[0]?.code;
  const code = clinical ?? (typeof r.status === 'string' ? r.status : undefined);
  return code ? statusWords(code, type) : undefined;
}

const ENDPOINT_KINDS: Record<string, string> = {
  'shl-interactive-experience': 'Interactive web page offered by the sender',
  'SMART-on-FHIR': 'SMART on FHIR connection offered by the sender',
};

/** What a resource is, when, its value, status and author, in words. */
export function summarize(resource: Resource): Summary {
  const r = resource as unknown as Loose;
  const type = resource.resourceType;
  if (type === 'Endpoint') {
    const code = (r.connectionType as { code?: string } | undefined)?.code ?? '';
    // Shown as text, never followed automatically.
    return {
      title: ENDPOINT_KINDS[code] ?? `Connection offered by the sender (${code || 'unknown kind'})`,
      details: [typeof r.address === 'string' ? r.address : ''],
    };
  }
  const concept =
    asConcept(r.code) ??
    asConcept(r.vaccineCode) ??
    asConcept(r.medicationCodeableConcept) ??
    asConcept(r.type) ??
    asConcept(r.category);
  const title =
    (concept && formatCodeableConcept(concept)) ||
    name(r.name) ||
    (r.title as string | undefined) ||
    (r.description as string | undefined) ||
    countOf(type, 1);
  const details = [
    when(r),
    quantity(r.valueQuantity) ??
      components(r) ??
      (asConcept(r.valueCodeableConcept) && formatCodeableConcept(asConcept(r.valueCodeableConcept))) ??
      (r.valueString as string | undefined),
    status(r, type),
    (r.author as { display?: string }[] | undefined)?.[0]?.display ??
      (r.performer as { actor?: { display?: string } }[] | undefined)?.[0]?.actor?.display,
  ].filter((x): x is string => Boolean(x));
  return { title, ...(concept && { concept }), details };
}
