/** One readable line per resource for the review list: what, when, value, status. */
import type { Resource } from '@medplum/fhirtypes';

type Loose = Record<string, unknown>;

function concept(value: unknown): string | undefined {
  const c = value as { text?: string; coding?: { display?: string; code?: string }[] } | undefined;
  return c?.text ?? c?.coding?.find((x) => x.display)?.display ?? c?.coding?.[0]?.code;
}

function name(value: unknown): string | undefined {
  const names = value as { text?: string; given?: string[]; family?: string }[] | string | undefined;
  if (typeof names === 'string') {
    return names;
  }
  const n = names?.[0];
  return n?.text ?? ([...(n?.given ?? []), n?.family].filter(Boolean).join(' ') || undefined);
}

function quantity(value: unknown): string | undefined {
  const q = value as { value?: number; unit?: string; code?: string } | undefined;
  return q?.value === undefined ? undefined : `${q.value} ${q.unit ?? q.code ?? ''}`.trim();
}

function date(r: Loose): string | undefined {
  for (const key of [
    'effectiveDateTime',
    'occurrenceDateTime',
    'onsetDateTime',
    'recordedDate',
    'authoredOn',
    'performedDateTime',
    'date',
    'issued',
  ]) {
    const value = r[key];
    if (typeof value === 'string') {
      return value.slice(0, 10);
    }
  }
  const period = (r.effectivePeriod ?? r.period ?? r.performedPeriod) as { start?: string } | undefined;
  return period?.start?.slice(0, 10);
}

const ENDPOINT_KINDS: Record<string, string> = {
  'shl-interactive-experience': 'Interactive web page offered by the sender',
  'SMART-on-FHIR': 'SMART on FHIR connection offered by the sender',
};

/** Title and details of a resource for people. */
export function summarize(resource: Resource): { title: string; details: string[] } {
  const r = resource as unknown as Loose;
  if (resource.resourceType === 'Endpoint') {
    const code = (r.connectionType as { code?: string } | undefined)?.code ?? '';
    // Shown as text, never followed automatically.
    return {
      title: ENDPOINT_KINDS[code] ?? `Endpoint (${code || 'unknown kind'})`,
      details: [typeof r.address === 'string' ? r.address : ''],
    };
  }
  const title =
    concept(r.code) ??
    concept(r.vaccineCode) ??
    concept(r.medicationCodeableConcept) ??
    concept(r.type) ??
    name(r.name) ??
    (r.title as string | undefined) ??
    resource.resourceType;
  const details = [
    date(r),
    quantity(r.valueQuantity) ?? concept(r.valueCodeableConcept) ?? (r.valueString as string | undefined),
    typeof r.status === 'string' ? r.status : concept(r.clinicalStatus),
    (r.author as { display?: string }[] | undefined)?.[0]?.display,
  ].filter((x): x is string => Boolean(x));
  return { title, details };
}
