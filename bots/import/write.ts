/**
 * Writing a planned import within the server's rules. Requests stay under the server's JSON
 * body limit (1 MB by default): resources go in transaction Bundles of plain creates (no
 * `ifNoneExist`, so the 8-entry ceiling of strict transactions never applies), ordered so that
 * what a resource refers to is created first or in the same Bundle; a file too large for a
 * Bundle is uploaded alone through the Binary endpoint, which takes raw bodies. A new patient is
 * created first, on its own. Bundles that need nothing from each other go two at a time. The
 * Provenance is the last entry of the last Bundle.
 *
 * All or nothing: with the project feature `transaction-bundles` each Bundle is atomic; without
 * it the server runs a transaction entry by entry, so every entry's outcome is checked. On any
 * refusal, what this import created is deleted again (`undoCreates`) and the answer says what,
 * if anything, still stands. Entries refused by the rate limit (429) are sent again after the
 * wait the server asks for, with references to what was created meanwhile filled in, so nothing
 * is created twice.
 */
import type { MedplumClient } from '@medplum/core';
import { normalizeErrorString } from '@medplum/core';
import type { Binary, Bundle, BundleEntry, OperationOutcome, Provenance, Resource } from '@medplum/fhirtypes';
import { visitObjects } from '../fhir/json-walk';
import { CONTENT_HASH_SYSTEM } from '../fhir/systems';
import { decodeBase64url } from '../shl/base64url';
import { ShlError } from '../shl/errors';
import type { PlannedItem } from './plan';
import { hashTagCode } from './plan';
import type { RateLimitBudget } from './server-calls';
import { describeEntry, isRateLimited, outcomeOf, patiently, postBundle } from './server-calls';

export interface WriteSettings {
  /** The largest request body the server takes (its `maxJsonSize`), with room to spare. */
  maxRequestBytes: number;
  /** Most entries in one Bundle. */
  maxEntries: number;
  /** Most Bundles in flight at once (each only once all it refers to is written). */
  concurrency: number;
  budget: RateLimitBudget;
  /** Told how many items are written so far, of how many. */
  onProgress?: (written: number, total: number) => void;
}

/** A write the server refused: the reason, and everything created before it. */
export class WriteRefused extends Error {
  constructor(
    readonly reason: string,
    readonly created: string[],
    override readonly cause?: unknown
  ) {
    super(reason);
    this.name = 'WriteRefused';
  }
}

export interface Written {
  /** Every created resource's reference, in creation order. */
  created: string[];
  /** Each item's server reference, by urn (created or found existing). */
  refs: Map<string, string>;
  provenance?: string;
}

const encoder = new TextEncoder();
/** What an entry adds to its resource in a Bundle: fullUrl, request and the content-hash tag. */
const ENTRY_OVERHEAD_BYTES = 320;

/**
 * Creates every item not already on the server (`existing`, by urn), then the Provenance that
 * `provenanceOf` makes of what was created. Throws `WriteRefused` after a refusal (the caller
 * undoes what it lists) and ShlError `too-large` before writing anything when an item cannot fit.
 */
export async function writeItems(
  medplum: MedplumClient,
  items: readonly PlannedItem[],
  /** The plan's patient: the chosen patient's reference, or the new patient's urn. */
  patient: string,
  existing: ReadonlyMap<string, string>,
  provenanceOf: (created: string[], patient: string) => Provenance,
  settings: WriteSettings
): Promise<Written> {
  const refs = new Map(existing);
  const toCreate = items.filter((item) => !refs.has(item.urn));
  const sizes = new Map(toCreate.map((item) => [item.urn, encoder.encode(JSON.stringify(item.resource)).length]));
  const solo = toCreate.filter(
    (item) => item.kind === 'binary' && (sizes.get(item.urn) ?? 0) > settings.maxRequestBytes / 2
  );
  const newPatient = toCreate.find((item) => item.kind === 'patient');
  const rest = toCreate.filter((item) => item !== newPatient && !solo.includes(item));
  const chunks = packChunks(orderByNeeds(rest, refs), sizes, settings);
  const created: string[] = [];
  const total = toCreate.length + 1;
  const report = (): void => settings.onProgress?.(created.length, total);

  try {
    // A new patient first, alone: what follows is tied to its server id (tags, securityContext).
    if (newPatient) {
      await sendChunk(medplum, [newPatient], refs, created, undefined, settings.budget);
      report();
    }
    const patientRef = refs.get(patient) ?? patient;
    for (const binary of solo) {
      created.push(await uploadBinary(medplum, binary, refs, settings.budget));
      refs.set(binary.urn, created.at(-1) as string);
      report();
    }
    // Bundles that need nothing from one another go side by side (the server runs each one's
    // entries one after another). The Provenance is the last entry of the last Bundle: of the
    // only one, or, after several, of a Bundle of its own, so that all of them can go at once.
    const last = chunks.length === 1 ? chunks.pop() : undefined;
    await sendConcurrently(chunks, settings.concurrency, async (chunk) => {
      await sendChunk(medplum, tagged(chunk, patientRef), refs, created, undefined, settings.budget);
      report();
    });
    let provenance: string | undefined;
    if (last || created.length > 0) {
      const withProvenance = (planned: string[]): Provenance => provenanceOf(planned, patientRef);
      provenance = await sendChunk(
        medplum,
        tagged(last ?? [], patientRef),
        refs,
        created,
        withProvenance,
        settings.budget
      );
      report();
    }
    return { created: created.filter((ref) => ref !== provenance), refs, ...(provenance && { provenance }) };
  } catch (err) {
    if (err instanceof WriteRefused) {
      throw new WriteRefused(err.reason, created, err.cause);
    }
    throw new WriteRefused(describeError(err), created, err);
  }
}

