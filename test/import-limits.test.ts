/**
 * `import` within a real server's rules, on Medplum's in-memory FHIR server: staged input that
 * stays small, requests under the body limit, all or nothing, the rate limit's 429s waited out
 * without duplicates, and no second patient for content already in a chart. (The same rules on
 * the real server: `npm run test:server`.)
 */
import { allOk, created, OperationOutcomeError, tooManyRequests } from '@medplum/core';
import type {
  Binary,
  Bundle,
  DiagnosticReport,
  Observation,
  OperationOutcome,
  Provenance,
  Resource,
} from '@medplum/fhirtypes';
import { randomBytes } from 'node:crypto';
import { zstdDecompressSync } from 'node:zlib';
import { describe, expect, test, vi } from 'vitest';
import type { MockClient } from '@medplum/mock';
import type { BoxKey } from '../bots/bot-box';
import { openBoxBytes, sealBox } from '../bots/bot-box';
import { importSealingKey } from '../bots/sealing';
import { STAGED_TAG, stageResult } from '../bots/import/staging';
import { deflateRawPiece, inflateRaw, nodeCodec, randomBytes as nodeRandomBytes } from '../bots/node-platform';
import type { BotOutput, ImportOutput, ResolveOutput } from '../bots/contract';
import type { BotHarness } from './support/bot';
import { errorCode } from './support/bot';
import {
  aboutP,
  checkReferentialIntegrity,
  importOk,
  resolveBundle,
  runImport,
  setup,
  useSender,
} from './support/imports';

const sender = useSender();

/** The rate limiter's 429 as Medplum's server writes it, with how long it asks to wait. */
function rateLimited(msBeforeNext: number): OperationOutcome {
  const outcome = structuredClone(tooManyRequests);
  (outcome.issue[0] as { diagnostics?: string }).diagnostics = JSON.stringify({
    _remainingPoints: 0,
    _msBeforeNext: msBeforeNext,
    _consumedPoints: 50_100,
    limit: 50_000,
  });
  return outcome;
}

function observation(id: string, minute: number): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }] },
    subject: { reference: 'Patient/p' },
    effectiveDateTime: new Date(Date.UTC(2026, 0, 1, 8, minute)).toISOString(),
    valueQuantity: { value: 90 + (minute % 40), unit: 'mg/dL' },
    note: [{ text: 'x'.repeat(300) }],
  };
}

/** A link of `count` glucose readings and a report naming them all. */
function readings(count: number): Bundle {
  const results = Array.from({ length: count }, (_, i) => observation(`o${i}`, i));
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: 'report',
    status: 'final',
    code: { text: 'Glucose diary' },
    subject: { reference: 'Patient/p' },
    result: results.map((r) => ({ reference: `Observation/${r.id ?? ''}` })),
  };
  return aboutP(...results, report);
}

function keysOf(resolved: ResolveOutput, type: string): string[] {
  return resolved.resources.filter((r) => r.resourceType === type).map((r) => `${r.resourceType}/${r.id ?? ''}`);
}

/** The box the bot keeps staged results in: its storage key, from its secret. */
async function storageBox(bot: BotHarness): Promise<BoxKey> {
  const key = await importSealingKey(bot.secrets.SHL_IMPORT_KEY?.valueString, crypto.subtle);
  return { key: key.storageKey, subtle: crypto.subtle, randomBytes: nodeRandomBytes };
}

/** A staged result's plaintext: its Binaries read in order and the box opened. */
async function openStaged(medplum: MockClient, box: BoxKey, staged: string): Promise<Uint8Array | undefined> {
  const pieces = await Promise.all(
    staged.split(',').map(async (reference) => {
      const piece = await medplum.readReference<Binary>({ reference });
      return Buffer.from(piece.data ?? '', 'base64');
    })
  );
  return openBoxBytes(box, 'staged-result', new Uint8Array(Buffer.concat(pieces)));
}

