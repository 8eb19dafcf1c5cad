/**
 * What every `*.server.test.ts` file shares: the deployed bot and project (from the global setup),
 * the project admin client, the super-admin client when the environment names one, and a real
 * SHL sender listening where the project's SHL_ALLOW_HOSTS points.
 */
import type { MedplumClient } from '@medplum/core';
import { inject } from 'vitest';
import { sealLink } from '../../../app/bot-client';
import { ShlSender } from '../../../local/shl-sender';
import { adminClient, clientLogin, projectFeatures, readServerEnv, setProjectFeatures } from './server';

/** For each varied project feature, the states its tests run in. */
export type FeatureVariants = Record<'transaction-bundles' | 'cron', boolean[]>;

declare module 'vitest' {
  export interface ProvidedContext {
    botId: string;
    projectId: string;
    sender: { host: string; port: number };
    deployOutput: string;
    featuresAtStart: string[];
    variants: FeatureVariants;
  }
}

export interface SuiteContext {
  botId: string;
  projectId: string;
  admin: MedplumClient;
  superAdmin?: MedplumClient;
  sender: ShlSender;
  /** Seals a link (and passcode) to the deployed bot's key, as the pages do. */
  seal(link: { shl: string; passcode?: string }): Promise<string>;
  /** Puts a project feature in the given state (super admin), or checks it already is. */
  setFeature(feature: keyof FeatureVariants, on: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function suiteContext(): Promise<SuiteContext> {
  const env = readServerEnv();
  const botId = inject('botId');
  const projectId = inject('projectId');
  const admin = await adminClient(env);
  const superAdmin =
    env.superAdmin && (await clientLogin(env.baseUrl, env.superAdmin.clientId, env.superAdmin.clientSecret));
  const sender = await ShlSender.start(inject('sender'));
  return {
    botId,
    projectId,
    admin,
    ...(superAdmin && { superAdmin }),
    sender,
    seal: (link) => sealLink(admin, botId, link),
    setFeature: async (feature, on) => {
      if (superAdmin) {
        await setProjectFeatures(superAdmin, projectId, on ? { add: [feature] } : { remove: [feature] });
      }
      const now = (await projectFeatures(admin, projectId)).includes(feature);
      if (now !== on) {
        throw new Error(`The project's feature ${feature} is ${now ? 'on' : 'off'}, and no super admin can change it.`);
      }
    },
    close: () => sender.close(),
  };
}
