/**
 * The real Medplum server `npm run test:server` runs against: its settings from the environment
 * (a clear error when they are missing), clients logged in over OAuth, and the few admin calls the
 * suite makes over the server's own HTTP API (project secrets, and, with a super-admin client,
 * Project.features).
 */
import { MedplumClient } from '@medplum/core';
import type { Project, ProjectSetting } from '@medplum/fhirtypes';
import { createHash, randomBytes } from 'node:crypto';
import type { ErrorOutput } from '../../../bots/contract';

export interface ServerEnv {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Only a super admin may change Project.features. */
  superAdmin?: { clientId: string; clientSecret: string };
}

const REQUIRED = ['MEDPLUM_BASE_URL', 'MEDPLUM_CLIENT_ID', 'MEDPLUM_CLIENT_SECRET'] as const;

export function readServerEnv(env: NodeJS.ProcessEnv = process.env): ServerEnv {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `npm run test:server needs a Medplum server and a project admin client: set ${missing.join(', ')}.\n` +
        'MEDPLUM_BASE_URL is the server (e.g. http://localhost:8103/); MEDPLUM_CLIENT_ID and MEDPLUM_CLIENT_SECRET\n' +
        'are a ClientApplication whose project membership is admin. Optional: MEDPLUM_SUPER_ADMIN_CLIENT_ID and\n' +
        "MEDPLUM_SUPER_ADMIN_CLIENT_SECRET, to run the tests with the project's features both on and off. See the README."
    );
  }
  const superId = env.MEDPLUM_SUPER_ADMIN_CLIENT_ID;
  const superSecret = env.MEDPLUM_SUPER_ADMIN_CLIENT_SECRET;
  return {
    baseUrl: env.MEDPLUM_BASE_URL ?? '',
    clientId: env.MEDPLUM_CLIENT_ID ?? '',
    clientSecret: env.MEDPLUM_CLIENT_SECRET ?? '',
    ...(superId && superSecret && { superAdmin: { clientId: superId, clientSecret: superSecret } }),
  };
}

/**
 * A client with no response cache (the suite reads what the bot just wrote) that waits out the
 * server's rate limit: the large imports spend a minute's worth of the user's quota.
 */
export function newClient(baseUrl: string): MedplumClient {
  return new MedplumClient({ baseUrl, cacheTime: 0, maxRetries: 3, maxRetryTime: 65_000 });
}

export async function clientLogin(baseUrl: string, clientId: string, clientSecret: string): Promise<MedplumClient> {
  const medplum = newClient(baseUrl);
  await medplum.startClientLogin(clientId, clientSecret);
  return medplum;
}

/**
 * A user's login with email and password, as Medplum's sign-in page does it: `auth/login` with a
 * PKCE challenge, then `oauth2/token` for the code.
 */
export async function passwordLogin(
  baseUrl: string,
  login: { email: string; password: string; projectId: string }
): Promise<MedplumClient> {
  const medplum = newClient(baseUrl);
  const verifier = randomBytes(32).toString('base64url');
  const { code } = await medplum.post<{ code?: string }>('auth/login', {
    ...login,
    scope: 'openid',
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
  });
  if (!code) {
    throw new Error(`No login code for ${login.email} (more than one membership, or MFA).`);
  }
  const response = await fetch(new URL('oauth2/token', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier }),
  });
  const token = (await response.json()) as { access_token?: string };
  if (!response.ok || !token.access_token) {
    throw new Error(`Token request for ${login.email} failed: HTTP ${response.status}.`);
  }
  medplum.setAccessToken(token.access_token);
  return medplum;
}

/** The project admin client named by the environment. */
export function adminClient(env: ServerEnv = readServerEnv()): Promise<MedplumClient> {
  return clientLogin(env.baseUrl, env.clientId, env.clientSecret);
}

export function projectIdOf(medplum: MedplumClient): string {
  const id = medplum.getProject()?.id;
  if (!id) {
    throw new Error('The client is not in a project.');
  }
  return id;
}

export async function projectFeatures(medplum: MedplumClient, projectId: string): Promise<string[]> {
  return (await medplum.readResource('Project', projectId)).features ?? [];
}

/** Adds and removes Project.features (super admin only); answers the features now set. */
export async function setProjectFeatures(
  superAdmin: MedplumClient,
  projectId: string,
  change: { add?: string[]; remove?: string[] }
): Promise<string[]> {
  const project = await superAdmin.readResource('Project', projectId);
  const before = project.features ?? [];
  const after = [
    ...new Set([...before.filter((f) => !change.remove?.includes(f)), ...(change.add ?? [])]),
  ] as NonNullable<Project['features']>;
  if (JSON.stringify(before) === JSON.stringify(after)) {
    return after;
  }
  return (await superAdmin.updateResource<Project>({ ...project, features: after })).features ?? [];
}

export async function projectSecrets(medplum: MedplumClient, projectId: string): Promise<ProjectSetting[]> {
  const { project } = await medplum.get<{ project: Project }>(`admin/projects/${projectId}`, { cache: 'no-cache' });
  return project.secret ?? [];
}

/** Sets (or, with `undefined`, removes) one project secret, keeping the others. */
export async function setProjectSecret(
  medplum: MedplumClient,
  projectId: string,
  name: string,
  valueString: string | undefined
): Promise<void> {
  const others = (await projectSecrets(medplum, projectId)).filter((s) => s.name !== name);
  await medplum.post(`admin/projects/${projectId}/secrets`, [
    ...others,
    ...(valueString === undefined ? [] : [{ name, valueString }]),
  ]);
}

/**
 * Adds (or removes) one `host:port` in the project secret SHL_ALLOW_HOSTS, keeping the entries
 * others put there: two runs against one project do not undo each other's sender.
 */
export async function allowHost(
  medplum: MedplumClient,
  projectId: string,
  host: string,
  allow: boolean
): Promise<void> {
  const current = (await projectSecrets(medplum, projectId)).find((s) => s.name === 'SHL_ALLOW_HOSTS')?.valueString;
  const others = (current ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h && h !== host);
  const hosts = allow ? [...others, host] : others;
  await setProjectSecret(medplum, projectId, 'SHL_ALLOW_HOSTS', hosts.length > 0 ? hosts.join(',') : undefined);
}

/** Runs one operation through `Bot/{id}/$execute`: the bot's answer, or the contract's `{ error }`. */
export async function runBot<T = Record<string, unknown>>(
  medplum: MedplumClient,
  botId: string,
  input: unknown
): Promise<T | ErrorOutput> {
  return (await medplum.executeBot(botId, input, 'application/json')) as T | ErrorOutput;
}

/** The answer of a run that must succeed; a test failure naming the error otherwise. */
export async function runOk<T = Record<string, unknown>>(
  medplum: MedplumClient,
  botId: string,
  input: unknown
): Promise<T> {
  const output = await runBot<T>(medplum, botId, input);
  const error = errorOf(output);
  if (error) {
    throw new Error(`expected success, got ${error.code}: ${error.message}`);
  }
  return output as T;
}

/** The contract error of an answer, if it is one. */
export function errorOf(output: unknown): ErrorOutput['error'] | undefined {
  return (output as Partial<ErrorOutput> | null | undefined)?.error;
}

/** Polls `check` every `everyMs` until it answers something, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 2000
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
