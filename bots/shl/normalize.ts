/**
 * Normalizing resources as the bot contract says: every resource gets an `id` with `Type/id`
 * unique in the set (ids that collide across files are renamed), and every reference that
 * names a resource of the set is rewritten to its `Type/id`. A reference names a resource when
 * it equals the resource's Bundle `fullUrl` (`urn:uuid:…`, `resource:N`, an absolute URL) or
 * ends in its `Type/id` (relative, or absolute with the same tail, with or without
 * `/_history/N`), looked up first within its own Bundle, then in the whole set. `#id`
 * references to contained resources, and references to nothing in the set, stay as they are.
 *
 * References are found by walking each resource, not from a list of fields. Resources are
 * changed in place: they are freshly parsed and owned by the caller.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { ResourceGroup } from './bundle-entries';
import { literalReference, visitObjects } from '../fhir/json-walk';
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

  add(fullUrl: string | undefined, type: string, id: string | undefined, named: Named): void {
    if (fullUrl !== undefined && !this.byFullUrl.has(fullUrl)) {
      this.byFullUrl.set(fullUrl, named);
    }
    if (id !== undefined) {
      let ids = this.byType.get(type);
      if (!ids) {
        ids = new Map();
        this.byType.set(type, ids);
      }
      if (!ids.has(id)) {
        ids.set(id, named);
      }
    }
  }

  byTail(tail: TypeId | undefined): Named | undefined {
    return tail && this.byType.get(tail.type)?.get(tail.id);
  }
}

/** Normalizes the groups; returns each group's resources, in order. */
export function normalizeResources(groups: ResourceGroup[], randomId: () => string): Resource[][] {
  // With one group (the usual single Bundle) its names are the whole set's, and the final ids
  // (kept unless invalid or taken) double as its `Type/id` names.
  const single = groups.length === 1;
  const global = new Names();
  const taken = single ? global.byType : new Map<string, Map<string, Named>>();
  const scopes = groups.map((group): Names => {
    const own = single ? global : new Names();
    for (const { fullUrl, resource } of group.entries) {
      const type = resource.resourceType;
      const originalId = typeof resource.id === 'string' ? resource.id : undefined;
      let ids = taken.get(type);
      if (!ids) {
        ids = new Map();
        taken.set(type, ids);
      }
      let id = originalId !== undefined && FHIR_ID.test(originalId) ? originalId : randomId();
      while (ids.has(id)) {
        id = randomId();
      }
      const named: Named = { resource };
      ids.set(id, named);
      resource.id = id;
      const urlTail = fullUrl === undefined ? undefined : typeIdTail(fullUrl);
      for (const names of single ? [own] : [own, global]) {
        names.add(fullUrl, type, originalId === id && single ? undefined : originalId, named);
        if (urlTail?.type === type) {
          names.add(undefined, type, urlTail.id, named);
        }
      }
    }
    return own;
  });

  return groups.map((group, index) => {
    const own = scopes[index] as Names;
    const resolve = (reference: string): string | undefined => {
      let named = own.byFullUrl.get(reference);
      if (named === undefined) {
        const tail = typeIdTail(reference);
        named =
          own.byTail(tail) ?? (own === global ? undefined : (global.byFullUrl.get(reference) ?? global.byTail(tail)));
      }
      if (named === undefined) {
        return undefined;
      }
      named.target ??= `${named.resource.resourceType}/${named.resource.id ?? ''}`;
      return named.target;
    };
    const rewrite = (object: Record<string, unknown>): void => {
      const reference = literalReference(object);
      const target = reference === undefined ? undefined : resolve(reference);
      if (target !== undefined) {
        object.reference = target;
      }
    };
    return group.entries.map(({ resource }) => {
      visitObjects(resource, rewrite);
      return resource;
    });
  });
}
