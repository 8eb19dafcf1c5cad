/**
 * Finding what the server already holds of an import, before anything is written, with a few
 * batched searches instead of one per resource:
 *
 * - the patient's own data, only within that patient's compartment (`patient=`), by identifier,
 *   by code (then compared by date here) and by content hash; nothing is looked up for a patient
 *   this import creates;
 * - shared resources (practitioners, organizations, locations, medications, endpoints) by the
 *   identifiers of strong registry systems (NPI and the like) anywhere, else by their content
 *   hash scoped to this patient (`plan.ts`, `hashTagCode`), so nothing another patient's link
 *   brought is ever taken for this one.
 *
 * Each value list is split so that no search URL grows without bound.
 */
import type { MedplumClient } from '@medplum/core';
import type { Reference, Resource } from '@medplum/fhirtypes';
import { CONTENT_HASH_SYSTEM } from '../fhir/systems';
import { codesOf, identifierTokens, PATIENT_PARAM, sameClinical } from './dedupe-keys';
import type { PlannedItem } from './plan';
import { hashTagCode } from './plan';
import type { RateLimitBudget } from './server-calls';
import { runSearches } from './server-calls';

/** Values in one search parameter. */
const VALUES_PER_SEARCH = 60;
/** Results per search page (Medplum's largest). */
const PAGE_SIZE = 1000;
/** Most items of a new patient's import looked for in other charts (four searches' worth). */
const CHART_SAMPLE = 4 * VALUES_PER_SEARCH;

/** How an existing resource was recognized, for the answer. */
export type FoundBy = 'identifier' | 'code and date' | 'same content';

export interface Found {
  reference: string;
  by: FoundBy;
}

/**
 * The existing resource for each item that has one, by the item's urn. `patient` is the chosen
 * patient's reference, or undefined for a patient this import creates.
 */
export async function findExisting(
  medplum: MedplumClient,
  items: readonly PlannedItem[],
  patient: string | undefined,
  budget: RateLimitBudget
): Promise<Map<string, Found>> {
  const lookups = items.filter((item) => item.kind === 'resource' && (item.shared || patient !== undefined));
  const searches = buildSearches(lookups, patient);
  if (searches.length === 0) {
    return new Map();
  }
  const bundles = await runSearches(
    medplum,
    searches.map((s) => s.url),
    budget
  );
  // What the patient's own searches found is kept apart from what shared searches found anywhere.
  const indexes = new Map<string, Index>();
  bundles.forEach((bundle, i) => {
    for (const entry of bundle.entry ?? []) {
      if (entry.resource) {
        const key = indexKey(entry.resource.resourceType, searches[i]?.shared === true);
        const index = indexes.get(key) ?? new Index();
        index.add(entry.resource);
        indexes.set(key, index);
      }
    }
  });
  const found = new Map<string, Found>();
  for (const item of lookups) {
    const match = indexes.get(indexKey(item.resource.resourceType, item.shared === true))?.match(item, patient);
    if (match) {
      found.set(item.urn, match);
    }
  }
  return found;
}

/** Existing resources of one type, by identifier, by code and by content-hash tag. */
class Index {
  private readonly byIdentifier = new Map<string, Resource>();
  private readonly byCode = new Map<string, Resource[]>();
  private readonly byTag = new Map<string, Resource>();

  add(resource: Resource): void {
    for (const token of identifierTokens(resource, false)) {
      this.byIdentifier.set(token, resource);
    }
    for (const code of codesOf(resource)) {
      this.byCode.set(code, [...(this.byCode.get(code) ?? []), resource]);
    }
    for (const tag of resource.meta?.tag ?? []) {
      if (tag.system === CONTENT_HASH_SYSTEM && tag.code) {
        this.byTag.set(tag.code, resource);
      }
    }
  }

