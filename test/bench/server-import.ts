/**
 * `npm run bench:server`: imports on a real Medplum server, as a clinic would see them.
 *
 *   npm run bench:server [-- --part defaults,floor --features off,on --sizes 200,2000 --rounds 3]
 *
 * Needs the environment of `npm run test:server` (MEDPLUM_BASE_URL, MEDPLUM_CLIENT_ID,
 * MEDPLUM_CLIENT_SECRET, and MEDPLUM_SUPER_ADMIN_CLIENT_ID/_SECRET to vary the project's feature
 * and quota); MEDPLUM_SERVER_PID, when the server runs on this machine, adds its peak memory. It
 * deploys the bot as an admin does (vmcontext) and serves IPS-like links from a loopback sender.
 * Every import is the page's: the staged form (the handle and the selection) into a Patient on
 * file, through `Bot/$execute`, timed from request to answer (reading the staged result, finding
 * what the chart already holds, the transactions, Provenance).
 *
 * - `defaults`: the server's default limits (1 MB JSON bodies, 50,000 rate-limit points a
 *   minute), with `transaction-bundles` off and on: 20, 200 and 2,000 resources, the last with
 *   narratives and scanned PDFs (over 5 MB of FHIR JSON); time per 1,000 resources and the server
 *   process's peak memory. A 2,000-resource import spends several minutes of the rate limit
 *   (about 100 points a write), which the bot waits out.
 * - `floor`: speed beside the floor of a correct import on the same server:
 *   `convertToTransactionBundle` of the same link's bundle (another person's, so nothing is
 *   shared) and one plain transaction of it from this process. Both sides would spend minutes of
 *   the rate limit, so the run raises the project's `userFhirQuota` and `totalFhirQuota` (super
 *   admin) and puts them back at the end; without a super-admin client it measures as is.
 */
import { convertToTransactionBundle } from '@medplum/core';
import type { Bundle, Patient, Resource } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseArgs } from 'node:util';
import { sealLink } from '../../app/bot-client';
import type { ImportOutput, ResolveOutput } from '../../bots/contract';
import { ShlSender } from '../../local/shl-sender';
import { ipsLikeBundle, newPerson, type Person, patientOf, scannedDocuments } from '../server/support/ips-like';
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
  setProjectFeatures,
  setProjectSystemSettings,
} from '../server/support/server';
import { median } from './measure';

const QUOTAS = ['userFhirQuota', 'totalFhirQuota'] as const;
const RAISED = { userFhirQuota: 10_000_000, totalFhirQuota: 100_000_000 };
const FEATURE = 'transaction-bundles';

interface Shape {
  count: number;
  /** Narrative bytes per resource. */
  narrative: number;
  /** Scanned PDFs: how many, of how many bytes (counted in `count`). */
  pdfs?: { count: number; bytes: number }[];
}

const DEFAULT_SHAPES: Shape[] = [
  { count: 20, narrative: 0 },
  { count: 200, narrative: 0 },
  {
    count: 2000,
    narrative: 1000,
    pdfs: [
      { count: 18, bytes: 100_000 },
      { count: 2, bytes: 600_000 },
    ],
  },
];

const { values } = parseArgs({
  options: {
    part: { type: 'string', default: 'defaults,floor' },
    features: { type: 'string', default: 'off,on' },
    sizes: { type: 'string', default: '200,2000' },
    rounds: { type: 'string', default: '3' },
  },
});
const parts = values.part.split(',');
const floorSizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);
const serverPid = process.env.MEDPLUM_SERVER_PID;

const env = readServerEnv();
const admin = await adminClient(env);
const projectId = projectIdOf(admin);
const superAdmin =
  env.superAdmin && (await clientLogin(env.baseUrl, env.superAdmin.clientId, env.superAdmin.clientSecret));
