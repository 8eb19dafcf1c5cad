/**
 * `npm run bench:server`: import speed on a real Medplum server, beside the floor for a correct
 * import of the same resources on the same server.
 *
 *   npm run bench:server [-- --sizes 200,2000 --rounds 3]
 *
 * Needs the environment of `npm run test:server` (MEDPLUM_BASE_URL, MEDPLUM_CLIENT_ID,
 * MEDPLUM_CLIENT_SECRET, and MEDPLUM_SUPER_ADMIN_CLIENT_ID/_SECRET). It deploys the bot as an admin
 * does (vmcontext), serves IPS-like links from a loopback sender, and in each round, for each size:
 *
 * - ours: the page's import (the staged form: the handle and the selection) into a Patient on
 *   file, through `Bot/$execute`, timed from request to answer: reading the staged result,
 *   finding what the chart already holds, the transaction(s), Provenance;
 * - floor: `convertToTransactionBundle` of the same link's bundle (another person's, so nothing
 *   is shared) and one plain transaction of it from this process, timed the same way.
 *
 * Both sides spend the FHIR rate limit (100 points a write, 50,000 a minute by default), so a
 * 2,000-resource import waits minutes for the quota whatever does it. To measure the work rather
 * than the quota, the run raises the project's `userFhirQuota` and `totalFhirQuota` (super admin)
 * and puts them back at the end; without a super-admin client it says so and measures as is.
 */
import { convertToTransactionBundle } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import { parseArgs } from 'node:util';
import { sealLink } from '../../app/bot-client';
import type { ImportOutput, ResolveOutput } from '../../bots/contract';
import { ShlSender } from '../../local/shl-sender';
import { ipsLikeBundle, newPerson, patientOf } from '../server/support/ips-like';
import { runDeploy } from '../server/support/deploy';
import {
  adminClient,
  allowHost,
  clientLogin,
  projectFeatures,
  projectIdOf,
  projectSystemSettings,
  readServerEnv,
  runOk,
  setProjectSystemSettings,
} from '../server/support/server';
import { median } from './measure';

const QUOTAS = ['userFhirQuota', 'totalFhirQuota'] as const;
const RAISED = { userFhirQuota: 10_000_000, totalFhirQuota: 100_000_000 };

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '200,2000' }, rounds: { type: 'string', default: '3' } },
});
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);

const env = readServerEnv();
const admin = await adminClient(env);
const projectId = projectIdOf(admin);
const superAdmin =
  env.superAdmin && (await clientLogin(env.baseUrl, env.superAdmin.clientId, env.superAdmin.clientSecret));
const { botId } = runDeploy(['--runtime', 'vmcontext']);
const features = await projectFeatures(admin, projectId);
const quotasBefore = superAdmin ? await projectSystemSettings(superAdmin, projectId, QUOTAS) : undefined;
const sender = await ShlSender.start();
await allowHost(admin, projectId, sender.host, true);

console.log(
  `bench:server on ${env.baseUrl}: Bot/${botId} (vmcontext), transaction-bundles ${features.includes('transaction-bundles') ? 'on' : 'off'}, ` +
    (superAdmin
      ? `rate limit raised for the run (${QUOTAS.join(', ')})`
      : 'no super-admin client: default rate limits, so large sizes include waiting for the quota') +
    `; ${rounds} rounds, medians`
);

const results = new Map<number, { ours: number[]; floor: number[] }>(sizes.map((n) => [n, { ours: [], floor: [] }]));
try {
  if (superAdmin) {
    await setProjectSystemSettings(superAdmin, projectId, RAISED);
  }
  for (let round = 1; round <= rounds; round++) {
    for (const n of sizes) {
      const result = results.get(n);
      // Alternating which side goes first keeps a warming server from favouring one.
      const sides = round % 2 === 1 ? [ours, floor] : [floor, ours];
      for (const side of sides) {
        const seconds = await side(n);
        (side === ours ? result?.ours : result?.floor)?.push(seconds);
      }
      console.log(
        `  round ${round}, ${n} resources: ours ${result?.ours.at(-1)?.toFixed(2)} s, floor ${result?.floor.at(-1)?.toFixed(2)} s`
      );
    }
  }
} finally {
  // The sender's address first: with the quota back to the default, the admin may be over it.
  await allowHost(admin, projectId, sender.host, false);
  if (superAdmin && quotasBefore) {
    await setProjectSystemSettings(superAdmin, projectId, quotasBefore);
  }
  await sender.close();
}

console.log('\nresources | ours (s) | ours (resources/s) | floor (s) | floor (resources/s) | ours / floor');
for (const [n, { ours: o, floor: f }] of results) {
  const a = median(o);
  const b = median(f);
  console.log(
    `${n} | ${a.toFixed(2)} | ${(n / a).toFixed(0)} | ${b.toFixed(2)} | ${(n / b).toFixed(0)} | ${(a / b).toFixed(2)}${n >= 2000 ? ' (target <= 1.5)' : ''}`
  );
}

/** The page's import of an n-resource link into a Patient on file; seconds from request to answer. */
async function ours(n: number): Promise<number> {
  const person = newPerson();
  const link = await sender.createLink({
    files: [
      {
        content: JSON.stringify(ipsLikeBundle(person, n, { narrativeBytes: 0 })),
        contentType: 'application/fhir+json',
        zip: true,
        delivery: 'location',
      },
    ],
    label: `bench:server ${n}`,
  });
  const resolved = await runOk<ResolveOutput>(admin, botId, {
    operation: 'resolve',
    sealed: await sealLink(admin, botId, link),
  });
  if (!resolved.staged) {
    throw new Error('resolve did not stage its result');
  }
  const { id: _senderId, ...incoming } = patientOf(person);
  const patient = await admin.createResource<Patient>(incoming);
  const subject = `Patient/${resolved.patient?.id ?? ''}`;
  const started = performance.now();
  const output = await runOk<ImportOutput>(admin, botId, {
    operation: 'import',
    staged: resolved.staged,
    select: resolved.resources.map((r) => `${r.resourceType}/${r.id ?? ''}`).filter((key) => key !== subject),
    patient: { reference: `Patient/${patient.id}` },
    subject,
  });
  const seconds = (performance.now() - started) / 1000;
  if (output.created.length < n - 1) {
    throw new Error(`ours: ${output.created.length} created of ${n - 1}: ${output.warnings.join(' ')}`);
  }
  return seconds;
}

/** `convertToTransactionBundle` and one plain transaction of an n-resource bundle; seconds. */
async function floor(n: number): Promise<number> {
  const bundle = ipsLikeBundle(newPerson(), n, { narrativeBytes: 0 });
  const started = performance.now();
  const response = await admin.executeBatch(convertToTransactionBundle(bundle));
  const seconds = (performance.now() - started) / 1000;
  const failed = (response.entry ?? []).filter((e) => !e.response?.status.startsWith('201'));
  if (failed.length > 0 || (response.entry?.length ?? 0) !== n) {
    throw new Error(`floor: ${failed.length} of ${n} entries not created (${failed[0]?.response?.status ?? '?'})`);
  }
  return seconds;
}