  /** The first existing resource that is this item: by identifier, by code and date, by content. */
  match(item: PlannedItem, patient: string | undefined): Found | undefined {
    const keys = item.keys;
    if (!keys) {
      return undefined;
    }
    for (const token of keys.identifiers) {
      const resource = this.byIdentifier.get(token);
      if (resource) {
        return found(resource, 'identifier');
      }
    }
    if (!item.shared && keys.clinical) {
      for (const code of keys.clinical.codes) {
        const resource = this.byCode.get(code)?.find((r) => sameClinical(r, keys));
        if (resource) {
          return found(resource, 'code and date');
        }
      }
    }
    const tag = patient === undefined ? undefined : hashTagCode(item, patient);
    const resource = tag === undefined ? undefined : this.byTag.get(tag);
    return resource ? found(resource, 'same content') : undefined;
  }
}

function found(resource: Resource, by: FoundBy): Found {
  return { reference: `${resource.resourceType}/${resource.id ?? ''}`, by };
}

/**
 * For a patient about to be created: the existing patient whose chart already holds most of
 * this content (by content hash, anywhere), if any. Importing the same link again as a "new"
 * patient would otherwise make a duplicate of that person. "Most" is judged on an even spread of
 * at most CHART_SAMPLE items: all of a small import, and for a large one enough to tell (a link
 * imported again matches throughout) in four searches instead of one per 60 items, each of which
 * a server without an index for the tag (Medplum's in-memory one) answers by reading every
 * resource of the type.
 */
export async function findChartHolding(
  medplum: MedplumClient,
  items: readonly PlannedItem[],
  budget: RateLimitBudget
): Promise<string | undefined> {
  const own = evenSpread(
    items.filter((item) => item.kind === 'resource' && !item.shared && item.keys),
    CHART_SAMPLE
  );
  if (own.length === 0) {
    return undefined;
  }
  const searches: Search[] = [];
  const byType = new Map<string, string[]>();
  for (const item of own) {
    const type = item.resource.resourceType;
    byType.set(type, [...(byType.get(type) ?? []), `${CONTENT_HASH_SYSTEM}|${item.keys?.hash ?? ''}`]);
  }
  for (const [type, tags] of byType) {
    add(searches, type, false, '', '_tag', tags);
  }
  const bundles = await runSearches(
    medplum,
    searches.map((s) => s.url),
    budget
  );
  const counts = new Map<string, number>();
  for (const entry of bundles.flatMap((b) => b.entry ?? [])) {
    const { patient, subject } = (entry.resource ?? {}) as { patient?: Reference; subject?: Reference };
    const owner = patient?.reference ?? subject?.reference;
    if (owner?.startsWith('Patient/')) {
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
  }
  const [best, count] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [undefined, 0];
  return count * 2 >= own.length ? best : undefined;
}

/** At most `count` of `items`, evenly spread over them, in order; all of them when that few. */
function evenSpread<T>(items: T[], count: number): T[] {
  if (items.length <= count) {
    return items;
  }
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)] as T);
}

/**
 * Shared resources of a link that are already on file, found by registry identifier (an NPI, a
 * CLIA number): `Type/id` in the link -> what the server holds and how it was recognized, for
 * staff to see in the review before importing. Nothing else is ever matched for shared data.
 */