describe('staged import', () => {
  test('resolve keeps its result sealed for the bot; import takes the handle and a selection, once', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(
      sender(),
      bot,
      aboutP(
        { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p' }, code: { text: 'Asthma' } },
        { resourceType: 'Condition', id: 'c2', subject: { reference: 'Patient/p' }, code: { text: 'Hay fever' } }
      )
    );
    expect(resolved.staged).toMatch(/^Binary\//);
    // What the server keeps is ciphertext: no health data, no names.
    const stored = await medplum.readReference<Binary>({ reference: resolved.staged ?? '' });
    const kept = Buffer.from(stored.data ?? '', 'base64').toString('latin1');
    expect(kept).not.toMatch(/Asthma|Hay fever|Doe/);

    const input = {
      operation: 'import',
      staged: resolved.staged,
      select: ['Condition/c2'],
      patient: { create: resolved.patient },
    };
    const result = importOk(await bot.run(input));
    expect(result.created.map((r) => r.split('/')[0]).sort()).toEqual(['Condition', 'Patient']);
    const conditions = await medplum.searchResources('Condition', {});
    expect(conditions.map((c) => c.code?.text)).toEqual(['Hay fever']);
    // Deleted once imported: the handle does not work twice.
    expect(errorCode(await bot.run(input))).toBe('invalid-input');
    expect(await medplum.searchResources('Patient', {})).toHaveLength(1);
  });

  test('a result too large for one string of a FHIR Binary is kept in pieces under 1 MB each, and imports', async () => {
    const { medplum, bot } = await setup(sender());
    // Random notes do not deflate: the sealed result stays past the 1 MB a server allows `Binary.data`.
    const notes = Array.from({ length: 40 }, (_, i): Observation => ({
      ...observation(`n${i}`, i),
      note: [{ text: randomBytes(24_000).toString('base64') }],
    }));
    const resolved = await resolveBundle(sender(), bot, aboutP(...notes));
    const handles = (resolved.staged ?? '').split(',');
    expect(handles.length).toBeGreaterThan(1);
    let sealedBytes = 0;
    for (const reference of handles) {
      const piece = await medplum.readReference<Binary>({ reference });
      expect(piece.meta?.tag).toContainEqual(STAGED_TAG);
      expect(piece.data?.length).toBeLessThan(1_000_000);
      sealedBytes += Buffer.from(piece.data ?? '', 'base64').length;
    }
    // In one Binary, its base64 would pass the server's 1 MB.
    expect(Math.ceil(sealedBytes / 3) * 4).toBeGreaterThan(1_000_000);
    const result = importOk(
      await bot.run({
        operation: 'import',
        staged: resolved.staged,
        select: ['Observation/n0', 'Observation/n39'],
        patient: { create: resolved.patient },
      })
    );
    expect(result.created.map((r) => r.split('/')[0]).sort()).toEqual(['Observation', 'Observation', 'Patient']);
    const imported = await medplum.searchResources('Observation', {});
    expect(imported.map((o) => o.note?.[0]?.text).sort()).toEqual(
      [notes[0], notes[39]].map((o) => o?.note?.[0]?.text).sort()
    );
    // Every piece is deleted once imported.
    expect(await medplum.searchResources('Binary', {})).toHaveLength(0);
  });

  test('where creating a Binary is refused, resolve still answers, without a handle and with a warning', async () => {
    const { medplum, bot } = await setup(sender());
    const post = medplum.post.bind(medplum);
    vi.spyOn(medplum, 'post').mockImplementation((url, ...rest) =>
      String(url).endsWith('/Binary') ? Promise.reject(new Error('forbidden')) : post(url, ...rest)
    );
    const resolved = await resolveBundle(sender(), bot, aboutP(observation('o1', 1)));
    expect(resolved.staged).toBeUndefined();
    expect(resolved.resources.map((r) => r.resourceType).sort()).toEqual(['Observation', 'Patient']);
    expect(resolved.warnings.join(' ')).toMatch(/could not be kept on the server/);
  });

  test('a small result is kept as plain JSON, a large one as zstd frames', async () => {
    const { medplum, bot } = await setup(sender());
    const box = await storageBox(bot);
    const opened = async (resolved: ResolveOutput): Promise<Uint8Array | undefined> =>
      openStaged(medplum, box, resolved.staged ?? '');
    const small = await opened(await resolveBundle(sender(), bot, aboutP(observation('o1', 1))));
    expect(small?.[0]).toBe('{'.charCodeAt(0));
    expect(JSON.parse(Buffer.from(small ?? []).toString('utf8'))).toMatchObject({ format: 'shl-import-staged-v1' });
    const large = Buffer.from((await opened(await resolveBundle(sender(), bot, readings(1500)))) ?? []);
    // The byte that marks zstd frames, then far fewer bytes than the JSON itself: one frame, after its length.
    expect(large[0]).toBe(1);
    expect(large.length).toBeLessThan(128 * 1024);
    expect(large.readUInt32BE(1)).toBe(large.length - 5);
    const json = JSON.parse(zstdDecompressSync(large.subarray(5)).toString('utf8')) as { resources: unknown[] };
    expect(json).toMatchObject({ format: 'shl-import-staged-v1' });
    expect(json.resources.length).toBeGreaterThan(1500);
  });

  test('a result kept deflated, by a runtime without zstd, still imports', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, readings(1500));
    const box = await storageBox(bot);
    const staged = await stageResult(
      {
        medplum,
        ...box,
        now: Date.now,
        requester: 'Practitioner/front-desk-1',
        codec: nodeCodec,
        deflateRawPiece,
        inflateRaw,
      },
      { source: resolved.source, resources: resolved.resources }
    );
    const plaintext = await openStaged(medplum, box, staged);
    // The byte that marks deflated JSON.
    expect(plaintext?.[0]).toBe(0);
    const result = importOk(
      await bot.run({
        operation: 'import',
        staged,
        select: resolved.resources.map((r) => `${r.resourceType}/${r.id ?? ''}`),
        patient: { create: resolved.patient },
      })
    );
    expect(result.created.length).toBeGreaterThan(1500);
  });

  test('a result kept as plain JSON, as before results were deflated, still imports', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, aboutP(observation('o1', 1)));
    const box = await storageBox(bot);
    const sealed = await sealBox(box, 'staged-result', {
      format: 'shl-import-staged-v1',
      expiresAt: Date.now() + 60_000,
      requester: 'Practitioner/front-desk-1',
      source: resolved.source,
      resources: resolved.resources,
      subject: 'Patient/p',
    });
    const old = await medplum.createResource<Binary>({
      resourceType: 'Binary',
      contentType: 'application/octet-stream',
      data: Buffer.from(sealed).toString('base64'),
    });
    const result = importOk(
      await bot.run({
        operation: 'import',
        staged: `Binary/${old.id}`,
        select: ['Observation/o1'],
        patient: { create: resolved.patient },
      })
    );
    expect(result.created).toHaveLength(2);
  });

  test('a staged result is bound to the user who resolved it, and expires after 24 hours', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, aboutP());
    const input = { operation: 'import', staged: resolved.staged, select: [], patient: { create: resolved.patient } };
    const other = await bot.run(input, { reference: 'Practitioner/someone-else' });
    expect(other).toMatchObject({ error: { code: 'invalid-input', message: expect.stringMatching(/another user/) } });
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 24 * 60 * 60 * 1000 + 1000);
    try {
      expect(await bot.run(input)).toMatchObject({ error: { message: expect.stringMatching(/expired/) } });
    } finally {
      clock.mockRestore();
    }
    expect(await medplum.searchResources('Patient', {})).toHaveLength(0);
  });

  test('converting a C-CDA from a staged result takes only a Type/id: one not in the result is refused', async () => {
    const { bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, aboutP());
    const output = await bot.run({
      operation: 'convert-ccda',
      staged: resolved.staged,
      document: 'DocumentReference/none',
    });
    expect(output).toMatchObject({ error: { code: 'invalid-input', message: expect.stringMatching(/C-CDA/) } });
  });
});

