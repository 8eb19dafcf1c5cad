/**
 * Deploying the `shl-import` bot to a Medplum project, idempotently: find the Bot (id in
 * medplum.config.json, else by identifier) or create it; upload the built code
 * (`Bot/{id}/$deploy`) and the source; keep `runAsUser: true` and an `auditEventTrigger`;
 * create the `SHL_IMPORT_KEY` secret when missing (never overwriting one, never printing it);
 * record the bot id in medplum.config.json. A second run changes only the code. A failure
 * leaves nothing half-done: a bot created by this run is deleted again.
 */
import type { MedplumClient } from '@medplum/core';
import { ContentType } from '@medplum/core';
import type { Bot, Identifier, Project, ProjectSetting } from '@medplum/fhirtypes';
import { generateImportKey } from '../keygen';

export const BOT_IDENTIFIER: Required<Pick<Identifier, 'system' | 'value'>> = {
  system: 'https://smarthealthit.org/shl-import/bot',
  value: 'shl-import',
};

export interface DeployOptions {
  botName: string;
  /** The Bot id from medplum.config.json, if any. */
  botId?: string;
  projectId: string;
  runtimeVersion: 'awslambda' | 'vmcontext';
  /** The built bundle (dist) and its TypeScript source. */
  code: string;
  source: string;
  dryRun: boolean;
}

export interface DeployResult {
  botId: string;
  created: boolean;
  secretCreated: boolean;
  /** What was (or, in a dry run, would be) done, for people. */
  steps: string[];
}

/** The Bot settings this project relies on. */
const BOT_SETTINGS: Pick<Bot, 'runAsUser' | 'auditEventTrigger'> = {
  // Imports obey the calling user's access policy.
  runAsUser: true,
  // Imports leave Provenance; keep AuditEvents for failed runs only.
  auditEventTrigger: 'on-error',
};

/**
 * The least `Bot.timeout` (seconds) the bot needs: a resolve may take up to its own 30 s limit
 * (SHL_RESOLVE_TIMEOUT_MS) before matching, and Medplum's default of 10 s would cut it off with
 * no useful answer. A longer timeout an admin set is kept.
 */
const MIN_TIMEOUT_S = 45;

export async function deployBot(medplum: MedplumClient, options: DeployOptions): Promise<DeployResult> {
  const steps: string[] = [];
  const existing = await findBot(medplum, options.botId);
  let bot: Bot;
  let created = false;
  if (existing) {
    bot = existing;
    steps.push(`Found Bot/${bot.id ?? ''} (${bot.name ?? options.botName}).`);
  } else if (options.dryRun) {
    steps.push(
      `Would create the Bot "${options.botName}" (${options.runtimeVersion}) in project ${options.projectId}.`
    );
    steps.push('Would upload its source and deploy the built code (dist/bots/shl-import.js).');
    steps.push(...(await secretPlan(medplum, options.projectId)));
    return { botId: '(new)', created: true, secretCreated: false, steps };
  } else {
    bot = await medplum.post<Bot>(`admin/projects/${options.projectId}/bot`, {
      name: options.botName,
      description: 'Imports SMART Health Links (resolve, match, import).',
      runtimeVersion: options.runtimeVersion,
    });
    created = true;
    steps.push(`Created Bot/${bot.id ?? ''} (${options.botName}).`);
  }
  const botId = bot.id as string;

  if (options.dryRun) {
    steps.push(`Would deploy the built code to Bot/${botId} and upload its source.`);
    const changes = settingChanges(bot);
    if (changes.length > 0) {
      steps.push(`Would set ${changes.join(', ')} on the Bot.`);
    }
    steps.push(...(await secretPlan(medplum, options.projectId)));
    return { botId, created: false, secretCreated: false, steps };
  }

  let deployed = false;
  try {
    await medplum.post(medplum.fhirUrl('Bot', botId, '$deploy'), { code: options.code, filename: 'shl-import.js' });
    deployed = true;
    steps.push('Deployed the built code.');
    const sourceCode = await medplum.createAttachment({
      data: options.source,
      filename: 'shl-import.ts',
      contentType: ContentType.TYPESCRIPT,
    });
    const current = await medplum.readResource('Bot', botId);
    const changes = settingChanges(current);
    await medplum.updateResource<Bot>({
      ...current,
      ...BOT_SETTINGS,
      timeout: Math.max(current.timeout ?? 0, MIN_TIMEOUT_S),
      identifier: withIdentifier(current.identifier),
      sourceCode,
    });
    steps.push(changes.length > 0 ? `Uploaded the source; set ${changes.join(', ')}.` : 'Uploaded the source.');
  } catch (err) {
    if (created) {
      await medplum.deleteResource('Bot', botId).catch(() => undefined);
    }
    const state = created
      ? 'the new Bot was removed again'
      : deployed
        ? 'the new code is deployed, but the Bot settings were not updated: run again'
        : 'the Bot keeps its previous code';
    throw new Error(`Deploying the bot failed (${state}): ${describe(err)}`, { cause: err });
  }

  const secretCreated = await ensureImportKey(medplum, options.projectId);
  steps.push(
    secretCreated
      ? 'Created the SHL_IMPORT_KEY project secret (a new key; not shown).'
      : 'SHL_IMPORT_KEY already set: left as it is.'
  );
  return { botId, created, secretCreated, steps };
}