export async function findSharedOnFile(
  medplum: MedplumClient,
  resources: readonly Resource[],
  budget: RateLimitBudget
): Promise<{ resource: string; existing: string; identifier: string }[]> {
  const shared = resources.filter((r) => PATIENT_PARAM[r.resourceType] === undefined && r.resourceType !== 'Patient');
  const searches: Search[] = [];
  const byType = new Map<string, string[]>();
  for (const resource of shared) {
    const tokens = identifierTokens(resource, true);
    if (tokens.length > 0) {
      const list = byType.get(resource.resourceType);
      if (list) {
        list.push(...tokens);
      } else {
        byType.set(resource.resourceType, tokens);
      }
    }
  }
  for (const [type, tokens] of byType) {
    add(searches, type, true, '', 'identifier', tokens);
  }
  if (searches.length === 0) {
    return [];
  }
  const onFile = new Map<string, Resource>();
  for (const bundle of await runSearches(
    medplum,
    searches.map((s) => s.url),
    budget
  )) {
    for (const entry of bundle.entry ?? []) {
      for (const token of entry.resource ? identifierTokens(entry.resource, true) : []) {
        onFile.set(`${entry.resource?.resourceType ?? ''} ${token}`, entry.resource as Resource);
      }
    }
  }
  return shared.flatMap((resource) => {
    for (const token of identifierTokens(resource, true)) {
      const existing = onFile.get(`${resource.resourceType} ${token}`);
      if (existing) {
        return [
          {
            resource: `${resource.resourceType}/${resource.id ?? ''}`,
            existing: `${existing.resourceType}/${existing.id ?? ''}`,
            identifier: token,
          },
        ];
      }
    }
    return [];
  });
}

interface Search {
  url: string;
  /** A search for shared resources (anywhere), not within the patient's compartment. */
  shared: boolean;
}

function indexKey(type: string, shared: boolean): string {
  return `${type} ${shared ? 'shared' : 'own'}`;
}

/** The searches for a set of items: per type, per kind of key, values split into lists. */
function buildSearches(items: readonly PlannedItem[], patient: string | undefined): Search[] {
  const byType = new Map<string, PlannedItem[]>();
  for (const item of items) {
    const list = byType.get(item.resource.resourceType) ?? [];
    list.push(item);
    byType.set(item.resource.resourceType, list);
  }
  const searches: Search[] = [];
  for (const [type, list] of byType) {
    const own = list.filter((i) => !i.shared);
    const shared = list.filter((i) => i.shared);
    const scope = patient && PATIENT_PARAM[type] ? `${PATIENT_PARAM[type]}=${encodeURIComponent(patient)}&` : '';
    if (own.length > 0 && scope) {
      add(
        searches,
        type,
        false,
        scope,
        'identifier',
        own.flatMap((i) => i.keys?.identifiers ?? [])
      );
      const clinical = new Map<string, string[]>();
      for (const item of own) {
        const c = item.keys?.clinical;
        if (c) {
          clinical.set(c.param, [...(clinical.get(c.param) ?? []), ...c.codes]);
        }
      }
      for (const [param, codes] of clinical) {
        add(searches, type, false, scope, param, codes);
      }
      add(searches, type, false, scope, '_tag', tagValues(own, patient));
    }
    if (shared.length > 0) {
      add(
        searches,
        type,
        true,
        '',
        'identifier',
        shared.flatMap((i) => i.keys?.identifiers ?? [])
      );
      if (patient) {
        add(searches, type, true, '', '_tag', tagValues(shared, patient));
      }
    }
  }
  return searches;
}

function tagValues(items: PlannedItem[], patient: string | undefined): string[] {
  return items.flatMap((item) => {
    const code = patient === undefined ? undefined : hashTagCode(item, patient);
    return code ? [`${CONTENT_HASH_SYSTEM}|${code}`] : [];
  });
}

function add(searches: Search[], type: string, shared: boolean, scope: string, param: string, values: string[]): void {
  const unique = [...new Set(values)];
  for (let start = 0; start < unique.length; start += VALUES_PER_SEARCH) {
    const list = unique
      .slice(start, start + VALUES_PER_SEARCH)
      .map((v) => encodeURIComponent(escapeSearchValue(v)).replace(/%7C/g, '|'))
      .join(',');
    searches.push({ url: `${type}?${scope}${param}=${list}&_count=${PAGE_SIZE}`, shared });
  }
}

/** Escapes the characters FHIR search gives meaning to inside a token value. */
function escapeSearchValue(value: string): string {
  const bar = value.indexOf('|');
  const escape = (s: string): string => s.replace(/([\\,$])/g, '\\$1');
  return bar < 0 ? escape(value) : `${escape(value.slice(0, bar))}|${escape(value.slice(bar + 1))}`;
}
