/**
 * `npm run deploy`: builds the bot and deploys it to a Medplum project (see deploy.ts).
 * Configured by flags or the environment variables the Medplum CLI reads.
 */
import { MedplumClient } from '@medplum/core';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BOT_IDENTIFIER, DEFAULT_CRON, deployBot } from './deploy';

const HELP = `Usage: npm run deploy -- [options]

Builds dist/bots/shl-import.js and deploys it as the "shl-import" Bot of a Medplum project.

Options (environment variable in brackets):
  --base-url <url>        Medplum server [MEDPLUM_BASE_URL] (default https://api.medplum.com/)
  --client-id <id>        client application id [MEDPLUM_CLIENT_ID]
  --client-secret <s>     client application secret [MEDPLUM_CLIENT_SECRET]
  --access-token <t>      use this access token instead [MEDPLUM_CLIENT_ACCESS_TOKEN]
  --fhir-url-path <p>     FHIR path [MEDPLUM_FHIR_URL_PATH] (default fhir/R4/)
  --token-url <url>       token endpoint [MEDPLUM_TOKEN_URL]
  --project <id>          project id (default: the client's project)
  --runtime <r>           awslambda (Medplum-hosted) or vmcontext (self-hosted); default: the
                          server's default for a new Bot, the Bot's own runtime for an existing one
  --cron <pattern|off>    Bot.cronString: how often the server's scheduler polls followed links
                          (default "${DEFAULT_CRON}", every 15 minutes; needs the project feature
                          "cron"); off removes the schedule
  --config <file>         Medplum config file (default medplum.config.json)
  --no-build              deploy the existing dist/bots/shl-import.js
  --dry-run               print the plan; change nothing
  -h, --help              this text

The client must be a project admin (to create the Bot and the SHL_IMPORT_KEY secret).
The deploy says which project features (bots, cron, transaction-bundles) are missing and what
each gives; only a super admin can add them.`;

interface BotConfig {
  name: string;
  id?: string;
  source: string;
  dist: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'access-token': { type: 'string' },
      'fhir-url-path': { type: 'string' },
      'token-url': { type: 'string' },
      project: { type: 'string' },
      runtime: { type: 'string' },
      cron: { type: 'string', default: DEFAULT_CRON },
      config: { type: 'string', default: 'medplum.config.json' },
      'no-build': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const env = process.env;
  const runtime = values.runtime;
  if (runtime !== undefined && runtime !== 'awslambda' && runtime !== 'vmcontext') {
    throw new Error('--runtime must be awslambda or vmcontext.');
  }
  const configPath = values.config;
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { bots: BotConfig[] } & Record<string, unknown>;
  const entry = config.bots.find((b) => b.name === 'shl-import');
  if (!entry) {
    throw new Error(`${configPath} has no "shl-import" bot entry.`);
  }

  const baseUrl = values['base-url'] ?? env.MEDPLUM_BASE_URL ?? 'https://api.medplum.com/';
  const medplum = new MedplumClient({
    baseUrl,
    ...((values['fhir-url-path'] ?? env.MEDPLUM_FHIR_URL_PATH) && {
      fhirUrlPath: values['fhir-url-path'] ?? env.MEDPLUM_FHIR_URL_PATH,
    }),
    ...((values['token-url'] ?? env.MEDPLUM_TOKEN_URL) && { tokenUrl: values['token-url'] ?? env.MEDPLUM_TOKEN_URL }),
  });
  const accessToken = values['access-token'] ?? env.MEDPLUM_CLIENT_ACCESS_TOKEN;
  const clientId = values['client-id'] ?? env.MEDPLUM_CLIENT_ID;
  const clientSecret = values['client-secret'] ?? env.MEDPLUM_CLIENT_SECRET;
  if (accessToken) {
    medplum.setAccessToken(accessToken);
    await medplum.getProfileAsync();
  } else if (clientId && clientSecret) {
    await medplum.startClientLogin(clientId, clientSecret);
  } else {
    throw new Error(
      'Give --client-id and --client-secret (or MEDPLUM_CLIENT_ID / MEDPLUM_CLIENT_SECRET), or an access token.'
    );
  }
  const projectId = values.project ?? medplum.getProject()?.id;
  if (!projectId) {
    throw new Error('Could not tell the project: give --project <id>.');
  }

  if (!values['no-build'] && !values['dry-run']) {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'inherit' });
  }
  const result = await deployBot(medplum, {
    botName: entry.name,
    ...(entry.id && { botId: entry.id }),
    projectId,
    ...(runtime && { runtimeVersion: runtime }),
    cron: values.cron,
    code: values['dry-run'] ? '' : readFileSync(entry.dist, 'utf8'),
    source: values['dry-run'] ? '' : readFileSync(entry.source, 'utf8'),
    dryRun: values['dry-run'],
  });
  for (const step of result.steps) {
    console.log(`- ${step}`);
  }
  if (!values['dry-run'] && entry.id !== result.botId) {
    entry.id = result.botId;
    writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n');
    console.log(`- Wrote the bot id into ${configPath}.`);
  }
  console.log(
    `\nThe import pages need: bot id ${result.botId}, or identifier ${BOT_IDENTIFIER.system}|${BOT_IDENTIFIER.value}.`
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
