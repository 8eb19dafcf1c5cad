/**
 * Taking the entries out of decrypted FHIR content: one resource, or a Bundle of any type
 * (document, collection, transaction, searchset, …) whose nested Bundles are flattened into
 * groups of their own. A group keeps each entry's `fullUrl`: references resolve within their
 * own Bundle first.
 */
import type { Resource } from '@medplum/fhirtypes';
import { isResource } from '../fhir/resource';

export interface ResourceEntry {
  fullUrl?: string;
  resource: Resource;
}

/** The entries of one Bundle (or a lone resource). */
export interface ResourceGroup {
  entries: ResourceEntry[];
}

/** Bundles nested deeper than this are not read. */
const MAX_DEPTH = 16;

/** The groups of entries in a parsed FHIR file; undefined when it is not a FHIR resource. */
export function collectGroups(content: unknown): ResourceGroup[] | undefined {
  if (!isResource(content)) {
    return undefined;
  }
  if (content.resourceType !== 'Bundle') {
    return [{ entries: [{ resource: content }] }];
  }
  const groups: ResourceGroup[] = [];
  addBundle(content, groups, 0);
  return groups.filter((group) => group.entries.length > 0);
}

function addBundle(bundle: Resource & { entry?: unknown }, groups: ResourceGroup[], depth: number): void {
  const group: ResourceGroup = { entries: [] };
  groups.push(group);
  if (!Array.isArray(bundle.entry)) {
    return;
  }
  for (const entry of bundle.entry as unknown[]) {
    if (typeof entry !== 'object' || entry === null) {
      continue;
    }
    const { resource, fullUrl, search } = entry as {
      resource?: unknown;
      fullUrl?: unknown;
      search?: { mode?: unknown };
    };
    if (!isResource(resource) || search?.mode === 'outcome') {
      continue;
    }
    if (resource.resourceType === 'Bundle') {
      if (depth < MAX_DEPTH) {
        addBundle(resource, groups, depth + 1);
      }
      continue;
    }
    group.entries.push(typeof fullUrl === 'string' && fullUrl ? { fullUrl, resource } : { resource });
  }
}
