/**
 * Deploying the `shl-import` bot to a Medplum project, idempotently: check the project's
 * features (and say what a missing one costs); find the Bot (id in medplum.config.json, else by
 * identifier) or create it; write its settings (runtime, timeout, `runAsUser`, audit trigger,
 * cron schedule) BEFORE deploying code, because `$deploy` fixes a missing timeout from the Lambda
 * default when it creates the function; upload the built code (`Bot/{id}/$deploy`) and the
 * source; create the `SHL_IMPORT_KEY` secret when missing (never overwriting one, never printing
 * it). A second run changes only the code. A failure leaves nothing half-done: a bot created by
 * this run is deleted again.
 */
import type { MedplumClient } from '@medplum/core';
import { ContentType } from '@medplum/core';
import type { Bot, Identifier, Project, ProjectSetting } from '@medplum/fhirtypes';
import { generateImportKey } from '../keygen';

export const BOT_IDENTIFIER: Required<Pick<Identifier, 'system' | 'value'>> = {
  system: 'https://smarthealthit.org/shl-import/bot',
  value: 'shl-import',
};

/** How often the server's scheduler runs the bot's `poll` by default (feature `cron`). */
export const DEFAULT_CRON = '*/15 * * * *';

export interface DeployOptions {
  botName: string;
  /** The Bot id from medplum.config.json, if any. */
  botId?: string;
  projectId: string;
  /** Absent: the server's default for a new Bot, the Bot's own runtime for an existing one. */
  runtimeVersion?: 'awslambda' | 'vmcontext';
  /** `Bot.cronString` for scheduled polls of followed links, or `off` to remove it. */
  cron: string;
  /** The built bundle (dist) and its TypeScript source. */
  code: string;
  source: string;
  dryRun: boolean;
}

export interface DeployResult {
  botId: string;
  created: boolean;
  secretCreated: boolean;
  /** The project's features this bot cares about that it lacks (`undefined`: could not tell). */
  missingFeatures?: string[];
  /** What was (or, in a dry run, would be) done, for people. */
  steps: string[];
}

/** The project features this bot uses, and what each gives. */
export const FEATURES: Record<string, { gives: string; required?: boolean }> = {
  bots: { gives: 'bots can be deployed and run at all', required: true },
  cron: {
    gives:
      "the server's scheduler polls followed links (Bot.cronString); without it they are checked only by staff's Check now",
  },
  'transaction-bundles': {
    gives:
      'an import is one atomic transaction (all or nothing); without it the server files a transaction entry by entry, like a batch',
  },
};

/** The Bot settings this project relies on. */
const BOT_SETTINGS: Pick<Bot, 'runAsUser' | 'auditEventTrigger'> = {
  // Imports obey the calling user's access policy.
  runAsUser: true,
  // Imports leave Provenance; keep AuditEvents for failed runs only (the bot logs one line then).
  auditEventTrigger: 'on-output',
};

/**
 * The least `Bot.timeout` (seconds) the bot needs: a resolve may take up to its own 30 s limit
 * (SHL_RESOLVE_TIMEOUT_MS) before matching, and Medplum's default of 10 s would cut it off with
 * no useful answer. A longer timeout an admin set is kept.
 */
const MIN_TIMEOUT_S = 45;

/** A five-field cron pattern as Medplum's scheduler takes it (minute hour day month weekday). */
const CRON_PATTERN = /^[\d*/,-]+( [\d*/,-]+){4}$/;

