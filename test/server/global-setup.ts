/**
 * Global setup of `npm run test:server`: checks the environment (a clear error without it),
 * deploys the bot with `npm run deploy` (vmcontext; the repository's medplum.config.json is left
 * alone), adds the address of the SHL sender the test files start to the project secret SHL_ALLOW_HOSTS,
 * and works out which project features the suite can vary (only with a super-admin
 * client). Teardown takes that address out again and puts the features back as they were.
 */
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import type { FeatureVariants } from './support/context';
import { runDeploy } from './support/deploy';
import {
  adminClient,
  allowHost,
  clientLogin,
  projectFeatures,
  projectIdOf,
  readServerEnv,
  setProjectFeatures,
} from './support/server';

/** The project features whose tests run once per state the suite can set. */
const VARIED = ['transaction-bundles', 'cron'] as const;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = readServerEnv();
  const admin = await adminClient(env);
  const projectId = projectIdOf(admin);
  const features = await projectFeatures(admin, projectId);
  const superAdmin =
    env.superAdmin && (await clientLogin(env.baseUrl, env.superAdmin.clientId, env.superAdmin.clientSecret));

  const variants = Object.fromEntries(
    VARIED.map((feature) => [feature, superAdmin ? [false, true] : [features.includes(feature)]])
  ) as FeatureVariants;
  console.log(
    superAdmin
      ? `test:server: project features varied: ${VARIED.join(', ')} (each off and on).`
      : `test:server: no super-admin client (MEDPLUM_SUPER_ADMIN_CLIENT_ID/_SECRET), so the project's features stay as they are: ${VARIED.map((f) => `${f} ${features.includes(f) ? 'on' : 'off'}`).join(', ')}. Not run: ${VARIED.map((f) => `the ${f} ${features.includes(f) ? 'off' : 'on'} variant`).join(', ')}.`
  );

  const host = process.env.SHL_TEST_SENDER_HOST ?? '127.0.0.1';
  const port = Number(process.env.SHL_TEST_SENDER_PORT ?? (await freePort(host)));

  const { output: deployOutput, botId } = runDeploy(['--runtime', 'vmcontext']);
  console.log(deployOutput.trim());

  await allowHost(admin, projectId, `${host}:${port}`, true);

  project.provide('botId', botId);
  project.provide('projectId', projectId);
  project.provide('sender', { host, port });
  project.provide('deployOutput', deployOutput);
  project.provide('featuresAtStart', features);
  project.provide('variants', variants);

  return async () => {
    await allowHost(admin, projectId, `${host}:${port}`, false);
    if (superAdmin) {
      await setProjectFeatures(superAdmin, projectId, {
        add: VARIED.filter((f) => features.includes(f)),
        remove: VARIED.filter((f) => !features.includes(f)),
      });
    }
  };
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}