/** Deletes what an import created, newest first; returns what could not be deleted. */
export async function undoCreates(
  medplum: MedplumClient,
  created: readonly string[],
  budget: RateLimitBudget
): Promise<string[]> {
  let pending = [...created].reverse();
  const left: string[] = [];
  while (pending.length > 0) {
    const refused: string[] = [];
    let refusal: OperationOutcome | undefined;
    for (let start = 0; start < pending.length; start += 100) {
      const slice = pending.slice(start, start + 100);
      let response: Bundle;
      try {
        response = await postBundle(
          medplum,
          {
            resourceType: 'Bundle',
            type: 'batch',
            entry: slice.map((url) => ({ request: { method: 'DELETE', url } })),
          },
          budget
        );
      } catch {
        left.push(...slice);
        continue;
      }
      slice.forEach((reference, i) => {
        const entry = response.entry?.[i];
        const outcome = entry?.response?.outcome;
        if (isRateLimited(outcome)) {
          refused.push(reference);
          refusal ??= outcome;
        } else if (!entry?.response?.status.startsWith('2')) {
          left.push(reference);
        }
      });
    }
    if (refusal) {
      try {
        await budget.wait(medplum, refusal);
      } catch {
        left.push(...refused);
        break;
      }
    }
    pending = refused;
  }
  return left;
}

/**
 * Sends one chunk as a transaction until every entry is created: entries the rate limit refused
 * go again after the wait. The server names every entry before running any, so an entry created
 * while something it refers to was refused would point at nothing: it is deleted and goes again
 * too. Returns the Provenance's reference when one was added.
 */
async function sendChunk(
  medplum: MedplumClient,
  chunk: PlannedItem[],
  refs: Map<string, string>,
  created: string[],
  provenanceOf: ((planned: string[]) => Provenance) | undefined,
  budget: RateLimitBudget
): Promise<string | undefined> {
  const provenanceUrn = 'urn:uuid:00000000-0000-4000-8000-000000000000';
  let pending: Pick<PlannedItem, 'urn' | 'resource' | 'needs'>[] = [...chunk];
  if (provenanceOf) {
    const planned = [...created, ...chunk.map((item) => item.urn)];
    pending.push({ urn: provenanceUrn, resource: provenanceOf(planned), needs: chunk.map((item) => item.urn) });
  }
  let provenance: string | undefined;
  while (pending.length > 0) {
    const response = await postBundle(
      medplum,
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: pending.map(({ urn, resource }) => ({
          fullUrl: urn,
          request: { method: 'POST', url: resource.resourceType },
          resource: withRefs(resource, refs),
        })),
      },
      budget
    );
    const refused = new Set<string>();
    const done = new Map<string, string>();
    let refusal: OperationOutcome | undefined;
    let failure: BundleEntry | undefined;
    pending.forEach((item, i) => {
      const entry = response.entry?.[i];
      const location = entry?.response?.location?.split('/_history/')[0];
      const outcome = entry?.response?.outcome;
      if (entry?.response?.status.startsWith('2') && location) {
        done.set(item.urn, location);
        // The Provenance too: a refusal later in this chunk must undo it with the rest.
        created.push(location);
      } else if (isRateLimited(outcome)) {
        refused.add(item.urn);
        refusal ??= outcome;
      } else {
        failure ??= entry ?? {};
      }
    });
    if (failure) {
      throw new WriteRefused(describeEntry(failure), created);
    }
    const dangling = danglingAfter(pending, done, refused);
    if (dangling.length > 0) {
      const gone = dangling.map((urn) => done.get(urn) as string);
      const left = await undoCreates(medplum, gone, budget);
      if (left.length > 0) {
        throw new WriteRefused('a resource created before what it refers to could not be replaced', created);
      }
      created.splice(0, created.length, ...created.filter((ref) => !gone.includes(ref)));
      dangling.forEach((urn) => {
        done.delete(urn);
        refused.add(urn);
      });
    }
    for (const [urn, location] of done) {
      if (urn === provenanceUrn) {
        provenance = location;
      } else {
        refs.set(urn, location);
      }
    }
    if (refusal) {
      await budget.wait(medplum, refusal);
    }
    pending = pending.filter((item) => refused.has(item.urn));
  }
  return provenance;
}

