/**
 * Planning an import, pure: what to create and how the created resources refer to each other.
 * Every item gets a lower-case `urn:uuid` (incoming ids never become server ids). One walk over
 * each resource rewrites its references: the incoming Patient becomes the chosen (or new)
 * patient, references between imported resources become their urns, and anything else (not
 * imported, another person, a server resource nobody chose) keeps only `display` and
 * `identifier`. The same walk takes inline attachment data out into Binaries (inert types
 * only, tied to the patient by `securityContext`) and drops attachment URLs that point into
 * the server. A new patient is built from demographics only and goes through the same walk.
 */
import type { Binary, Meta, Patient, Reference, Resource } from '@medplum/fhirtypes';
import type { PatientChoice, SkippedResource } from '../contract';
import { textHash } from '../fhir/content-hash';
import { literalReference, visitObjects } from '../fhir/json-walk';
import { CONTENT_HASH_SYSTEM, ENDPOINT_PATIENT_EXTENSION, PATIENT_SHARED_TAG } from '../fhir/systems';
import { typeIdTail } from '../fhir/type-id';
import type { DedupeKeys } from './dedupe-keys';
import { dedupeKeys, identifierTokens, PATIENT_PARAM } from './dedupe-keys';

export type ImportTarget = PatientChoice;

export interface PlanInput {
  /** The reviewed resources, as `resolve` normalized them (`Type/id` unique, references `Type/id`). */
  resources: Resource[];
  /** `Patient/<id>` of the incoming Patient within `resources`. */
  subject?: string;
  target: ImportTarget;
  allowedTypes: ReadonlySet<string>;
  randomUUID: () => string;
  /** Largest inline attachment turned into a Binary. */
  maxAttachmentBytes: number;
  /** The Medplum server's origin: attachment URLs pointing there are dropped. */
  serverOrigin?: string;
}

/** One thing to create. */
export interface PlannedItem {
  kind: 'patient' | 'binary' | 'resource';
  /** Its placeholder until the server names it. */
  urn: string;
  resource: Resource;
  /** The incoming `Type/id` (resources). */
  key?: string;
  /** What identifies it against what the server holds (resources). */
  keys?: DedupeKeys;
  /** Not the patient's own data (a practitioner, an organization): looked up by strong identifiers only. */
  shared?: boolean;
  /** The urns of the items it refers to. */
  needs: string[];
}

export interface ImportPlan {
  /** The chosen patient's reference, or the new patient's urn. */
  patientRef: string;
  items: PlannedItem[];
  skipped: SkippedResource[];
  warnings: string[];
}

/** The demographic elements a new patient is built from; nothing else of the link's Patient is kept. */
const DEMOGRAPHICS = ['name', 'birthDate', 'gender', 'telecom', 'address', 'identifier', 'communication'] as const;

/** Attachment types a browser shows without running anything; others are stored as plain bytes. */
const PASSIVE_TYPES = new Set([
  'application/pdf',
  'application/json',
  'application/fhir+json',
  'application/xml',
  'text/xml',
  'application/cda+xml',
  'application/hl7-v3+xml',
  'application/dicom',
  'text/plain',
  'text/csv',
  'text/rtf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/tiff',
  'image/bmp',
]);

/** Resource types a link never gets to write, whatever the allowlist says: they vouch for other data. */
const NEVER_IMPORTED: Readonly<Record<string, string>> = {
  Provenance: 'A provenance record from the link is not imported: this import writes its own.',
  AuditEvent: 'An audit record from the link is not imported.',
};