const { botId } = runDeploy(['--runtime', 'vmcontext']);
const featuresBefore = await projectFeatures(admin, projectId);
const quotasBefore = superAdmin ? await projectSystemSettings(superAdmin, projectId, QUOTAS) : undefined;
const sender = await ShlSender.start();
await allowHost(admin, projectId, sender.host, true);
console.log(`bench:server on ${env.baseUrl}: Bot/${botId} (vmcontext)`);
if (!superAdmin) {
  console.log(
    `No super-admin client: ${FEATURE} stays ${featuresBefore.includes(FEATURE) ? 'on' : 'off'}, rate limits as they are.`
  );
}

try {
  if (parts.includes('defaults')) {
    await atDefaults();
  }
  if (parts.includes('floor')) {
    await besideTheFloor();
  }
} finally {
  // The sender's address first, in a fresh rate-limit minute: the admin may be over the default.
  await freshQuota();
  await allowHost(admin, projectId, sender.host, false);
  if (superAdmin && quotasBefore) {
    await setProjectSystemSettings(superAdmin, projectId, quotasBefore);
    await setProjectFeatures(
      superAdmin,
      projectId,
      featuresBefore.includes(FEATURE) ? { add: [FEATURE] } : { remove: [FEATURE] }
    );
  }
  await sender.close();
}

/** Imports of each shape at the server's default limits, the feature off and on. */
async function atDefaults(): Promise<void> {
  const states = superAdmin
    ? values.features.split(',').map((state) => state === 'on')
    : [featuresBefore.includes(FEATURE)];
  console.log(`\nAt the server's defaults (rate limit ${superAdmin ? 'default' : 'as configured'}), one import each:`);
  console.log(`${FEATURE} | resources | FHIR JSON | s | s per 1,000 | server peak RSS`);
  for (const on of states) {
    if (superAdmin) {
      await setProjectFeatures(superAdmin, projectId, on ? { add: [FEATURE] } : { remove: [FEATURE] });
    }
    for (const shape of DEFAULT_SHAPES) {
      await freshQuota();
      const memory = serverPid ? sampleRss(serverPid) : undefined;
      const { seconds, jsonBytes } = await ours(shape);
      const peak = memory?.stop();
      console.log(
        `${on ? 'on' : 'off'} | ${shape.count} | ${(jsonBytes / 1e6).toFixed(2)} MB | ${seconds.toFixed(1)} | ${((seconds * 1000) / shape.count).toFixed(1)} | ${peak ? `${(peak / 1e6).toFixed(0)} MB` : 'n/a (set MEDPLUM_SERVER_PID)'}`
      );
    }
  }
}

/** Ours beside the floor, rounds alternating which goes first, with the quota raised. */
async function besideTheFloor(): Promise<void> {
  if (superAdmin) {
    await setProjectSystemSettings(superAdmin, projectId, RAISED);
  }
  console.log(
    `\nBeside the floor (${FEATURE} ${(await projectFeatures(admin, projectId)).includes(FEATURE) ? 'on' : 'off'}, ` +
      `${superAdmin ? 'rate limit raised for the run' : 'rate limits as they are'}), ${rounds} rounds, medians:`
  );
  const results = new Map(floorSizes.map((n) => [n, { ours: [] as number[], floor: [] as number[] }]));
  for (let round = 1; round <= rounds; round++) {
    for (const [n, result] of results) {
      const shape = { count: n, narrative: 0 };
      if (round % 2 === 1) {
        result.ours.push((await ours(shape)).seconds);
        result.floor.push(await floor(n));
      } else {
        result.floor.push(await floor(n));
        result.ours.push((await ours(shape)).seconds);
      }
      console.log(
        `  round ${round}, ${n}: ours ${result.ours.at(-1)?.toFixed(2)} s, floor ${result.floor.at(-1)?.toFixed(2)} s`
      );
    }
  }
  console.log('resources | ours (s) | ours (resources/s) | floor (s) | floor (resources/s) | ours / floor');
  for (const [n, result] of results) {
    const a = median(result.ours);
    const b = median(result.floor);
    console.log(
      `${n} | ${a.toFixed(2)} | ${(n / a).toFixed(0)} | ${b.toFixed(2)} | ${(n / b).toFixed(0)} | ${(a / b).toFixed(2)}${n >= 2000 ? ' (target <= 1.5)' : ''}`
    );
  }
}

