/**
 * Planning an import: the one transaction Bundle that files reviewed resources into a Medplum
 * project. Every entry is a create with a lower-case `urn:uuid` fullUrl (incoming ids never
 * become server ids), deduplicated by `ifNoneExist`, tagged patient-shared. References are
 * rewritten by walking each resource: the incoming Patient becomes the chosen or created one,
 * references between imported resources stay linked, and references to anything not imported
 * keep only their `display` and `identifier`. Inline attachment data becomes a Binary in the
 * same transaction.
 */
import type { Binary, Bundle, BundleEntry, Meta, Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { SkippedResource } from '../contract';
import { contentHash } from '../fhir/content-hash';
import { literalReference, visitObjects } from '../fhir/json-walk';
import { CONTENT_HASH_SYSTEM, ENDPOINT_PATIENT_EXTENSION, PATIENT_SHARED_TAG } from '../fhir/systems';
import { typeIdTail } from '../fhir/type-id';
import { ifNoneExistFor } from './conditions';

export type ImportTarget = { reference: string } | { create: Patient };

export interface ImportPlanInput {
  /** The reviewed resources, as `resolve` normalized them (`Type/id` unique, references `Type/id`). */
  resources: Resource[];
  /** `Patient/<id>` of the incoming Patient within `resources`. */
  subject?: string;
  target: ImportTarget;
  allowedTypes: ReadonlySet<string>;
  randomUUID: () => string;
  /** Largest inline attachment turned into a Binary. */
  maxAttachmentBytes: number;
}

/** What a bundle entry stands for, in entry order. */
export type PlannedEntry = { kind: 'patient' } | { kind: 'binary' } | { kind: 'resource'; key: string };

export interface ImportPlan {
  bundle: Bundle;
  entries: PlannedEntry[];
  skipped: SkippedResource[];
  warnings: string[];
}

/** Builds the transaction for an import; pure. */
export function planImport(input: ImportPlanInput): ImportPlan {
  const { target, allowedTypes } = input;
  const skipped: SkippedResource[] = [];
  const warnings: string[] = [];
  const urns = new Map<string, string>();
  const imported: { key: string; resource: Resource }[] = [];
  const otherPatients = new Set<string>();

  for (const resource of input.resources) {
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (key === input.subject) {
      continue;
    }
    if (resource.resourceType === 'Patient') {
      otherPatients.add(key);
      skipped.push({
        resourceType: 'Patient',
        id: resource.id,
        reason: 'Another person in the link (for example an insurance subscriber): not created.',
      });
    } else if (!allowedTypes.has(resource.resourceType)) {
      skipped.push({
        resourceType: resource.resourceType,
        id: resource.id,
        reason: `${resource.resourceType} is not patient data this project imports.`,
      });
    } else {
      urns.set(key, `urn:uuid:${input.randomUUID().toLowerCase()}`);
      imported.push({ key, resource });
    }
  }

  const entries: BundleEntry[] = [];
  const planned: PlannedEntry[] = [];
  let patientRef: string;
  let searchPatient: string | undefined;
  if ('create' in target) {
    patientRef = `urn:uuid:${input.randomUUID().toLowerCase()}`;
    const patient = prepare({ ...target.create, resourceType: 'Patient' });
    entries.push({ fullUrl: patientRef, resource: patient, request: { method: 'POST', url: 'Patient' } });
    planned.push({ kind: 'patient' });
  } else {
    patientRef = target.reference;
    searchPatient = target.reference;
  }

  const unresolved = new Set<string>();
  const binaries: BundleEntry<Binary>[] = [];
  let tooBig = 0;
  const visit = (object: Record<string, unknown>): void => {
    const reference = literalReference(object);
    if (reference !== undefined) {
      const tail = typeIdTail(reference);
      const key = tail ? `${tail.type}/${tail.id}` : reference;
      const urn = key === input.subject ? patientRef : urns.get(key);
      if (urn !== undefined) {
        object.reference = urn;
      } else {
        dropReference(object, tail?.type, otherPatients.has(key));
        unresolved.add(
          otherPatients.has(key) ? 'another person in the link' : (tail?.type ?? 'a resource outside the link')
        );
      }
    }
    if (typeof object.data === 'string' && typeof object.contentType === 'string') {
      const bytes = Math.floor((object.data.length * 3) / 4);
      if (bytes > input.maxAttachmentBytes) {
        delete object.data;
        tooBig++;
        return;
      }
      const url = `urn:uuid:${input.randomUUID().toLowerCase()}`;
      binaries.push({
        fullUrl: url,
        resource: { resourceType: 'Binary', contentType: object.contentType, data: object.data },
        request: { method: 'POST', url: 'Binary' },
      });
      delete object.data;
      object.url = url;
    }
  };

  const resourceEntries: BundleEntry[] = imported.map(({ key, resource }) => {
    const prepared = prepare(resource);
    if (prepared.resourceType === 'Endpoint' && input.subject) {
      prepared.extension = [
        ...(prepared.extension ?? []).filter((e) => e.url !== ENDPOINT_PATIENT_EXTENSION),
        { url: ENDPOINT_PATIENT_EXTENSION, valueReference: { reference: input.subject } },
      ];
    }
    let condition = ifNoneExistFor(prepared, searchPatient);
    if (!condition) {
      // Nothing identifies it: the same content (links aside) is the same resource.
      const tag = { system: CONTENT_HASH_SYSTEM, code: contentHash(prepared) };
      prepared.meta = { ...prepared.meta, tag: [...(prepared.meta?.tag ?? []), tag] };
      condition = `_tag=${encodeURIComponent(tag.system)}|${tag.code}`;
    }
    visitObjects(prepared, visit);
    return {
      fullUrl: urns.get(key),
      resource: prepared,
      request: { method: 'POST', url: prepared.resourceType, ...(condition && { ifNoneExist: condition }) },
    };
  });
  for (const binary of binaries) {
    entries.push(binary);
    planned.push({ kind: 'binary' });
  }
  entries.push(...resourceEntries);
  planned.push(...imported.map(({ key }) => ({ kind: 'resource' as const, key })));

  if (unresolved.size > 0) {
    warnings.push(
      `Some references point to what is not imported (${[...unresolved].sort().join(', ')}): they keep their display text but no link.`
    );
  }
  if (tooBig > 0) {
    warnings.push(
      `${tooBig} attached file${tooBig === 1 ? ' was' : 's were'} larger than ${Math.round(input.maxAttachmentBytes / 1048576)} MB and not imported; the rest of each resource was.`
    );
  }
  return {
    bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries },
    entries: planned,
    skipped,
    warnings,
  };
}

/** A resource as it will be created: no id, server meta dropped, tagged patient-shared. */
function prepare<T extends Resource>(resource: T): T {
  const copy = { ...resource };
  delete copy.id;
  const meta: Meta = {
    ...(resource.meta?.profile && { profile: resource.meta.profile }),
    ...(resource.meta?.security && { security: resource.meta.security }),
  };
  const tags = resource.meta?.tag ?? [];
  meta.tag = tags.some((t) => t.system === PATIENT_SHARED_TAG.system && t.code === PATIENT_SHARED_TAG.code)
    ? tags
    : [...tags, PATIENT_SHARED_TAG];
  copy.meta = meta;
  return copy;
}

/** Keeps `display` and `identifier`; a reference left with neither gets a display. */
function dropReference(
  reference: Record<string, unknown> & Reference,
  type: string | undefined,
  isPerson: boolean
): void {
  delete reference.reference;
  if (!reference.display && !reference.identifier) {
    reference.display = isPerson ? 'Another person in the shared record' : `${type ?? 'Resource'} (not imported)`;
  }
}