/**
 * Sends the chunks in order, up to `concurrency` at once; a chunk starts only once every earlier
 * chunk holding something it refers to is done. After a failure nothing new starts, the chunks in
 * flight finish (so what they created is known and can be undone), and the first failure is thrown.
 */
async function sendConcurrently(
  chunks: readonly PlannedItem[][],
  concurrency: number,
  send: (chunk: PlannedItem[]) => Promise<void>
): Promise<void> {
  const chunkOf = new Map<string, number>();
  chunks.forEach((chunk, i) => {
    for (const item of chunk) {
      chunkOf.set(item.urn, i);
    }
  });
  const waitsFor = chunks.map(
    (chunk, i) =>
      new Set(chunk.flatMap((item) => item.needs.map((urn) => chunkOf.get(urn) ?? i)).filter((j) => j !== i))
  );
  const done = new Set<number>();
  const running = new Map<number, Promise<void>>();
  let next = 0;
  let failure: { error: unknown } | undefined;
  while (next < chunks.length || running.size > 0) {
    while (
      !failure &&
      next < chunks.length &&
      running.size < concurrency &&
      [...(waitsFor[next] ?? [])].every((j) => done.has(j))
    ) {
      const i = next++;
      running.set(
        i,
        send(chunks[i] ?? []).then(
          () => {
            done.add(i);
            running.delete(i);
          },
          (error: unknown) => {
            failure ??= { error };
            running.delete(i);
          }
        )
      );
    }
    if (running.size === 0) {
      break;
    }
    await Promise.race(running.values());
  }
  if (failure) {
    throw failure.error;
  }
}

/** The created entries that refer (directly or through each other) to a refused one. */
function danglingAfter(
  sent: readonly Pick<PlannedItem, 'urn' | 'needs'>[],
  done: ReadonlyMap<string, string>,
  refused: ReadonlySet<string>
): string[] {
  const broken = new Set(refused);
  let grew = true;
  while (grew) {
    grew = false;
    for (const item of sent) {
      if (done.has(item.urn) && !broken.has(item.urn) && item.needs.some((urn) => broken.has(urn))) {
        broken.add(item.urn);
        grew = true;
      }
    }
  }
  return [...broken].filter((urn) => done.has(urn));
}

/** A large file uploaded alone through the Binary endpoint, tied to its patient. */
async function uploadBinary(
  medplum: MedplumClient,
  item: PlannedItem,
  refs: ReadonlyMap<string, string>,
  budget: RateLimitBudget
): Promise<string> {
  const binary = item.resource as Binary;
  const securityContext = binary.securityContext?.reference;
  const data = decodeBase64url((binary.data ?? '').replace(/\s+/g, ''));
  if (!data) {
    throw new WriteRefused('An attached file is not valid base64.', []);
  }
  const stored = await patiently(medplum, budget, () =>
    medplum.createBinary({
      data,
      contentType: binary.contentType,
      ...(securityContext && { securityContext: { reference: refs.get(securityContext) ?? securityContext } }),
    })
  );
  return `Binary/${stored.id}`;
}

/** A copy of `resource` with every urn it refers to that now has a server reference filled in. */
function withRefs(resource: Resource, refs: ReadonlyMap<string, string>): Resource {
  const copy = JSON.parse(JSON.stringify(resource)) as Resource;
  visitObjects(copy, (object) => {
    for (const field of ['reference', 'url'] as const) {
      const value = object[field];
      if (typeof value === 'string' && value.startsWith('urn:uuid:')) {
        const ref = refs.get(value);
        if (ref) {
          object[field] = ref;
        }
      }
    }
  });
  return copy;
}

