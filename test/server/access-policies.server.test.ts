/**
 * The documented AccessPolicies, for real: the suite reads them out of docs/deploying.md, creates (or
 * updates) them on the server, invites a staff and a kiosk user through the admin API with a
 * password, and logs in as them. The bot runs as the caller (`runAsUser`), so their policies
 * decide what it may do. Staff resolve, import, follow and work the queue; a kiosk checks in and
 * is refused Patients and clinical data. The memberships are removed again at the end.
 */
import type { MedplumClient } from '@medplum/core';
import { OperationOutcomeError } from '@medplum/core';
import type { AccessPolicy, Condition, Patient, ProjectMembership, Task } from '@medplum/fhirtypes';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CheckInOutput, ImportOutput, PollReport, ResolveOutput } from '../../bots/contract';
import { FOLLOW_TASK_CODE, REVIEW_TASK_CODE } from '../../bots/import/tasks';
import { sealLink } from '../../app/bot-client';
import type { SuiteContext } from './support/context';
import { suiteContext } from './support/context';
import type { Person } from './support/ips-like';
import { ipsLikeBundle, newPerson, patientOf } from './support/ips-like';
import { passwordLogin, readServerEnv, runOk } from './support/server';

const FHIR = 'application/fhir+json';
const STAFF_POLICY = 'SHL import - front desk';
const KIOSK_POLICY = 'SHL import - kiosk';

let ctx: SuiteContext;
const memberships: string[] = [];

/** The AccessPolicies the README shows, by name. */
function readmePolicies(): Map<string, AccessPolicy> {
  const policies = new Map<string, AccessPolicy>();
  for (const [, block] of readFileSync('docs/deploying.md', 'utf8').matchAll(/```json\n([\s\S]*?)```/g)) {
    const value = JSON.parse(block ?? '') as Partial<AccessPolicy>;
    if (value.resourceType === 'AccessPolicy' && value.name) {
      policies.set(value.name, value as AccessPolicy);
    }
  }
  return policies;
}

/** Creates the policy, or brings the one of that name up to date. */
async function upsertPolicy(policy: AccessPolicy): Promise<AccessPolicy> {
  const existing = await ctx.admin.searchOne('AccessPolicy', { 'name:exact': policy.name ?? '' });
  return existing
    ? ctx.admin.updateResource<AccessPolicy>({ ...policy, id: existing.id })
    : ctx.admin.createResource<AccessPolicy>(policy);
}

/** Invites a project user with the policy and a password, and logs in as them. */
async function userWith(policy: AccessPolicy, role: string): Promise<MedplumClient> {
  const email = `shl-${role}-${randomBytes(6).toString('hex')}@example.com`;
  const password = randomBytes(18).toString('base64url');
  const membership = await ctx.admin.post<ProjectMembership>(`admin/projects/${ctx.projectId}/invite`, {
    resourceType: 'Practitioner',
    firstName: role === 'staff' ? 'Front' : 'Kiosk',
    lastName: role === 'staff' ? 'Desk' : 'Screen',
    email,
    password,
    sendEmail: false,
    scope: 'project',
    membership: { accessPolicy: { reference: `AccessPolicy/${policy.id ?? ''}` } },
  });
  memberships.push(membership.id ?? '');
  return passwordLogin(readServerEnv().baseUrl, { email, password, projectId: ctx.projectId });
}

/** What the server answers a request the policy forbids: the HTTP status, or 'allowed'. */
async function refusal(request: Promise<unknown>): Promise<number | 'allowed'> {
  try {
    await request;
    return 'allowed';
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      throw err;
    }
    const code = err.outcome.issue[0]?.code;
    return code === 'forbidden' ? 403 : code === 'not-found' ? 404 : 400;
  }
}

/** A link to `count` IPS-like resources about the chart's person. */
function ipsLink(count: number, flag?: string): Promise<{ shl: string; id: string }> {
  return ctx.sender.createLink({
    files: [{ content: JSON.stringify(ipsLikeBundle(chart.person, count)), contentType: FHIR }],
    ...(flag && { flag }),
  });
}

let staff: MedplumClient;
let kiosk: MedplumClient;
let chart: { person: Person; patient: Patient; condition: Condition };

beforeAll(async () => {
  ctx = await suiteContext();
  const policies = readmePolicies();
  const staffPolicy = policies.get(STAFF_POLICY);
  const kioskPolicy = policies.get(KIOSK_POLICY);
  if (!staffPolicy || !kioskPolicy) {
    throw new Error(`docs/deploying.md must show the AccessPolicies "${STAFF_POLICY}" and "${KIOSK_POLICY}" as JSON.`);
  }
  staff = await userWith(await upsertPolicy(staffPolicy), 'staff');
  kiosk = await userWith(await upsertPolicy(kioskPolicy), 'kiosk');
  const person = newPerson();
  const { id: _senderId, ...incoming } = patientOf(person);
  const patient = await ctx.admin.createResource<Patient>(incoming);
  const condition = await ctx.admin.createResource<Condition>({
    resourceType: 'Condition',
    subject: { reference: `Patient/${patient.id}` },
    code: { text: 'Seasonal allergic rhinitis' },
  });
  chart = { person, patient, condition };
});