/** Imports `bundle` in Bundles of 40 KB, counting the most transaction Bundles in flight at once. */
async function importCountingBundles(
  bundle: Bundle
): Promise<{ medplum: MockClient; result: ImportOutput; most: number }> {
  const { medplum, bot } = await setup(sender(), { SHL_MAX_REQUEST_BYTES: '40000' });
  const resolved = await resolveBundle(sender(), bot, bundle);
  const original = medplum.executeBatch.bind(medplum);
  let inFlight = 0;
  let most = 0;
  vi.spyOn(medplum, 'executeBatch').mockImplementation(async (batch, options) => {
    const counted = batch.type === 'transaction' ? 1 : 0;
    inFlight += counted;
    most = Math.max(most, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return await original(batch, options);
    } finally {
      inFlight -= counted;
    }
  });
  const result = await runImport(bot, resolved, { create: resolved.patient });
  return { medplum, result, most };
}

describe('writes within the server limits', () => {
  test('an import larger than one request goes in ordered transactions: references intact, one Provenance', async () => {
    const { medplum, bot } = await setup(sender(), { SHL_MAX_REQUEST_BYTES: '40000' });
    const resolved = await resolveBundle(sender(), bot, readings(120));
    const batches = vi.spyOn(medplum, 'executeBatch');
    const result = importOk(
      await bot.run({
        operation: 'import',
        staged: resolved.staged,
        select: [...keysOf(resolved, 'Observation'), ...keysOf(resolved, 'DiagnosticReport')],
        patient: { create: resolved.patient },
      })
    );
    const transactions = batches.mock.calls.map(([b]) => b).filter((b) => b.type === 'transaction');
    expect(transactions.length).toBeGreaterThan(3);
    for (const bundle of transactions) {
      expect(JSON.stringify(bundle).length).toBeLessThan(40000);
      expect(bundle.entry?.some((e) => e.request?.ifNoneExist)).toBe(false);
    }
    expect(result.created).toHaveLength(122);
    expect(await checkReferentialIntegrity(medplum, result.created)).toBeGreaterThan(240);
    const report = (await medplum.searchResources('DiagnosticReport', {}))[0] as DiagnosticReport;
    expect(report.result).toHaveLength(120);
    const provenances = await medplum.searchResources('Provenance', {});
    expect(provenances).toHaveLength(1);
    expect((provenances[0] as Provenance).target).toHaveLength(122);
    expect(`Provenance/${provenances[0]?.id ?? ''}`).toBe(result.provenance);
  });

  test('Bundles that need nothing from each other go two at a time; one that needs another waits for it', async () => {
    const independent = await importCountingBundles(readings(120));
    expect(independent.most).toBe(2);
    expect(await checkReferentialIntegrity(independent.medplum, independent.result.created)).toBeGreaterThan(240);

    // Each reading is a member of the one before it: every Bundle needs the one before.
    const chained = readings(120);
    chained.entry?.forEach((entry, i) => {
      const previous = chained.entry?.[i - 1]?.resource;
      if (entry.resource?.resourceType === 'Observation' && previous?.resourceType === 'Observation') {
        entry.resource.hasMember = [{ reference: `Observation/${previous.id ?? ''}` }];
      }
    });
    const dependent = await importCountingBundles(chained);
    expect(dependent.most).toBe(1);
    expect(dependent.result.created.filter((r) => r.startsWith('Observation/'))).toHaveLength(120);
    expect(await checkReferentialIntegrity(dependent.medplum, dependent.result.created)).toBeGreaterThanOrEqual(360);
  });

  test('a refusal while another Bundle is in flight: that one finishes, then everything is undone', async () => {
    const { medplum, bot } = await setup(sender(), { SHL_MAX_REQUEST_BYTES: '40000' });
    const resolved = await resolveBundle(sender(), bot, readings(120));
    let writes = 0;
    medplum.router.add(
      'POST',
      'Observation',
      async (req, repo, _router, options) => {
        if (++writes === 50) {
          return [{ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid' }] }];
        }
        return [created, await repo.createResource(req.body as Resource, { assignedId: options?.assignedId })];
      },
      'create'
    );
    const output = await bot.run({
      operation: 'import',
      staged: resolved.staged,
      select: [...keysOf(resolved, 'Observation'), ...keysOf(resolved, 'DiagnosticReport')],
      patient: { create: resolved.patient },
    });
    expect(errorCode(output)).toBe('invalid-input');
    expect(writes).toBeGreaterThan(50);
    for (const type of ['Patient', 'Observation', 'DiagnosticReport', 'Provenance'] as const) {
      expect(await medplum.searchResources(type, { _count: '1000' })).toHaveLength(0);
    }
  });

  test('a file too large for a request is uploaded alone through the Binary endpoint, tied to the patient, past the rate limit', async () => {
    const { medplum, bot } = await setup(sender(), { SHL_MAX_REQUEST_BYTES: '40000' });
    const pdf = Buffer.alloc(30000, 7).toString('base64');
    const resolved = await resolveBundle(
      sender(),
      bot,
      aboutP({
        resourceType: 'DocumentReference',
        id: 'scan',
        status: 'current',
        subject: { reference: 'Patient/p' },
        content: [{ attachment: { contentType: 'application/pdf', data: pdf } }],
      })
    );
    // The first upload meets the rate limit, as it can after a large import's Bundles: waited out.
    const uploads = vi.spyOn(medplum, 'createBinary').mockRejectedValueOnce(new OperationOutcomeError(rateLimited(5)));
    const result = await runImport(bot, resolved, { create: resolved.patient });
    expect(uploads).toHaveBeenCalledTimes(2);
    expect(result.created.filter((r) => r.startsWith('Binary/'))).toHaveLength(1);
    expect(uploads.mock.calls[1]?.[0]).toMatchObject({
      contentType: 'application/pdf',
      securityContext: { reference: result.patient.reference },
    });
    const doc = (await medplum.searchResources('DocumentReference', {}))[0];
    expect(doc?.content[0]?.attachment.url).toMatch(/^Binary\//);
    expect(result.created).toContain(doc?.content[0]?.attachment.url);
  });

  test('the rate limit: refused entries go again after the wait the server asks for, nothing twice', async () => {
    const { medplum, bot } = await setup(sender(), { SHL_MAX_REQUEST_BYTES: '40000' });
    const resolved = await resolveBundle(sender(), bot, readings(40));
    // Every fifth Observation write is refused once, as the server's quota does mid-batch: it
    // throws, and the router answers 429 for that entry and every one after it.
    let writes = 0;
    const refused = new Set<number>();
    medplum.router.add(
      'POST',
      'Observation',
      async (req, repo, _router, options) => {
        writes++;
        if (writes % 5 === 0 && !refused.has(writes)) {
          refused.add(writes);
          throw new OperationOutcomeError(rateLimited(5));
        }
        return [created, await repo.createResource(req.body as Resource, { assignedId: options?.assignedId })];
      },
      'create'
    );
    const result = await runImport(bot, resolved, { create: resolved.patient });
    expect(refused.size).toBeGreaterThan(3);
    expect(result.created.filter((r) => r.startsWith('Observation/'))).toHaveLength(40);
    expect(await medplum.searchResources('Observation', { _count: '100' })).toHaveLength(40);
    expect(await checkReferentialIntegrity(medplum, result.created)).toBeGreaterThan(80);
  });

  test("a whole Bundle refused by the rate limit is waited out, even when the error is another realm's class (vmcontext)", async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, readings(5));
    // In vmcontext the client is the server's: its OperationOutcomeError is not the bot's class.
    class ServerRealmError extends Error {
      constructor(readonly outcome: OperationOutcome) {
        super('Too Many Requests');
      }
    }
    const original = medplum.executeBatch.bind(medplum);
    let refusals = 0;
    vi.spyOn(medplum, 'executeBatch').mockImplementation((bundle, options) => {
      if (bundle.type === 'transaction' && refusals++ === 0) {
        return Promise.reject(new ServerRealmError(rateLimited(5)));
      }
      return original(bundle, options);
    });
    const result = await runImport(bot, resolved, { create: resolved.patient });
    expect(refusals).toBeGreaterThan(1);
    expect(result.created.filter((r) => r.startsWith('Observation/'))).toHaveLength(5);
  });

  test('past SHL_MAX_RATE_WAIT_MS the import gives up: rate-limited, and nothing is left', async () => {
    const { medplum, bot } = await setup(sender(), { SHL_MAX_RATE_WAIT_MS: '50' });
    const resolved = await resolveBundle(sender(), bot, readings(3));
    medplum.router.add('POST', 'Observation', () => Promise.reject(new OperationOutcomeError(rateLimited(40))));
    const output = await bot.run({
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { create: resolved.patient },
    });
    expect(output).toMatchObject({ error: { code: 'rate-limited', retryAfter: expect.any(Number) } });
    for (const type of ['Patient', 'DiagnosticReport', 'Provenance'] as const) {
      expect(await medplum.searchResources(type, {})).toHaveLength(0);
    }
  });

  test('no transaction Bundle writes more than 200 resources: two in flight fit one minute of the default rate limit', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, readings(450));
    const batches = vi.spyOn(medplum, 'executeBatch');
    const result = await runImport(bot, resolved, { create: resolved.patient });
    const sizes = batches.mock.calls
      .map(([b]) => b)
      .filter((b) => b.type === 'transaction')
      .map((b) => b.entry?.length ?? 0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(200);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(result.created.length + 1);
  });

  test('undoing gets a rate-limit budget of its own: the import ran out of its own, and still nothing is left', async () => {
    const { medplum, bot } = await setup(sender(), { SHL_MAX_RATE_WAIT_MS: '700' });
    const resolved = await resolveBundle(sender(), bot, readings(3));
    medplum.router.add('POST', 'Observation', () => Promise.reject(new OperationOutcomeError(rateLimited(40))));
    let deletes = 0;
    medplum.router.add('DELETE', 'Patient/:id', async (req, repo) => {
      if (++deletes === 1) {
        throw new OperationOutcomeError(rateLimited(40));
      }
      await repo.deleteResource('Patient', req.params.id as string);
      return [allOk];
    });
    const output = await bot.run({
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { create: resolved.patient },
    });
    expect(output).toMatchObject({ error: { code: 'rate-limited' } });
    expect(deletes).toBe(2);
    expect(await medplum.searchResources('Patient', {})).toHaveLength(0);
  });

  test('what could not be removed after a refusal is listed exactly', async () => {
    const { medplum, bot } = await setup(sender());
    const resolved = await resolveBundle(sender(), bot, readings(2));
    medplum.router.add('POST', 'DiagnosticReport', () =>
      Promise.resolve([{ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden' }] }])
    );
    medplum.router.add('DELETE', 'Observation/:id', () =>
      Promise.resolve([{ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden' }] }])
    );
    const output = await bot.run({
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { create: resolved.patient },
    });
    const observations = await medplum.searchResources('Observation', {});
    expect(observations).toHaveLength(2);
    expect(output).toMatchObject({ error: { code: 'invalid-input', left: expect.any(Array) } });
    const left = (output as { error: { left: string[] } }).error.left;
    expect(left.sort()).toEqual(observations.map((o) => `Observation/${o.id}`).sort());
    expect(await medplum.searchResources('Patient', {})).toHaveLength(0);
  });
});

describe('one patient per person', () => {
  const jane = {
    resourceType: 'Patient' as const,
    id: 'p',
    name: [{ family: 'Doe', given: ['Jane'] }],
    birthDate: '1980-02-03',
  };
  /** `bundle` with Jane as its patient. */
  function asJanes(bundle: Bundle): Bundle {
    bundle.entry?.splice(0, 1, { resource: jane });
    return bundle;
  }
  /** Three readings about Jane, in a link of their own. */
  function janesReadings(): Bundle {
    return asJanes(readings(3));
  }
  /** The import of a resolved link as a new patient, answered as it is (refused or not). */
  function importAsNew(bot: BotHarness, resolved: ResolveOutput): Promise<BotOutput> {
    return bot.run({
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { create: resolved.patient },
    });
  }

  test('"create" for content already in that person\'s chart is refused, naming the patient; confirmNew creates anyway', async () => {
    const { medplum, bot } = await setup(sender());
    const first = await resolveBundle(sender(), bot, janesReadings());
    const imported = await runImport(bot, first, { create: first.patient });
    const again = await resolveBundle(sender(), bot, janesReadings());
    const refused = await importAsNew(bot, again);
    expect(refused).toMatchObject({ error: { code: 'invalid-input', existingPatient: imported.patient.reference } });
    expect(await medplum.searchResources('Patient', {})).toHaveLength(1);
    const confirmed = await runImport(bot, again, { create: again.patient, confirmNew: true });
    expect(confirmed.created).toHaveLength(5);
    expect(await medplum.searchResources('Patient', {})).toHaveLength(2);
  });

  test('a large link: "most already in a chart" is judged on an even spread of 240 items, in four searches', async () => {
    const { medplum, bot } = await setup(sender());
    /** Jane's readings `from` to `to` (exclusive), the same content for the same minute. */
    const janes = (from: number, to: number): Bundle =>
      asJanes(aboutP(...Array.from({ length: to - from }, (_, i) => observation(`o${from + i}`, from + i))));
    const first = await resolveBundle(sender(), bot, janes(0, 600));
    const imported = await runImport(bot, first, { create: first.patient });
    const batch = vi.spyOn(medplum, 'executeBatch');
    const searchesOf = (): number =>
      batch.mock.calls.reduce(
        (n, [bundle]) => n + (bundle.entry ?? []).filter((e) => e.request?.method === 'GET').length,
        0
      );

    // 1,000 readings, the first 600 in Jane's chart already: most, though they all come first.
    const most = await resolveBundle(sender(), bot, janes(0, 1000));
    const refused = await importAsNew(bot, most);
    expect(refused).toMatchObject({ error: { code: 'invalid-input', existingPatient: imported.patient.reference } });
    expect(searchesOf()).toBe(4);

    // 1,000 readings of which 300 are in her chart: not most, so a new patient is created.
    batch.mockClear();
    const some = await resolveBundle(sender(), bot, janes(300, 1300));
    const created = await runImport(bot, some, { create: some.patient });
    expect(created.patient.reference).not.toBe(imported.patient.reference);
    expect(searchesOf()).toBe(4);
    expect(await medplum.searchResources('Patient', {})).toHaveLength(2);
  }, 60_000);

  test('the same content under someone plainly different is no reason to refuse: twins, a family, a template', async () => {
    const { medplum, bot } = await setup(sender());
    const first = await resolveBundle(sender(), bot, janesReadings());
    await runImport(bot, first, { create: first.patient });
    const again = await resolveBundle(sender(), bot, janesReadings());
    const other = {
      resourceType: 'Patient' as const,
      name: [{ family: 'Smith', given: ['Omar'] }],
      birthDate: '1955-11-30',
    };
    const result = await runImport(bot, again, { create: other });
    expect(result.created).toHaveLength(5);
    // Nothing of Jane's was taken for Omar's: his chart has its own copies.
    expect(result.existing).toEqual([]);
    expect(await medplum.searchResources('Observation', { patient: result.patient.reference })).toHaveLength(3);
  });
});
