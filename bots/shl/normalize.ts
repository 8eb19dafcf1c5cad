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

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Where the references of one group look: its own Bundle first, then the whole set. */
interface Scope {
  byFullUrl: Map<string, string>;
  byTypeId: Map<string, string>;
}

/** Normalizes the groups; returns each group's resources, in order. */
export function normalizeResources(groups: ResourceGroup[], randomId: () => string): Resource[][] {
  const taken = new Set<string>();
  const global: Scope = { byFullUrl: new Map(), byTypeId: new Map() };
  const scopes = groups.map((group): Scope => {
    const scope: Scope = { byFullUrl: new Map(), byTypeId: new Map() };
    for (const { fullUrl, resource } of group.entries) {
      const type = resource.resourceType;
      const originalId = typeof resource.id === 'string' ? resource.id : undefined;
      let id = originalId !== undefined && FHIR_ID.test(originalId) ? originalId : randomId();
      while (taken.has(`${type}/${id}`)) {
        id = randomId();
      }
      const target = `${type}/${id}`;
      taken.add(target);
      resource.id = id;
      const names: [Map<string, string>, Map<string, string>, string][] = [];
      if (fullUrl !== undefined) {
        names.push([scope.byFullUrl, global.byFullUrl, fullUrl]);
        const tail = typeIdTail(fullUrl);
        if (tail?.startsWith(`${type}/`)) {
          names.push([scope.byTypeId, global.byTypeId, tail]);
        }
      }
      if (originalId !== undefined) {
        names.push([scope.byTypeId, global.byTypeId, `${type}/${originalId}`]);
      }
      for (const [own, all, name] of names) {
        if (!own.has(name)) {
          own.set(name, target);
        }
        if (!all.has(name)) {
          all.set(name, target);
        }
      }
    }
    return scope;
  });

  return groups.map((group, index) => {
    const scope = scopes[index] as Scope;
    const resolveReference = (reference: string): string | undefined => {
      const exact = scope.byFullUrl.get(reference) ?? global.byFullUrl.get(reference);
      if (exact !== undefined) {
        return exact;
      }
      const tail = typeIdTail(reference);
      return tail === undefined ? undefined : (scope.byTypeId.get(tail) ?? global.byTypeId.get(tail));
    };
    return group.entries.map(({ resource }) => {
      rewriteReferences(resource, resolveReference);
      return resource;
    });
  });
}

/** Rewrites every `reference` in a JSON tree that `resolve` knows; `#id` stays. */
function rewriteReferences(node: unknown, resolve: (reference: string) => string | undefined): void {
  if (Array.isArray(node)) {
    for (const item of node) {
      if (typeof item === 'object' && item !== null) {
        rewriteReferences(item, resolve);
      }
    }
    return;
  }
  const object = node as Record<string, unknown>;
  for (const key in object) {
    const value = object[key];
    if (typeof value === 'object' && value !== null) {
      rewriteReferences(value, resolve);
    } else if (key === 'reference' && typeof value === 'string' && value.length > 0 && value.charCodeAt(0) !== 35) {
      const target = resolve(value);
      if (target !== undefined) {
        object.reference = target;
      }
    }
  }
}

/** `Type/id` at the end of a reference or URL (ignoring `/_history/N`), if it has that shape. */
export function typeIdTail(reference: string): string | undefined {
  let end = reference.length;
  const history = reference.indexOf('/_history/');
  if (history >= 0) {
    end = history;
  }
  const slash = reference.lastIndexOf('/', end - 1);
  if (slash <= 0) {
    return undefined;
  }
  const typeStart = reference.lastIndexOf('/', slash - 1) + 1;
  const first = reference.charCodeAt(typeStart);
  if (first < 65 || first > 90 || slash + 1 >= end) {
    return undefined;
  }
  return reference.slice(typeStart, end);
}
