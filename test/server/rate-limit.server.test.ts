/**
 * An import larger than Medplum's per-user rate limit (50,000 points a minute by default, about
 * 100 per created resource) on the real server: the bot waits as the server asks, resumes with
 * what was refused, and files every resource exactly once.
 */
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImportOutput, ResolveOutput } from '../../bots/contract';
import type { SuiteContext } from './support/context';
import { suiteContext } from './support/context';
import { IPS_LIKE_TYPES, ipsLikeBundle, newPerson, patientOf } from './support/ips-like';
import { runOk } from './support/server';

let ctx: SuiteContext;

beforeAll(async () => {
  ctx = await suiteContext();
});

afterAll(async () => {
  await ctx.close();
});

describe('the server rate limit', () => {
  test('700 resources: the import waits out the 429s and files each one exactly once', async () => {
    const person = newPerson();
    const { id: _senderId, ...incoming } = patientOf(person);
    const patient = await ctx.admin.createResource<Patient>(incoming);
    const link = await ctx.sender.createLink({
      files: [{ content: JSON.stringify(ipsLikeBundle(person, 701)), contentType: 'application/fhir+json', zip: true }],
    });
    const resolved = await runOk<ResolveOutput>(ctx.admin, ctx.botId, {
      operation: 'resolve',
      sealed: await ctx.seal(link),
    });
    const started = Date.now();
    const output = await runOk<ImportOutput>(ctx.admin, ctx.botId, {
      operation: 'import',
      staged: resolved.staged,
      select: resolved.resources
        .filter((r) => r.resourceType !== 'Patient')
        .map((r) => `${r.resourceType}/${r.id ?? ''}`),
      patient: { reference: `Patient/${patient.id}` },
    });
    expect(output.created).toHaveLength(700);
    expect(new Set(output.created).size).toBe(700);
    let onServer = 0;
    for (const type of IPS_LIKE_TYPES.filter((t) => t !== 'Patient')) {
      onServer +=
        (
          await ctx.admin.searchResources(
            type,
            { patient: `Patient/${patient.id}`, _count: '1000', _summary: 'count' },
            { cache: 'no-cache' }
          )
        ).bundle.total ?? 0;
    }
    expect(onServer).toBe(700);
    console.log(
      `test:server: 700 resources imported in ${Math.round((Date.now() - started) / 1000)} s under the default rate limit`
    );
  }, 600_000);
});
