/**
 * `npm run deploy` against Medplum's admin and FHIR routes in `@medplum/mock`: a first deploy
 * (settings written before the code), a second one, an existing secret, a failing upload, a dry
 * run, the project's features and the cron schedule. `npm run test:server` deploys to a real
 * server too.
 */
import { allOk, badRequest } from '@medplum/core';
import type { Bot, Project, ProjectSetting } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import type { DeployOptions } from '../scripts/deploy/deploy';
import { BOT_IDENTIFIER, DEFAULT_CRON, deployBot } from '../scripts/deploy/deploy';
import { importSealingKey } from '../bots/sealing';
import { createFhirServer } from '../local/fhir-server';

interface Server {
  medplum: MockClient;
  projectId: string;
  deploys: unknown[];
  /** The Bot as `$deploy` found it, each time. */
  botsAtDeploy: Bot[];
  /** Make `$deploy` fail from now on. */
  failDeploys: boolean;
  project(): Promise<Project>;
}

/** A project admin's client; `$deploy` and the secrets route behave as Medplum's server does. */
async function server(
  secrets: ProjectSetting[] = [],
  features: NonNullable<Project['features']> = ['bots', 'cron', 'transaction-bundles']
): Promise<Server> {
  const medplum = createFhirServer();
  const projectId = medplum.getProject()?.id ?? 'project-1';
  await medplum.repo.createResource<Project>({
    resourceType: 'Project',
    id: projectId,
    name: 'Clinic',
    secret: secrets,
    features,
  });
  const s: Server = {
    medplum,
    projectId,
    deploys: [],
    botsAtDeploy: [],
    failDeploys: false,
    project: () => medplum.repo.readResource<Project>('Project', projectId),
  };
  medplum.router.add('POST', 'Bot/:id/$deploy', (req) => {
    if (s.failDeploys) {
      return Promise.resolve([badRequest('Upload failed: storage unavailable')]);
    }
    s.deploys.push({ id: req.params.id, body: req.body as unknown });
    return medplum.repo.readResource<Bot>('Bot', req.params.id ?? '').then((bot) => {
      s.botsAtDeploy.push(bot);
      return [allOk];
    });
  });
  // POST admin/projects/:id/secrets replaces Project.secret (packages/server/src/admin/project.ts).
  const post = medplum.post.bind(medplum);
  medplum.post = (async (url: string | URL, body: unknown, ...rest: unknown[]) => {
    if (String(url).endsWith(`admin/projects/${projectId}/secrets`)) {
      const project = await medplum.repo.readResource<Project>('Project', projectId);
      return medplum.repo.updateResource({ ...project, secret: body as ProjectSetting[] });
    }
    return post(url, body, ...(rest as []));
  }) as typeof medplum.post;
  return s;
}

function options(s: Server, extra: Partial<DeployOptions> = {}): DeployOptions {
  return {
    botName: 'shl-import',
    projectId: s.projectId,
    runtimeVersion: 'awslambda',
    cron: DEFAULT_CRON,
    code: 'exports.handler = async () => ({});',
    source: 'export async function handler() {}',
    dryRun: false,
    ...extra,
  };
}

