/**
 * What the project features `transaction-bundles` and `cron` change, on the real server. Each
 * runs in every state the suite can set: both with a super-admin client, else only the project's
 * current one (the global setup prints which variants did not run).
 *
 * - transaction-bundles: with it a `transaction` is atomic (one refused entry, nothing filed);
 *   without it the server files it entry by entry (the rest filed, the refused one named).
 * - cron: with it the server's own scheduler runs the bot (input: the Bot resource), which polls
 *   a followed link that is due; without it the deploy says what is missing and writes no schedule.
 */
import type { Patient, Provenance, Resource, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { ImportOutput, ResolveOutput } from '../../bots/contract';
import { FOLLOW_TASK_CODE, nextPollOf } from '../../bots/import/tasks';
import { FEATURES } from '../../scripts/deploy/deploy';
import type { SuiteContext } from './support/context';
import { suiteContext } from './support/context';
import { runDeploy } from './support/deploy';
import { IPS_LIKE_TYPES, ipsLikeBundle, newPerson, patientOf } from './support/ips-like';
import { errorOf, runBot, runOk, waitFor } from './support/server';

const FHIR = 'application/fhir+json';
/** The follow Task's extension holding when the link is next polled (bots/import/follow.ts). */
const NEXT_POLL = 'https://smarthealthit.org/shl-import/StructureDefinition/next-poll';

let ctx: SuiteContext;

beforeAll(async () => {
  ctx = await suiteContext();
});

afterAll(async () => {
  await ctx.close();
});

const states = (feature: 'transaction-bundles' | 'cron'): { on: boolean; state: string }[] =>
  inject('variants')[feature].map((on) => ({ on, state: on ? 'on' : 'off' }));

/** A Patient on the server and a resolved link of `count` IPS-like resources about them. */
async function patientWithLink(count: number): Promise<{ patient: string; resolved: ResolveOutput }> {
  const person = newPerson();
  const { id: _senderId, ...incoming } = patientOf(person);
  const patient = await ctx.admin.createResource<Patient>(incoming);
  const link = await ctx.sender.createLink({
    files: [{ content: JSON.stringify(ipsLikeBundle(person, count)), contentType: FHIR }],
  });
  const resolved = await runOk<ResolveOutput>(ctx.admin, ctx.botId, {
    operation: 'resolve',
    sealed: await ctx.seal(link),
  });
  return { patient: `Patient/${patient.id}`, resolved };
}

async function countFor(patient: string): Promise<number> {
  let total = 0;
  for (const type of IPS_LIKE_TYPES.filter((t) => t !== 'Patient')) {
    const found = await ctx.admin.search(type, { patient, _summary: 'count' }, { cache: 'no-cache' });
    total += found.total ?? 0;
  }
  return total;
}

/** Leaves the feature as the run found it, for the other test files (hooks run last-registered first). */
function restoreAfterwards(feature: 'transaction-bundles' | 'cron'): void {
  afterAll(async () => {
    await ctx.setFeature(feature, inject('featuresAtStart').includes(feature));
  });
}

describe.each(states('transaction-bundles'))('transaction-bundles $state', ({ on }) => {
  restoreAfterwards('transaction-bundles');
  beforeAll(async () => {
    await ctx.setFeature('transaction-bundles', on);
  });

  test('an import of four resources is filed whole', async () => {
    const { patient, resolved } = await patientWithLink(5);
    const output = await runOk<ImportOutput>(ctx.admin, ctx.botId, {
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { reference: patient },
    });
    expect(output.created).toHaveLength(4);
    expect(output.warnings).toEqual([]);
    expect(await countFor(patient)).toBe(4);
  });

  test(
    on
      ? 'one entry the server refuses: nothing is filed (the transaction is atomic), and the answer says so'
      : 'one entry the server refuses: what the others created is deleted again, and the answer says so',
    async () => {
      const { patient, resolved } = await patientWithLink(5);
      // An AllergyIntolerance without clinicalStatus breaks FHIR's invariant ait-1: the server refuses it.
      const resources = resolved.resources.map((r) =>
        r.resourceType === 'AllergyIntolerance' ? { ...r, clinicalStatus: undefined } : r
      );
      const output = await runBot<ImportOutput>(ctx.admin, ctx.botId, {
        operation: 'import',
        source: resolved.source,
        resources,
        patient: { reference: patient },
      });
      // All or nothing either way: with the feature the server rolls back; without it the bot
      // deletes what the transaction's other entries created.
      expect(errorOf(output)).toMatchObject({
        code: 'invalid-input',
        message: expect.stringMatching(/nothing was imported/) as unknown,
      });
      expect(errorOf(output)).not.toHaveProperty('left');
      expect(await countFor(patient)).toBe(0);
    }
  );
});

describe.each(states('transaction-bundles'))('large imports, transaction-bundles $state', ({ on }) => {
  restoreAfterwards('transaction-bundles');
  beforeAll(async () => {
    await ctx.setFeature('transaction-bundles', on);
  });

  /** A Patient and a staged link of `count` resources with 20 KB narratives each (4 MB for 200). */
  async function stagedLink(count: number, last?: Resource): Promise<{ patient: string; resolved: ResolveOutput }> {
    const person = newPerson();
    const { id: _senderId, ...incoming } = patientOf(person);
    const patient = await ctx.admin.createResource<Patient>(incoming);
    const bundle = ipsLikeBundle(person, count, { narrativeBytes: 20_000 });
    if (last) {
      bundle.entry?.push({ fullUrl: `${last.resourceType}/${last.id ?? ''}`, resource: last });
    }
    const link = await ctx.sender.createLink({
      files: [{ content: JSON.stringify(bundle), contentType: FHIR, zip: true, delivery: 'location' }],
    });
    const resolved = await runOk<ResolveOutput>(ctx.admin, ctx.botId, {
      operation: 'resolve',
      sealed: await ctx.seal(link),
    });
    expect(resolved.staged).toMatch(/^Binary\//);
    return { patient: `Patient/${patient.id}`, resolved };
  }

  const everything = (resolved: ResolveOutput): string[] =>
    resolved.resources.filter((r) => r.resourceType !== 'Patient').map((r) => `${r.resourceType}/${r.id ?? ''}`);

  test('200 resources, 4 MB: the pages send only the handle and the selection; all filed, one Provenance', async () => {
    const { patient, resolved } = await stagedLink(200);
    const input = {
      operation: 'import',
      staged: resolved.staged,
      select: everything(resolved),
      patient: { reference: patient },
    };
    expect(JSON.stringify(input).length).toBeLessThan(20_000);
    const output = await runOk<ImportOutput>(ctx.admin, ctx.botId, input);
    expect(output.created).toHaveLength(199);
    expect(await countFor(patient)).toBe(199);
    const provenance = await ctx.admin.readReference<Provenance>({ reference: output.provenance ?? '' });
    expect(provenance.target).toHaveLength(200);
  });

  test('a refused entry in the last request of a large import leaves nothing new behind', async () => {
    // An AllergyIntolerance without clinicalStatus breaks FHIR's invariant ait-1: the server refuses it.
    const refused = {
      resourceType: 'AllergyIntolerance',
      id: 'refused-last',
      patient: { reference: 'Patient/ips-patient' },
      code: { text: 'Peanuts' },
      verificationStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' },
        ],
      },
    } as Resource;
    const { patient, resolved } = await stagedLink(200, refused);
    const output = await runBot<ImportOutput>(ctx.admin, ctx.botId, {
      operation: 'import',
      staged: resolved.staged,
      select: everything(resolved),
      patient: { reference: patient },
    });
    expect(errorOf(output)).toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/nothing was imported/) as unknown,
    });
    expect(errorOf(output)).not.toHaveProperty('left');
    expect(await countFor(patient)).toBe(0);
    expect(await ctx.admin.searchResources('Provenance', { target: patient })).toHaveLength(0);
  });
});