export async function deployBot(medplum: MedplumClient, options: DeployOptions): Promise<DeployResult> {
  if (options.cron !== 'off' && !CRON_PATTERN.test(options.cron)) {
    throw new Error(`--cron must be a five-field cron pattern such as "${DEFAULT_CRON}", or off.`);
  }
  const steps: string[] = [];
  const features = await projectFeatures(medplum, options.projectId);
  const missingFeatures = features && Object.keys(FEATURES).filter((f) => !features.includes(f));
  steps.push(...featureReport(missingFeatures));
  if (missingFeatures?.includes('bots')) {
    throw new Error(
      `The project lacks the "bots" feature, so no bot can be deployed or run. A super admin must add it to Project.features.\n${steps.join('\n')}`
    );
  }
  const scheduling = features?.includes('cron') ?? false;

  const existing = await findBot(medplum, options.botId);
  if (options.dryRun) {
    if (existing) {
      steps.push(`Found Bot/${existing.id ?? ''} (${existing.name ?? options.botName}).`);
    } else {
      steps.push(`Would create the Bot "${options.botName}" in project ${options.projectId}.`);
    }
    const changes = settingChanges(existing ?? { resourceType: 'Bot' }, options, scheduling);
    if (changes.length > 0) {
      steps.push(`Would set ${changes.join(', ')} on the Bot, before deploying code.`);
    }
    steps.push('Would deploy the built code (dist/bots/shl-import.js) and upload its source.');
    steps.push(await secretPlan(medplum, options.projectId));
    return {
      botId: existing?.id ?? '(new)',
      created: !existing,
      secretCreated: false,
      ...(missingFeatures && { missingFeatures }),
      steps,
    };
  }

  let bot: Bot;
  let created = false;
  if (existing) {
    bot = existing;
    steps.push(`Found Bot/${bot.id ?? ''} (${bot.name ?? options.botName}).`);
  } else {
    bot = await medplum.post<Bot>(`admin/projects/${options.projectId}/bot`, {
      name: options.botName,
      description: 'Imports SMART Health Links (resolve, match, import).',
      ...(options.runtimeVersion && { runtimeVersion: options.runtimeVersion }),
    });
    created = true;
    steps.push(`Created Bot/${bot.id ?? ''} (${options.botName}, ${bot.runtimeVersion ?? 'default runtime'}).`);
  }
  const botId = bot.id as string;

  let deployed = false;
  try {
    // Settings first: `$deploy` of an awslambda Bot without a timeout sets the Lambda default (10 s).
    const changes = settingChanges(bot, options, scheduling);
    if (changes.length > 0) {
      bot = await medplum.updateResource<Bot>(withSettings(bot, options, scheduling));
      steps.push(`Set ${changes.join(', ')}.`);
    }
    await medplum.post(medplum.fhirUrl('Bot', botId, '$deploy'), { code: options.code, filename: 'shl-import.js' });
    deployed = true;
    steps.push('Deployed the built code.');
    const sourceCode = await medplum.createAttachment({
      data: options.source,
      filename: 'shl-import.ts',
      contentType: ContentType.TYPESCRIPT,
    });
    await medplum.updateResource<Bot>({ ...(await medplum.readResource('Bot', botId)), sourceCode });
    steps.push('Uploaded the source.');
  } catch (err) {
    if (created) {
      await medplum.deleteResource('Bot', botId).catch(() => undefined);
    }
    const state = created
      ? 'the new Bot was removed again'
      : deployed
        ? 'the new code is deployed, but its source was not uploaded: run again'
        : 'the Bot keeps its previous code';
    throw new Error(`Deploying the bot failed (${state}): ${describe(err)}`, { cause: err });
  }

  const secretCreated = await ensureImportKey(medplum, options.projectId);
  steps.push(
    secretCreated
      ? 'Created the SHL_IMPORT_KEY project secret (a new key; not shown).'
      : 'SHL_IMPORT_KEY already set: left as it is.'
  );
  return { botId, created, secretCreated, ...(missingFeatures && { missingFeatures }), steps };
}

/** `Project.features`, or undefined when the client may not read the Project. */
async function projectFeatures(medplum: MedplumClient, projectId: string): Promise<string[] | undefined> {
  try {
    const project = await medplum.readResource('Project', projectId, { cache: 'no-cache' });
    return project.features ?? [];
  } catch {
    return undefined;
  }
}

function featureReport(missing: string[] | undefined): string[] {
  if (!missing) {
    return [
      'Could not read the project\'s features (needs a project admin): check "bots", "cron" and "transaction-bundles" by hand.',
    ];
  }
  if (missing.length === 0) {
    return [`Project features: ${Object.keys(FEATURES).join(', ')} all present.`];
  }
  return missing.map(
    (f) => `Project feature "${f}" is missing: with it, ${FEATURES[f]?.gives ?? ''}. Only a super admin can add it.`
  );
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

/**
 * The cron schedule to write: the requested one only where the server will schedule it (a
 * `cronString` written while the project lacks `cron` is never picked up later unless it changes),
 * and `off` removes it.
 */
function cronString(bot: Bot, options: DeployOptions, scheduling: boolean): string | undefined {
  if (options.cron === 'off') {
    return undefined;
  }
  return scheduling ? options.cron : bot.cronString;
}

function withSettings(bot: Bot, options: DeployOptions, scheduling: boolean): Bot {
  const { cronString: _old, ...rest } = bot;
  const cron = cronString(bot, options, scheduling);
  return {
    ...rest,
    ...BOT_SETTINGS,
    ...(options.runtimeVersion && { runtimeVersion: options.runtimeVersion }),
    timeout: Math.max(bot.timeout ?? 0, MIN_TIMEOUT_S),
    identifier: withIdentifier(bot.identifier),
    ...(cron && { cronString: cron }),
  };
}

function settingChanges(bot: Bot, options: DeployOptions, scheduling: boolean): string[] {
  const changes: string[] = [];
  if (options.runtimeVersion && bot.runtimeVersion !== options.runtimeVersion) {
    changes.push(`runtimeVersion: ${options.runtimeVersion}`);
  }
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
  const cron = cronString(bot, options, scheduling);
  if (cron !== bot.cronString) {
    changes.push(cron ? `cronString: "${cron}"` : 'no cronString');
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

async function secretPlan(medplum: MedplumClient, projectId: string): Promise<string> {
  const secrets = await projectSecrets(medplum, projectId);
  return secrets.some((s) => s.name === 'SHL_IMPORT_KEY')
    ? 'SHL_IMPORT_KEY already set: would leave it.'
    : 'Would create the SHL_IMPORT_KEY project secret.';
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