async function findBot(medplum: MedplumClient, botId: string | undefined): Promise<Bot | undefined> {
  if (botId) {
    try {
      return await medplum.readResource('Bot', botId);
    } catch {
      // Deleted, or from another project: look it up by identifier.
    }
  }
  return medplum.searchOne('Bot', { identifier: `${BOT_IDENTIFIER.system}|${BOT_IDENTIFIER.value}` });
}

function settingChanges(bot: Bot): string[] {
  const changes: string[] = [];
  if (bot.runAsUser !== BOT_SETTINGS.runAsUser) {
    changes.push('runAsUser: true');
  }
  if (bot.auditEventTrigger !== BOT_SETTINGS.auditEventTrigger) {
    changes.push(`auditEventTrigger: ${BOT_SETTINGS.auditEventTrigger ?? ''}`);
  }
  if ((bot.timeout ?? 0) < MIN_TIMEOUT_S) {
    changes.push(`timeout: ${String(MIN_TIMEOUT_S)} s`);
  }
  if (!bot.identifier?.some((i) => i.system === BOT_IDENTIFIER.system && i.value === BOT_IDENTIFIER.value)) {
    changes.push(`identifier ${BOT_IDENTIFIER.system}|${BOT_IDENTIFIER.value}`);
  }
  return changes;
}

function withIdentifier(identifiers: Identifier[] | undefined): Identifier[] {
  const list = identifiers ?? [];
  return list.some((i) => i.system === BOT_IDENTIFIER.system) ? list : [...list, BOT_IDENTIFIER];
}

async function projectSecrets(medplum: MedplumClient, projectId: string): Promise<ProjectSetting[]> {
  const { project } = await medplum.get<{ project: Project }>(`admin/projects/${projectId}`, { cache: 'no-cache' });
  return project.secret ?? [];
}

async function secretPlan(medplum: MedplumClient, projectId: string): Promise<string[]> {
  const secrets = await projectSecrets(medplum, projectId);
  return [
    secrets.some((s) => s.name === 'SHL_IMPORT_KEY')
      ? 'SHL_IMPORT_KEY already set: would leave it.'
      : 'Would create the SHL_IMPORT_KEY project secret.',
  ];
}

/** Creates `SHL_IMPORT_KEY` when missing; keeps every other secret. True when created. */
async function ensureImportKey(medplum: MedplumClient, projectId: string): Promise<boolean> {
  const secrets = await projectSecrets(medplum, projectId);
  if (secrets.some((s) => s.name === 'SHL_IMPORT_KEY')) {
    return false;
  }
  const { secret } = await generateImportKey();
  await medplum.post(`admin/projects/${projectId}/secrets`, [
    ...secrets,
    { name: 'SHL_IMPORT_KEY', valueString: secret },
  ]);
  return true;
}

function describe(err: unknown): string {
  const outcome = (err as { outcome?: { issue?: { details?: { text?: string }; diagnostics?: string }[] } }).outcome;
  const issue = outcome?.issue?.[0];
  return issue?.details?.text ?? issue?.diagnostics ?? (err instanceof Error ? err.message : String(err));
}
