/**
 * Normalizing resources as the bot contract says: every resource gets an `id` with `Type/id`
 * unique in the set (ids that collide across files are renamed), and every reference that
 * names a resource of the set is rewritten to its `Type/id`. A reference names a resource when
 * it equals the resource's Bundle `fullUrl` (`urn:uuid:…`, `resource:N`, an absolute URL) or
 * ends in its `Type/id` (relative, or absolute with the same tail, with or without
 * `/_history/N`), looked up first within its own Bundle, then in the whole set. `#id`
 * references to contained resources, and references to nothing in the set, stay as they are.
 *
 * References are found by walking each resource, not from a list of fields: one walk over the
 * set, in place (resources are freshly parsed and owned by the caller), with no callback or
 * allocation per object visited. Naming the set and the walk are most of resolve's own work on
 * large links, so both avoid repeated hashing: a reference equal to the previous one reuses its
 * answer (thousands of resources name the same patient).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceGroup } from './bundle-entries';
import { MAX_JSON_DEPTH, tooDeep } from '../fhir/json-walk';
import type { TypeId } from '../fhir/type-id';
import { typeIdTail } from '../fhir/type-id';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** A resource of the set, with its final id; `target` (`Type/id`) is made when first needed. */
interface Named {
  resource: Resource;
  target?: string;
}

/**
 * Where references look for resources: by Bundle `fullUrl`, and by the `Type/id` a resource had
 * (its original id, or the tail of an absolute `fullUrl`), kept as type -> id so that naming
 * thousands of resources allocates no strings.
 */
class Names {
  readonly byFullUrl = new Map<string, Named>();
  readonly byType = new Map<string, Map<string, Named>>();

  addFullUrl(fullUrl: string, named: Named): void {
    if (!this.byFullUrl.has(fullUrl)) {
      this.byFullUrl.set(fullUrl, named);
    }
  }

  addId(type: string, id: string, named: Named): void {
    const ids = idsOf(this.byType, type);
    if (!ids.has(id)) {
      ids.set(id, named);
    }
  }

  byTail(tail: TypeId | undefined): Named | undefined {
    return tail && this.byType.get(tail.type)?.get(tail.id);
  }
}

function idsOf(byType: Map<string, Map<string, Named>>, type: string): Map<string, Named> {
  let ids = byType.get(type);
  if (!ids) {
    ids = new Map();
    byType.set(type, ids);
  }
  return ids;
}

/** Normalizes the groups; returns each group's resources, in order. */
export function normalizeResources(groups: ResourceGroup[], randomId: () => string): Resource[][] {
  // With one group (the usual single Bundle) its names are the whole set's, and the final ids
  // (kept unless invalid or taken) double as its `Type/id` names.
  const single = groups.length === 1;
  const global = new Names();
  const taken = single ? global.byType : new Map<string, Map<string, Named>>();
  const scopes: Names[] = [];
  for (const group of groups) {
    const own = single ? global : new Names();
    for (const { fullUrl, resource } of group.entries) {
      const type = resource.resourceType;
      const originalId = typeof resource.id === 'string' ? resource.id : undefined;
      const ids = idsOf(taken, type);
      let id = originalId !== undefined && FHIR_ID.test(originalId) ? originalId : randomId();
      while (ids.has(id)) {
        id = randomId();
      }
      const named: Named = { resource };
      ids.set(id, named);
      resource.id = id;
      const urlTail = fullUrl === undefined ? undefined : typeIdTail(fullUrl);
      const alias = urlTail?.type === type ? urlTail.id : undefined;
      name(own, fullUrl, type, originalId === id && single ? undefined : originalId, alias, named);
      if (!single) {
        name(global, fullUrl, type, originalId, alias, named);
      }
    }
    scopes.push(own);
  }
  const normalized: Resource[][] = [];
  for (let index = 0; index < groups.length; index++) {
    const own = scopes[index] as Names;
    const rewriter = new Rewriter((reference) => resolveIn(own, single ? undefined : global, reference));
    const resources = (groups[index] as ResourceGroup).entries.map((entry) => entry.resource);
    for (const resource of resources) {
      rewriter.walk(resource, 0);
    }
    normalized.push(resources);
  }
  return normalized;
}

function name(
  names: Names,
  fullUrl: string | undefined,
  type: string,
  id: string | undefined,
  alias: string | undefined,
  named: Named
): void {
  if (fullUrl !== undefined) {
    names.addFullUrl(fullUrl, named);
  }
  if (id !== undefined) {
    names.addId(type, id, named);
  }
  if (alias !== undefined) {
    names.addId(type, alias, named);
  }
}

/** Where a reference points in a group: its own names first, then the set's. */
function resolveIn(own: Names, global: Names | undefined, reference: string): string | undefined {
  let named = own.byFullUrl.get(reference);
  if (named === undefined) {
    const tail = typeIdTail(reference);
    named = own.byTail(tail) ?? (global && (global.byFullUrl.get(reference) ?? global.byTail(tail)));
  }
  return named === undefined
    ? undefined
    : (named.target ??= `${named.resource.resourceType}/${named.resource.id ?? ''}`);
}

/** Rewrites the references of one group's resources to where `resolve` says they point. */
class Rewriter {
  private lastReference = '';
  private lastTarget: string | undefined;

  constructor(private readonly resolve: (reference: string) => string | undefined) {}

  /** Visits every object of a JSON tree; refuses trees deeper than any FHIR resource. */
  walk(node: object, depth: number): void {
    if (depth > MAX_JSON_DEPTH) {
      throw tooDeep();
    }
    if (Array.isArray(node)) {
      for (const item of node as unknown[]) {
        if (typeof item === 'object' && item !== null) {
          this.walk(item, depth + 1);
        }
      }
      return;
    }
    const object = node as Record<string, unknown>;
    const reference = object.reference;
    // A literal reference to another resource: not `#id` to a contained one.
    if (typeof reference === 'string' && reference.length > 0 && reference.charCodeAt(0) !== 35 /* # */) {
      if (reference !== this.lastReference) {
        this.lastReference = reference;
        this.lastTarget = this.resolve(reference);
      }
      const target = this.lastTarget;
      if (target !== undefined && target !== reference) {
        object.reference = target;
      }
    }
    for (const key in object) {
      const value = object[key];
      if (typeof value === 'object' && value !== null) {
        this.walk(value, depth + 1);
      }
    }
  }
}