/** A link of this shape about someone new. */
function bundleOf(person: Person, shape: Shape): Bundle {
  const documents = (shape.pdfs ?? []).flatMap((pdf, i) =>
    scannedDocuments(person, pdf.count, pdf.bytes).map((d) => ({ ...d, id: `${d.id ?? ''}-${i}` }))
  );
  const bundle = ipsLikeBundle(person, shape.count - documents.length, { narrativeBytes: shape.narrative });
  bundle.entry?.push(
    ...documents.map((resource: Resource) => ({ fullUrl: `DocumentReference/${resource.id ?? ''}`, resource }))
  );
  return bundle;
}

/** The page's import of a link of this shape into a Patient on file. */
async function ours(shape: Shape): Promise<{ seconds: number; jsonBytes: number }> {
  const person = newPerson();
  const content = JSON.stringify(bundleOf(person, shape));
  const link = await sender.createLink({
    files: [{ content, contentType: 'application/fhir+json', zip: true, delivery: 'location' }],
    label: `bench:server ${shape.count}`,
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
  const output = await executeOnce<ImportOutput>({
    operation: 'import',
    staged: resolved.staged,
    select: resolved.resources.map((r) => `${r.resourceType}/${r.id ?? ''}`).filter((key) => key !== subject),
    patient: { reference: `Patient/${patient.id}` },
    subject,
  });
  const seconds = (performance.now() - started) / 1000;
  if (output.created.length < shape.count - 1 || !output.provenance) {
    throw new Error(`ours: ${output.created.length} created of ${shape.count - 1}: ${output.warnings.join(' ')}`);
  }
  return { seconds, jsonBytes: Buffer.byteLength(content) };
}

/**
 * One `Bot/$execute`, sent once and waited for however long it runs. Not the client's fetch: a
 * large import at the default rate limit runs for minutes, past fetch's 5-minute wait for
 * response headers, and the client would then send the import again.
 */
function executeOnce<T>(input: unknown): Promise<T> {
  const url = new URL(admin.fhirUrl('Bot', botId, '$execute').toString());
  const body = JSON.stringify(input);
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${admin.getAccessToken() ?? ''}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as T & {
          error?: { code: string; message: string };
        };
        if (response.statusCode !== 200 || answer.error) {
          reject(
            new Error(
              `import: HTTP ${String(response.statusCode)} ${answer.error?.code ?? ''} ${answer.error?.message ?? ''}`
            )
          );
        } else {
          resolve(answer);
        }
      });
    });
    request.on('error', reject);
    request.end(body);
  });
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

/**
 * Waits for a fresh rate-limit minute when this one is partly spent: the bot runs as the calling
 * user, so an import spends the admin's points, and the next request could be refused.
 */
async function freshQuota(): Promise<void> {
  const response = await fetch(`${admin.fhirUrl('Patient').toString()}?_count=0`, {
    headers: { authorization: `Bearer ${admin.getAccessToken() ?? ''}` },
  });
  const text = await response.text();
  const header = /"fhirInteractions";r=(\d+);t=(\d+)/.exec(response.headers.get('ratelimit') ?? '');
  const throttled = /_msBeforeNext\\?":(\d+)/.exec(text);
  const waitMs = throttled ? Number(throttled[1]) : header && Number(header[1]) < 45_000 ? Number(header[2]) * 1000 : 0;
  if (waitMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, waitMs + 1000));
  }
}

/** Samples a process's resident memory every 100 ms; `stop` answers the peak in bytes. */
function sampleRss(pid: string): { stop: () => number } {
  let peak = 0;
  const read = (): void => {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    peak = Math.max(peak, Number(match?.[1] ?? 0) * 1024);
  };
  read();
  const timer = setInterval(read, 100);
  return {
    stop: () => {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}