afterAll(async () => {
  for (const id of memberships) {
    await ctx.admin.delete(`admin/projects/${ctx.projectId}/members/${id}`);
  }
  await ctx.close();
});

describe('front-desk staff (README policy)', () => {
  test('resolve finds the patient, and import files the link under them', async () => {
    const link = await ipsLink(6);
    const sealed = await sealLink(staff, ctx.botId, link);
    const resolved = await runOk<ResolveOutput>(staff, ctx.botId, { operation: 'resolve', sealed });
    expect(resolved.matches[0]).toMatchObject({ grade: 'certain', patient: { id: chart.patient.id } });
    const output = await runOk<ImportOutput>(staff, ctx.botId, {
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { reference: `Patient/${chart.patient.id ?? ''}` },
    });
    expect(output.created).toHaveLength(5);
    expect(output.warnings).toEqual([]);
    expect(output.provenance).toMatch(/^Provenance\//);
    const again = await runOk<ImportOutput>(staff, ctx.botId, {
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { reference: `Patient/${chart.patient.id ?? ''}` },
    });
    expect(again.existing.sort()).toEqual(output.created.sort());
  });

  test('follows a link, and Check now queues what changed', async () => {
    const link = await ipsLink(3, 'L');
    const sealed = await sealLink(staff, ctx.botId, link);
    const resolved = await runOk<ResolveOutput>(staff, ctx.botId, { operation: 'resolve', sealed });
    const imported = await runOk<ImportOutput & { following: string }>(staff, ctx.botId, {
      operation: 'import',
      source: resolved.source,
      resources: resolved.resources,
      patient: { reference: `Patient/${chart.patient.id ?? ''}` },
      follow: { sealed, auto: false },
    });
    expect(imported.following).toMatch(/^Task\//);
    ctx.sender.setFiles(link.id, [{ content: JSON.stringify(ipsLikeBundle(chart.person, 4)), contentType: FHIR }]);
    const report = await runOk<PollReport>(staff, ctx.botId, { operation: 'poll', task: imported.following });
    expect(report).toMatchObject({ polled: 1, queued: 1 });
  });

  test("works the queue: finds a kiosk's check-in Task and completes it; may not delete clinical data", async () => {
    const sealed = await sealLink(kiosk, ctx.botId, await ipsLink(2));
    const checkIn = await runOk<CheckInOutput>(kiosk, ctx.botId, { operation: 'check-in', sealed });
    const queue = await staff.searchResources('Task', {
      code: `${REVIEW_TASK_CODE.system}|${REVIEW_TASK_CODE.code}`,
      status: 'requested',
      _sort: '-_lastUpdated',
    });
    const task = queue.find((t) => `Task/${t.id}` === checkIn.task);
    expect(task).toBeDefined();
    const done = await staff.updateResource<Task>({ ...(task as Task), status: 'completed' });
    expect(done.status).toBe('completed');
    // Only the bot's Tasks, and no deleting clinical data.
    const other: Task = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { text: 'Something else' },
    };
    expect(await refusal(staff.createResource(other))).not.toBe('allowed');
    expect(await refusal(staff.deleteResource('Condition', chart.condition.id ?? ''))).not.toBe('allowed');
  });
});

describe('kiosk (README policy)', () => {
  test('checks in: the answer says queued, and the Task waits for staff', async () => {
    const sealed = await sealLink(kiosk, ctx.botId, await ipsLink(2));
    const output = await runOk<CheckInOutput>(kiosk, ctx.botId, { operation: 'check-in', sealed });
    expect(output.status).toBe('queued');
    const task = await ctx.admin.readReference<Task>({ reference: output.task ?? 'Task/none' });
    expect(task).toMatchObject({ status: 'requested', code: { coding: [REVIEW_TASK_CODE] } });
  });

  test('is refused Patients and clinical data: forbidden', async () => {
    expect(await refusal(kiosk.searchResources('Patient', { name: chart.patient.name?.[0]?.family ?? '' }))).toBe(403);
    expect(await refusal(kiosk.readResource('Patient', chart.patient.id ?? ''))).toBe(403);
    expect(await refusal(kiosk.readResource('Condition', chart.condition.id ?? ''))).toBe(403);
    expect(await refusal(kiosk.searchResources('Observation', {}))).toBe(403);
    expect(await refusal(kiosk.searchResources('Task', {}))).toBe(403);
    // Check-in Tasks only: not a followed link's.
    const follow: Task = {
      resourceType: 'Task',
      status: 'in-progress',
      intent: 'order',
      code: { coding: [FOLLOW_TASK_CODE] },
    };
    expect(await refusal(kiosk.createResource(follow))).not.toBe('allowed');
  });
});
