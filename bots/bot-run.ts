/**
 * What one run of the bot works with: the Medplum client (the caller's, with `runAsUser`), the
 * settings read from project secrets, the platform (network, inflate, crypto, clock) and the
 * sealing key. The key is imported once and kept while the secret stays the same, so a warm
 * runtime does not import it on every run.
 */
import type { BotEvent, MedplumClient } from '@medplum/core';
import type { BoxKey } from './bot-box';
import type { BotOutput } from './contract';
import type { ImportSettings } from './import/import';
import type { StagingDeps } from './import/staging';
import { createNodePlatform, deflateRawPiece, randomBytes, sleep, zstd } from './node-platform';
import type { SealingKey } from './sealing';
import { importSealingKey } from './sealing';
import type { BotSettings } from './settings';
import { readSettings } from './settings';
import type { Platform } from './shl/platform';

/** One operation of the bot: what it answers for its input in this run. */
export type Operation = (run: BotRun, input: Record<string, unknown>) => Promise<BotOutput>;

export interface BotRun {
  medplum: MedplumClient;
  settings: BotSettings;
  platform: Platform;
  /** The `SHL_IMPORT_KEY` secret as a key; `not-configured` when missing or unusable. */
  sealingKey: () => Promise<SealingKey>;
  /** What `import` needs to know of this run. */
  importSettings: ImportSettings;
  /** What keeping resolve results for `import` needs (the key comes with `sealingKey`). */
  staging: () => Promise<StagingDeps>;
  /** The key of what the bot keeps for itself (`bot-box.ts`). */
  box: () => Promise<BoxKey>;
}

const platform: Platform = createNodePlatform();

let cachedKey: { secret: string; key: Promise<SealingKey> } | undefined;

export function startRun(medplum: MedplumClient, event: BotEvent): BotRun {
  const settings = readSettings(event.secrets);
  const key = (): Promise<SealingKey> => sealingKey(settings.importKey);
  const box = async (): Promise<BoxKey> => ({ key: (await key()).storageKey, subtle: platform.subtle, randomBytes });
  return {
    medplum,
    settings,
    platform,
    sealingKey: key,
    box,
    importSettings: {
      allowedTypes: settings.importTypes,
      maxAttachmentBytes: settings.maxAttachmentBytes,
      randomUUID: platform.randomId,
      now: platform.now,
      sleep,
      maxWaitMs: settings.maxRateWaitMs,
      maxRequestBytes: settings.maxRequestBytes,
      ...(event.requester && { requester: event.requester }),
    },
    staging: async () => ({
      medplum,
      ...(await box()),
      codec: platform.codec,
      deflateRawPiece,
      inflateRaw: platform.inflateRaw,
      ...(zstd && { zstd }),
      now: platform.now,
      ...(event.requester?.reference && { requester: event.requester.reference }),
    }),
  };
}

function sealingKey(secret: string | undefined): Promise<SealingKey> {
  if (secret !== undefined && cachedKey?.secret === secret) {
    return cachedKey.key;
  }
  const key = importSealingKey(secret, platform.subtle);
  cachedKey = secret === undefined ? undefined : { secret, key };
  key.catch(() => {
    cachedKey = undefined;
  });
  return key;
}