describe.each(states('cron'))('cron $state', ({ on }) => {
  restoreAfterwards('cron');
  let cronBefore: string | undefined;

  beforeAll(async () => {
    cronBefore = (await ctx.admin.readResource('Bot', ctx.botId)).cronString;
    await ctx.setFeature('cron', on);
  });

  if (on) {
    afterAll(() => {
      // Put the schedule back while the feature is on: only then does the server act on it.
      runDeploy(['--no-build', '--cron', 'off'], ctx.botId);
      if (cronBefore) {
        runDeploy(['--no-build', '--cron', cronBefore], ctx.botId);
      }
    });

    test("the server's scheduler runs the bot as itself (input: the Bot), and it polls a followed link that is due", async () => {
      const person = newPerson();
      const link = await ctx.sender.createLink({
        files: [{ content: JSON.stringify(ipsLikeBundle(person, 3)), contentType: FHIR }],
        flag: 'L',
        label: 'Followed by cron',
      });
      const sealed = await ctx.seal(link);
      const resolved = await runOk<ResolveOutput>(ctx.admin, ctx.botId, { operation: 'resolve', sealed });
      const { id: _senderId, ...create } = resolved.patient as Patient;
      const imported = await runOk<ImportOutput & { following: string }>(ctx.admin, ctx.botId, {
        operation: 'import',
        source: resolved.source,
        resources: resolved.resources,
        patient: { create },
        follow: { sealed, auto: false },
      });
      // Due now (as if its hour had passed), and the sender has something new.
      const follow = await ctx.admin.readReference<Task>({ reference: imported.following });
      await ctx.admin.updateResource<Task>({
        ...follow,
        extension: follow.extension?.map((e) =>
          e.url === NEXT_POLL ? { url: NEXT_POLL, valueDateTime: new Date(Date.now() - 60_000).toISOString() } : e
        ),
      });
      ctx.sender.setFiles(link.id, [{ content: JSON.stringify(ipsLikeBundle(person, 4)), contentType: FHIR }]);

      // Every minute, through npm run deploy's flag (removed first, so the server schedules it anew).
      runDeploy(['--no-build', '--cron', 'off'], ctx.botId);
      const { output } = runDeploy(['--no-build', '--cron', '* * * * *'], ctx.botId);
      expect(output).toContain('cronString: "* * * * *"');
      expect((await ctx.admin.readResource('Bot', ctx.botId)).cronString).toBe('* * * * *');

      const review = await waitFor(
        'a cron run to queue a review of the followed link',
        async () => (await ctx.admin.searchResources('Task', { 'based-on': imported.following }))[0],
        150_000
      );
      expect(review.description).toMatch(
        /^Changes in Followed by cron .*: 1 new or changed item, 0 items no longer shared\.$/
      );
      const polled = await ctx.admin.readReference<Task>({ reference: imported.following });
      expect(polled.code?.coding).toContainEqual(FOLLOW_TASK_CODE);
      expect(Date.parse(nextPollOf(polled) ?? '')).toBeGreaterThan(Date.now());
      // Written by the bot's own membership: the scheduler ran it, not a user's Check now.
      expect(polled.meta?.author?.reference).toBe(`Bot/${ctx.botId}`);
      expect(review.meta?.author?.reference).toBe(`Bot/${ctx.botId}`);
    });
  } else {
    test('the deploy says cron is missing and what it gives, and writes no schedule', async () => {
      const { output } = runDeploy(['--no-build', '--dry-run', '--cron', '* * * * *'], ctx.botId);
      expect(output).toContain(`Project feature "cron" is missing: with it, ${FEATURES.cron?.gives ?? ''}.`);
      expect(output).not.toContain('cronString: "* * * * *"');
      expect((await ctx.admin.readResource('Bot', ctx.botId)).cronString).toBe(cronBefore);
    });
  }
});