describe('deployBot', () => {
  test('nothing deployed yet: creates the Bot, deploys, sets runAsUser, creates the key secret', async () => {
    const s = await server([{ name: 'OTHER', valueString: 'keep me' }]);
    const result = await deployBot(s.medplum, options(s));
    expect(result.created).toBe(true);
    expect(result.secretCreated).toBe(true);
    const bot = await s.medplum.readResource('Bot', result.botId);
    const settings = {
      name: 'shl-import',
      runtimeVersion: 'awslambda',
      runAsUser: true,
      auditEventTrigger: 'on-output',
      timeout: 45,
      cronString: DEFAULT_CRON,
    };
    expect(bot).toMatchObject(settings);
    // Written before the code: $deploy of an awslambda Bot without a timeout would fix 10 s.
    expect(s.botsAtDeploy).toHaveLength(1);
    expect(s.botsAtDeploy[0]).toMatchObject(settings);
    expect(bot.identifier).toContainEqual(BOT_IDENTIFIER);
    expect(bot.sourceCode).toMatchObject({ contentType: 'text/typescript', title: 'shl-import.ts' });
    expect(s.deploys).toEqual([{ id: result.botId, body: { code: options(s).code, filename: 'shl-import.js' } }]);
    const secrets = (await s.project()).secret ?? [];
    expect(secrets.map((x) => x.name)).toEqual(['OTHER', 'SHL_IMPORT_KEY']);
    expect(secrets[0]?.valueString).toBe('keep me');
    const key = await importSealingKey(secrets[1]?.valueString, globalThis.crypto.subtle);
    expect(key.publicJwk.kty).toBe('EC');
    expect(result.steps.join('\n')).not.toContain(secrets[1]?.valueString ?? '-');
  });

  test("the Bot's timeout is raised to what a resolve needs, and a longer one an admin set is kept", async () => {
    const s = await server();
    const first = await deployBot(s.medplum, options(s));
    const bot = await s.medplum.readResource('Bot', first.botId);
    await s.medplum.updateResource({ ...bot, timeout: 5 });
    const dry = await deployBot(s.medplum, options(s, { botId: first.botId, dryRun: true }));
    expect(dry.steps.join('\n')).toMatch(/Would set timeout: 45 s on the Bot, before deploying code\./);
    await deployBot(s.medplum, options(s, { botId: first.botId }));
    expect((await s.medplum.readResource('Bot', first.botId)).timeout).toBe(45);
    await s.medplum.updateResource({ ...(await s.medplum.readResource('Bot', first.botId)), timeout: 120 });
    await deployBot(s.medplum, options(s, { botId: first.botId }));
    expect((await s.medplum.readResource('Bot', first.botId)).timeout).toBe(120);
  });

  test('bot already there (by id or identifier): a second run changes only the code', async () => {
    const s = await server();
    const first = await deployBot(s.medplum, options(s));
    const before = await s.medplum.readResource('Bot', first.botId);
    const secretBefore = (await s.project()).secret;
    const second = await deployBot(
      s.medplum,
      options(s, { botId: first.botId, code: 'exports.handler = async () => 2;' })
    );
    expect(second).toMatchObject({ botId: first.botId, created: false, secretCreated: false });
    const after = await s.medplum.readResource('Bot', first.botId);
    expect({ ...after, meta: undefined, sourceCode: undefined }).toEqual({
      ...before,
      meta: undefined,
      sourceCode: undefined,
    });
    expect((await s.project()).secret).toEqual(secretBefore);
    expect(s.deploys).toHaveLength(2);
    // Without the id (a fresh checkout), the identifier finds the same Bot.
    const third = await deployBot(s.medplum, options(s));
    expect(third.botId).toBe(first.botId);
    expect(await s.medplum.searchResources('Bot', {})).toHaveLength(1);
  });

  test('an existing SHL_IMPORT_KEY is never overwritten', async () => {
    const s = await server([{ name: 'SHL_IMPORT_KEY', valueString: '{"existing":true}' }]);
    const result = await deployBot(s.medplum, options(s));
    expect(result.secretCreated).toBe(false);
    expect((await s.project()).secret).toEqual([{ name: 'SHL_IMPORT_KEY', valueString: '{"existing":true}' }]);
  });

  test('a failing upload: a clear error, the new Bot removed, no secret written', async () => {
    const s = await server();
    s.failDeploys = true;
    await expect(deployBot(s.medplum, options(s))).rejects.toThrow(
      /Deploying the bot failed \(the new Bot was removed again\): Upload failed/
    );
    expect(await s.medplum.searchResources('Bot', {})).toHaveLength(0);
    expect((await s.project()).secret ?? []).toEqual([]);
  });

  test('a failing upload to an existing Bot leaves its code and settings', async () => {
    const ok = await server();
    const first = await deployBot(ok.medplum, options(ok));
    ok.failDeploys = true;
    const before = await ok.medplum.readResource('Bot', first.botId);
    await expect(deployBot(ok.medplum, options(ok, { botId: first.botId }))).rejects.toThrow(/keeps its previous code/);
    expect(await ok.medplum.readResource('Bot', first.botId)).toEqual(before);
  });

  test("the project's features: what is missing and what it gives; without bots nothing is created", async () => {
    const partial = await server([], ['bots']);
    const result = await deployBot(partial.medplum, options(partial));
    expect(result.missingFeatures).toEqual(['cron', 'transaction-bundles']);
    const text = result.steps.join('\n');
    expect(text).toMatch(/"cron" is missing: with it, the server's scheduler polls followed links/);
    expect(text).toMatch(/"transaction-bundles" is missing: with it, an import is one atomic transaction/);
    // Without cron the schedule is not written: it would never be picked up once cron is added.
    expect((await partial.medplum.readResource('Bot', result.botId)).cronString).toBeUndefined();

    const complete = await server();
    expect((await deployBot(complete.medplum, options(complete))).missingFeatures).toEqual([]);

    const none = await server([], []);
    await expect(deployBot(none.medplum, options(none))).rejects.toThrow(/lacks the "bots" feature/);
    expect(await none.medplum.searchResources('Bot', {})).toHaveLength(0);
    expect(none.deploys).toEqual([]);
  });

  test('--cron sets the schedule, off removes it, and a bad pattern is refused', async () => {
    const s = await server();
    const first = await deployBot(s.medplum, options(s, { cron: '*/5 * * * *' }));
    expect((await s.medplum.readResource('Bot', first.botId)).cronString).toBe('*/5 * * * *');
    const off = await deployBot(s.medplum, options(s, { botId: first.botId, cron: 'off' }));
    expect(off.steps.join('\n')).toContain('no cronString');
    expect((await s.medplum.readResource('Bot', first.botId)).cronString).toBeUndefined();
    await expect(deployBot(s.medplum, options(s, { cron: 'every minute' }))).rejects.toThrow(/five-field cron/);
  });

  test('--dry-run prints the plan and changes nothing', async () => {
    const s = await server();
    const result = await deployBot(s.medplum, options(s, { dryRun: true }));
    expect(result.steps.join('\n')).toMatch(/Would create the Bot "shl-import"[\s\S]*Would create the SHL_IMPORT_KEY/);
    expect(await s.medplum.searchResources('Bot', {})).toHaveLength(0);
    expect(s.deploys).toEqual([]);
    expect((await s.project()).secret ?? []).toEqual([]);
  });
});

describe('npm run deploy', () => {
  const run = (args: string[], env: Record<string, string> = {}): { status: number | null; out: string } => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/deploy/cli.ts', ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { status: result.status, out: result.stdout + result.stderr };
  };

  test('--help lists every option', () => {
    const { status, out } = run(['--help']);
    expect(status).toBe(0);
    for (const option of [
      '--base-url',
      '--client-id',
      '--client-secret',
      '--access-token',
      '--project',
      '--runtime',
      '--cron',
      '--no-build',
      '--dry-run',
    ]) {
      expect(out).toContain(option);
    }
  });

  test('without credentials it says what to give, and fails', () => {
    const { status, out } = run(['--dry-run']);
    expect(status).toBe(1);
    expect(out).toMatch(/--client-id and --client-secret/);
  });
});
