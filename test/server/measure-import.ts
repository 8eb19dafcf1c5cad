/**
 * Measures the import path on a real Medplum server, for the record (figures, never asserted):
 *
 *   node --import tsx test/server/measure-import.ts [--cases 20,200,200n,600] [--pause 61]
 *
 * with the environment of `npm run test:server` (MEDPLUM_BASE_URL, MEDPLUM_CLIENT_ID,
 * MEDPLUM_CLIENT_SECRET; MEDPLUM_SUPER_ADMIN_CLIENT_ID/_SECRET to measure with the project feature
 * `transaction-bundles` both off and on) and the bot deployed (`npm run deploy -- --runtime
 * vmcontext`). For each case it serves an IPS-like link of N resources from a loopback sender
 * (case `200n`: 200 resources with a 20 KB narrative each), resolves it, imports it into a new
 * Patient on the server through `Bot/$execute` as the pages do, and prints: the import input's
 * size, the HTTP status and the bot's answer, what the server then holds for the patient, the
 * FHIR rate-limit points the import spent (the `RateLimit` header before and after), and the
 * time. Each case after the first waits `--pause` seconds so it starts with a fresh rate-limit
 * minute. The sender's address is added to SHL_ALLOW_HOSTS for the run; it and the features are put
 * back at the end.
 */
import type { MedplumClient } from '@medplum/core';
import type { Bot, Patient } from '@medplum/fhirtypes';
import { parseArgs } from 'node:util';
import { sealLink } from '../../app/bot-client';
import { ShlSender } from '../../local/shl-sender';
import type { ImportOutput } from '../../bots/contract';
import type { ResolveOutput } from '../../bots/contract';
import { IPS_LIKE_TYPES, ipsLikeBundle, newPerson, patientOf } from './support/ips-like';
import {
  adminClient,
  allowHost,
  clientLogin,
  projectFeatures,
  projectIdOf,
  readServerEnv,
  runOk,
  setProjectFeatures,
} from './support/server';

interface Case {
  name: string;
  count: number;
  narrativeBytes: number;
}

interface Row {
  feature: string;
  case: string;
  inputBytes: number;
  status: number;
  answer: string;
  onServer: number;
  provenance: number;
  points?: number;
  seconds: number;
}

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '20,200,200n,600' }, pause: { type: 'string', default: '61' } },
});
const cases: Case[] = values.cases.split(',').map((name) => ({
  name,
  count: Number.parseInt(name, 10),
  narrativeBytes: name.endsWith('n') ? 20_000 : 0,
}));
const pauseMs = Number(values.pause) * 1000;

const env = readServerEnv();
const admin = await adminClient(env);
const projectId = projectIdOf(admin);
const superAdmin =
  env.superAdmin && (await clientLogin(env.baseUrl, env.superAdmin.clientId, env.superAdmin.clientSecret));
const bot = await admin.searchOne('Bot', { identifier: 'https://smarthealthit.org/shl-import/bot|shl-import' });
if (!bot?.id) {
  throw new Error('No shl-import Bot in this project: run npm run deploy -- --runtime vmcontext first.');
}
const botId = bot.id;
const featuresBefore = await projectFeatures(admin, projectId);
const sender = await ShlSender.start();
await allowHost(admin, projectId, sender.host, true);

const states = superAdmin ? [false, true] : [featuresBefore.includes('transaction-bundles')];
if (!superAdmin) {
  console.log('No super-admin client: transaction-bundles stays as it is.');
}
describeBot(bot);