/** Builds the plan; pure. */
export function planImport(input: PlanInput): ImportPlan {
  const skipped: SkippedResource[] = [];
  const warnings: string[] = [];
  const urn = (): string => `urn:uuid:${input.randomUUID().toLowerCase()}`;
  const urns = new Map<string, string>();
  const chosen: { key: string; resource: Resource }[] = [];
  const otherPatients = new Set<string>();

  for (const resource of input.resources) {
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    const reason = skipReason(resource, key, input);
    if (reason === undefined) {
      urns.set(key, urn());
      chosen.push({ key, resource });
    } else if (reason !== 'subject') {
      if (resource.resourceType === 'Patient') {
        otherPatients.add(key);
      }
      skipped.push({ resourceType: resource.resourceType, ...(resource.id && { id: resource.id }), reason });
    }
  }

  const items: PlannedItem[] = [];
  const target = input.target;
  const patientRef = 'create' in target ? urn() : target.reference;
  const walk = new ReferenceWalk(input, urns, otherPatients, patientRef, urn, warnings);
  if ('create' in target) {
    const patient = prepare(newPatient(target.create));
    items.push({ kind: 'patient', urn: patientRef, resource: patient, needs: walk.rewrite(patient).needs });
  }
  for (const { key, resource } of chosen) {
    const prepared = prepare(resource);
    if (prepared.resourceType === 'Endpoint' && input.subject) {
      prepared.extension = [
        ...(prepared.extension ?? []).filter((e) => e.url !== ENDPOINT_PATIENT_EXTENSION),
        { url: ENDPOINT_PATIENT_EXTENSION, valueReference: { reference: input.subject } },
      ];
    }
    // Keys first: the content hash covers attachment data, not the urns it is about to get.
    const keys = dedupeKeys(prepared);
    const { needs, namesPatient } = walk.rewrite(prepared);
    // The patient's own data names the patient; anything else is looked up as shared.
    const shared = PATIENT_PARAM[prepared.resourceType] === undefined || !namesPatient;
    items.push({
      kind: 'resource',
      urn: urns.get(key) as string,
      resource: prepared,
      key,
      keys: shared ? { identifiers: identifierTokens(prepared, true), hash: keys.hash } : keys,
      shared,
      needs,
    });
  }
  // Binaries go first: the resources that show them refer to them.
  items.unshift(...walk.binaries);
  walk.finish();
  return { patientRef, items, skipped, warnings };
}

/** Why a resource is not imported; `subject` for the incoming Patient (it becomes the target). */
function skipReason(resource: Resource, key: string, input: PlanInput): string | undefined {
  if (key === input.subject) {
    return 'subject';
  }
  if (resource.resourceType === 'Patient') {
    return 'Another person in the link (for example an insurance subscriber): not created.';
  }
  const never = NEVER_IMPORTED[resource.resourceType];
  if (never) {
    return never;
  }
  return input.allowedTypes.has(resource.resourceType)
    ? undefined
    : `${resource.resourceType} is not patient data this project imports.`;
}

/** The new patient: the link's (or staff's edited) demographics, nothing else. */
function newPatient(create: Patient): Patient {
  const patient: Patient = { resourceType: 'Patient' };
  for (const element of DEMOGRAPHICS) {
    if (create[element] !== undefined) {
      (patient as unknown as Record<string, unknown>)[element] = create[element];
    }
  }
  return patient;
}

/** A resource as it will be created: a copy without id, server meta dropped, tagged patient-shared. */
function prepare<T extends Resource>(resource: T): T {
  const copy = structuredCopy(resource);
  delete copy.id;
  const meta: Meta = {
    ...(resource.meta?.profile && { profile: resource.meta.profile }),
    ...(resource.meta?.security && { security: resource.meta.security }),
  };
  const tags = (resource.meta?.tag ?? []).filter((t) => t.system !== CONTENT_HASH_SYSTEM);
  meta.tag = tags.some((t) => t.system === PATIENT_SHARED_TAG.system && t.code === PATIENT_SHARED_TAG.code)
    ? tags
    : [...tags, PATIENT_SHARED_TAG];
  copy.meta = meta;
  return copy;
}

/** A deep copy of JSON data (the plan rewrites it; the caller's resources stay as they were). */
function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The one reference walk: rewrites references and attachments of each prepared resource, and
 * collects the Binaries made from inline attachment data.
 */
class ReferenceWalk {
  readonly binaries: PlannedItem[] = [];
  private readonly unresolved = new Set<string>();
  private tooBig = 0;
  private madeInert = new Set<string>();
  private droppedUrls = 0;

  constructor(
    private readonly input: PlanInput,
    private readonly urns: ReadonlyMap<string, string>,
    private readonly otherPatients: ReadonlySet<string>,
    private readonly patientRef: string,
    private readonly urn: () => string,
    private readonly warnings: string[]
  ) {}

  /** Rewrites `resource` in place; what it now refers to, and whether it names the patient. */
  rewrite(resource: Resource): { needs: string[]; namesPatient: boolean } {
    const needs = new Set<string>();
    let namesPatient = false;
    visitObjects(resource, (object) => {
      if (object.reference === '') {
        // An empty reference names nothing, and a server refuses it.
        delete object.reference;
      }
      const reference = literalReference(object);
      if (reference !== undefined) {
        const target = this.targetOf(reference);
        if (target === undefined) {
          this.drop(object, reference);
        } else {
          object.reference = target;
          namesPatient ||= target === this.patientRef;
          if (target.startsWith('urn:uuid:')) {
            needs.add(target);
          }
        }
      }
      if (typeof object.contentType === 'string') {
        const binary = this.attachment(object, object.contentType);
        if (binary) {
          needs.add(binary);
        }
      }
    });
    return { needs: [...needs], namesPatient };
  }