/** The chunk's resources with their content-hash tags (shared ones scoped to the patient). */
function tagged(chunk: PlannedItem[], patientRef: string): PlannedItem[] {
  return chunk.map((item) => {
    const code = hashTagCode(item, patientRef);
    if (!code) {
      return item;
    }
    const tags = [...(item.resource.meta?.tag ?? []), { system: CONTENT_HASH_SYSTEM, code }];
    return { ...item, resource: { ...item.resource, meta: { ...item.resource.meta, tag: tags } } };
  });
}

/**
 * The items in an order where each comes after what it needs: strongly connected groups (items
 * that refer to each other) stay together and come after the groups they need (Tarjan's
 * algorithm emits them in that order).
 */
export function orderByNeeds(items: PlannedItem[], done: ReadonlyMap<string, string>): PlannedItem[][] {
  const byUrn = new Map(items.map((item) => [item.urn, item]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: PlannedItem[] = [];
  const onStack = new Set<string>();
  const groups: PlannedItem[][] = [];
  let counter = 0;
  // Iterative Tarjan: resources may form long chains, and recursion would overflow the stack.
  for (const root of items) {
    if (index.has(root.urn)) {
      continue;
    }
    const work: { item: PlannedItem; next: number }[] = [{ item: root, next: 0 }];
    index.set(root.urn, counter);
    low.set(root.urn, counter++);
    stack.push(root);
    onStack.add(root.urn);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { item: PlannedItem; next: number };
      const needs = frame.item.needs.filter((urn) => byUrn.has(urn) && !done.has(urn));
      if (frame.next < needs.length) {
        const urn = needs[frame.next++] as string;
        if (!index.has(urn)) {
          const child = byUrn.get(urn) as PlannedItem;
          index.set(urn, counter);
          low.set(urn, counter++);
          stack.push(child);
          onStack.add(urn);
          work.push({ item: child, next: 0 });
        } else if (onStack.has(urn)) {
          low.set(frame.item.urn, Math.min(low.get(frame.item.urn) ?? 0, index.get(urn) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) {
        low.set(parent.item.urn, Math.min(low.get(parent.item.urn) ?? 0, low.get(frame.item.urn) ?? 0));
      }
      if (low.get(frame.item.urn) === index.get(frame.item.urn)) {
        const group: PlannedItem[] = [];
        let member: PlannedItem | undefined;
        do {
          member = stack.pop();
          if (member) {
            onStack.delete(member.urn);
            group.push(member);
          }
        } while (member && member !== frame.item);
        groups.push(group);
      }
    }
  }
  return groups;
}

/** Groups packed into Bundles under the size and entry limits, in order; room is left for the Provenance. */
function packChunks(
  groups: PlannedItem[][],
  sizes: ReadonlyMap<string, number>,
  settings: WriteSettings
): PlannedItem[][] {
  const total = groups.reduce((n, g) => n + g.length, 0);
  // The Provenance names every created item (about 60 bytes each) and goes in the last Bundle.
  const provenanceBytes = 1000 + 60 * (total + 2);
  const limit = settings.maxRequestBytes - 2000;
  const chunks: PlannedItem[][] = [];
  let chunk: PlannedItem[] = [];
  let bytes = 0;
  for (const group of groups) {
    const groupBytes = group.reduce((n, item) => n + (sizes.get(item.urn) ?? 0) + ENTRY_OVERHEAD_BYTES, 0);
    if (groupBytes > limit || group.length > settings.maxEntries) {
      throw new ShlError(
        'too-large',
        `Some items refer to each other in a group too large to write at once (${Math.ceil(groupBytes / 1024)} KB; the server takes ${Math.floor(settings.maxRequestBytes / 1024)} KB per request). Import fewer items, or ask an administrator to raise the server's maxJsonSize.`
      );
    }
    if (chunk.length > 0 && (bytes + groupBytes > limit || chunk.length + group.length > settings.maxEntries)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(...group);
    bytes += groupBytes;
  }
  if (chunk.length > 0) {
    chunks.push(chunk);
  }
  // The last Bundle must hold the Provenance too; if it cannot, the Provenance goes alone.
  const lastBytes = chunk.reduce((n, item) => n + (sizes.get(item.urn) ?? 0) + ENTRY_OVERHEAD_BYTES, 0);
  if (chunks.length > 0 && lastBytes + provenanceBytes > limit) {
    chunks.push([]);
  }
  return chunks;
}

function describeError(err: unknown): string {
  const outcome = outcomeOf(err);
  if (outcome) {
    return normalizeErrorString(outcome).slice(0, 300);
  }
  return err instanceof ShlError ? err.message : 'the server could not be reached';
}