const rows: Row[] = [];
try {
  let first = true;
  for (const on of states) {
    if (superAdmin) {
      await setProjectFeatures(
        superAdmin,
        projectId,
        on ? { add: ['transaction-bundles'] } : { remove: ['transaction-bundles'] }
      );
    }
    for (const c of cases) {
      if (!first) {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
      first = false;
      const row = await measure(c, on ? 'on' : 'off');
      rows.push(row);
      console.log(format(row));
    }
  }
} finally {
  await patiently(() => allowHost(admin, projectId, sender.host, false));
  if (superAdmin) {
    await setProjectFeatures(
      superAdmin,
      projectId,
      featuresBefore.includes('transaction-bundles')
        ? { add: ['transaction-bundles'] }
        : { remove: ['transaction-bundles'] }
    );
  }
  await sender.close();
}

console.log('\ntransaction-bundles | case | input | HTTP | answer | on server | Provenance | points | s');
for (const row of rows) {
  console.log(format(row));
}

async function measure(c: Case, feature: string): Promise<Row> {
  const person = newPerson();
  const link = await sender.createLink({
    files: [
      {
        content: JSON.stringify(ipsLikeBundle(person, c.count, { narrativeBytes: c.narrativeBytes })),
        contentType: 'application/fhir+json',
        zip: true,
        delivery: 'location',
      },
    ],
    label: `Measure ${c.name}`,
  });
  const resolved = await patiently(async () =>
    runOk<ResolveOutput>(admin, botId, { operation: 'resolve', sealed: await sealLink(admin, botId, link) })
  );
  const { id: _senderId, ...incoming } = patientOf(person);
  const patient = await patiently(() => admin.createResource<Patient>(incoming));
  const reference = `Patient/${patient.id}`;
  const input = JSON.stringify({
    operation: 'import',
    source: resolved.source,
    resources: resolved.resources,
    patient: { reference },
  });
  const before = await patiently(() => remainingPoints(admin, reference));
  const started = performance.now();
  const response = await fetch(admin.fhirUrl('Bot', botId, '$execute'), {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.getAccessToken() ?? ''}`, 'content-type': 'application/json' },
    body: input,
  });
  const seconds = (performance.now() - started) / 1000;
  const body = (await response.json().catch(() => undefined)) as unknown;
  const after = await remainingPoints(admin, reference);
  // What was filed: counted once the rate-limit minute the import used up is over.
  const onServer = await patiently(() => countFor(admin, reference));
  const provenance = await patiently(() => count(admin, 'Provenance', { target: reference }));
  return {
    feature,
    case: `${c.count} resources${c.narrativeBytes ? ' + narratives' : ''}`,
    inputBytes: Buffer.byteLength(input),
    status: response.status,
    answer: describeAnswer(body),
    onServer,
    provenance,
    ...(before !== undefined && after !== undefined && { points: before - after }),
    seconds,
  };
}

/** Runs `request`; on HTTP 429 waits out the rate-limit minute and tries again (3 times at most). */
async function patiently<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      const issue = (err as { outcome?: { issue?: { code?: string; diagnostics?: string }[] } }).outcome?.issue?.[0];
      if (issue?.code !== 'throttled' || attempt >= 3) {
        throw err;
      }
      const wait = (JSON.parse(issue.diagnostics ?? '{}') as { _msBeforeNext?: number })._msBeforeNext ?? 60_000;
      await new Promise((resolve) => setTimeout(resolve, wait + 1000));
    }
  }
}

function describeAnswer(body: unknown): string {
  const error = (body as { error?: { code: string; message: string } } | undefined)?.error;
  if (error) {
    return `${error.code}: ${error.message.slice(0, 160)}`;
  }
  const output = body as Partial<ImportOutput> & { issue?: { details?: { text?: string } }[] };
  if (output.created) {
    return `created ${output.created.length}, existing ${output.existing?.length ?? 0}${output.warnings?.length ? `; ${output.warnings.join(' ').slice(0, 200)}` : ''}`;
  }
  return output.issue?.[0]?.details?.text ?? JSON.stringify(body).slice(0, 160);
}

/** The caller's FHIR rate-limit points left this minute, from a cheap read's `RateLimit` header. */
async function remainingPoints(medplum: MedplumClient, reference: string): Promise<number | undefined> {
  const response = await fetch(medplum.fhirUrl(...(reference.split('/') as [string, string])), {
    headers: { authorization: `Bearer ${medplum.getAccessToken() ?? ''}` },
  });
  await response.arrayBuffer();
  const header = response.headers.get('ratelimit') ?? '';
  const match = /"fhirInteractions";r=(\d+)/.exec(header);
  return match ? Number(match[1]) : undefined;
}

async function count(medplum: MedplumClient, type: string, query: Record<string, string>): Promise<number> {
  const bundle = await medplum.search(type as 'Patient', { ...query, _summary: 'count' });
  return bundle.total ?? 0;
}

async function countFor(medplum: MedplumClient, patient: string): Promise<number> {
  let total = 0;
  for (const type of IPS_LIKE_TYPES.filter((t) => t !== 'Patient')) {
    total += await count(medplum, type, { patient });
  }
  return total;
}

function format(row: Row): string {
  return [
    row.feature,
    row.case,
    `${(row.inputBytes / 1024).toFixed(0)} KB`,
    String(row.status),
    row.answer,
    String(row.onServer),
    String(row.provenance),
    row.points === undefined ? '?' : String(row.points),
    row.seconds.toFixed(1),
  ].join(' | ');
}

function describeBot(b: Bot): void {
  console.log(
    `Bot/${b.id ?? ''}: ${b.runtimeVersion ?? '?'}, timeout ${String(b.timeout ?? '?')} s; cases ${cases.map((c) => c.name).join(', ')}; transaction-bundles ${states.map((s) => (s ? 'on' : 'off')).join(' then ')}`
  );
}