  /** What a reference becomes: the patient, an imported resource's urn, or nothing. */
  private targetOf(reference: string): string | undefined {
    const tail = typeIdTail(reference);
    const key = tail ? `${tail.type}/${tail.id}` : reference;
    return key === this.input.subject ? this.patientRef : this.urns.get(key);
  }

  /** Keeps `display` and `identifier`; a reference left with neither gets a display. */
  private drop(object: Record<string, unknown> & Reference, reference: string): void {
    const tail = typeIdTail(reference);
    const key = tail ? `${tail.type}/${tail.id}` : reference;
    const person = this.otherPatients.has(key);
    this.unresolved.add(person ? 'another person in the link' : (tail?.type ?? 'a resource outside the link'));
    delete object.reference;
    if (!object.display && !object.identifier) {
      object.display = person ? 'Another person in the shared record' : `${tail?.type ?? 'Resource'} (not imported)`;
    }
  }

  /** An attachment: inline data becomes a Binary (its urn returned); a URL into the server is dropped. */
  private attachment(object: Record<string, unknown>, contentType: string): string | undefined {
    if (typeof object.url === 'string' && !isOutsideWebAddress(object.url, this.input.serverOrigin)) {
      delete object.url;
      this.droppedUrls++;
    }
    if (typeof object.data !== 'string') {
      return undefined;
    }
    if (Math.floor((object.data.length * 3) / 4) > this.input.maxAttachmentBytes) {
      delete object.data;
      this.tooBig++;
      return undefined;
    }
    const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    const passive = PASSIVE_TYPES.has(type);
    if (!passive) {
      this.madeInert.add(type || 'unknown');
    }
    const binary: Binary = {
      resourceType: 'Binary',
      contentType: passive ? contentType : 'application/octet-stream',
      data: object.data,
      securityContext: { reference: this.patientRef },
    };
    const urn = this.urn();
    this.binaries.push({ kind: 'binary', urn, resource: binary, needs: [this.patientRef].filter(isUrn) });
    delete object.data;
    object.url = urn;
    return urn;
  }

  /** The warnings of the whole walk. */
  finish(): void {
    if (this.unresolved.size > 0) {
      this.warnings.push(
        `Some references point to what is not imported (${[...this.unresolved].sort().join(', ')}): they keep their display text but no link.`
      );
    }
    if (this.tooBig > 0) {
      this.warnings.push(
        `${this.tooBig} attached file${this.tooBig === 1 ? ' was' : 's were'} larger than ${Math.round(this.input.maxAttachmentBytes / 1048576)} MB and not imported; the rest of each resource was.`
      );
    }
    if (this.madeInert.size > 0) {
      this.warnings.push(
        `Attached files of type ${[...this.madeInert].sort().join(', ')} can run code in a browser: they were stored as plain downloads, not to be opened in the chart.`
      );
    }
    if (this.droppedUrls > 0) {
      this.warnings.push(
        `${this.droppedUrls} attachment link${this.droppedUrls === 1 ? '' : 's'} pointed into this server, or ${this.droppedUrls === 1 ? 'was' : 'were'} no web address, and ${this.droppedUrls === 1 ? 'was' : 'were'} removed.`
      );
    }
  }
}

/**
 * Whether an attachment URL may stay: an http(s) address elsewhere. A relative URL (a server path
 * such as `Binary/123`) or one on the Medplum server would point into the server, and other
 * schemes (`javascript:`, `data:`, `file:`, a `urn:`) are no address a chart should open.
 */
function isOutsideWebAddress(url: string, serverOrigin: string | undefined): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.origin !== serverOrigin;
  } catch {
    return false;
  }
}

function isUrn(reference: string): boolean {
  return reference.startsWith('urn:uuid:');
}

/**
 * The content-hash tag an item is stored with: its hash, or for shared resources the hash
 * scoped to the patient, so that content another patient's link also carried is never found
 * for this one.
 */
export function hashTagCode(item: PlannedItem, patientRef: string): string | undefined {
  if (!item.keys) {
    return undefined;
  }
  return item.shared ? textHash(`${item.keys.hash}|${patientRef}`) : item.keys.hash;
}
