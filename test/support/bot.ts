/**
 * Calling the `shl-import` bot the way Medplum does, with a real sealing key: the demo-bot
 * pattern of invoking `handler(medplum, event)` directly. Every run is under the leak check
 * (`leak-check.ts`): its sealed input is watched, its answer and what it stores are recorded.
 */
import type { MedplumClient } from '@medplum/core';
import type { Practitioner, ProjectSetting, Reference } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import type { BotOutput, ErrorOutput, PublicKeyOutput, ResolveOutput } from '../../bots/contract';
import { handler } from '../../bots/shl-import';
import { duringBotRun, recordAnswer, trackStoredResources, watchBotInput } from './leak-check';
import { generateSealingSecret, sealForBot } from './seal';

export interface BotHarness {
  medplum: MedplumClient;
  secrets: Record<string, ProjectSetting>;
  /** Runs the bot with raw input, as the front-desk user unless another requester is given. */
  run(input: unknown, requester?: Reference<Practitioner>): Promise<BotOutput>;
  /** Seals `shl` (and `passcode`) to the bot's public key and resolves it. */
  resolve(shl: string, options?: { passcode?: string; recipient?: string }): Promise<ResolveOutput | ErrorOutput>;
  publicKey(): Promise<PublicKeyOutput['jwk']>;
}

/** A bot with a fresh `SHL_IMPORT_KEY` and the given extra secrets. */
export async function createBotHarness(
  extraSecrets: Record<string, string> = {},
  medplum: MedplumClient = new MockClient()
): Promise<BotHarness> {
  const secrets: Record<string, ProjectSetting> = {};
  for (const [name, valueString] of Object.entries({
    SHL_IMPORT_KEY: await generateSealingSecret(),
    ...extraSecrets,
  })) {
    secrets[name] = { name, valueString };
  }
  if (medplum instanceof MockClient) {
    await trackStoredResources(medplum);
  }
  const run = async (
    input: unknown,
    requester: Reference<Practitioner> = { reference: 'Practitioner/front-desk-1', display: 'Front Desk' }
  ): Promise<BotOutput> => {
    await watchBotInput(input, secrets.SHL_IMPORT_KEY?.valueString);
    const output = await duringBotRun(() =>
      handler(medplum, {
        bot: { reference: 'Bot/shl-import' },
        contentType: 'application/json',
        input,
        secrets,
        requester,
      })
    );
    recordAnswer(output);
    return output;
  };
  const publicKey = async (): Promise<PublicKeyOutput['jwk']> => {
    const output = await run({ operation: 'public-key' });
    if (!('jwk' in output)) {
      throw new Error('public-key failed');
    }
    return output.jwk;
  };
  return {
    medplum,
    secrets,
    run,
    publicKey,
    resolve: async (shl, options = {}) => {
      const sealed = await sealForBot(await publicKey(), {
        shl,
        ...(options.passcode !== undefined && { passcode: options.passcode }),
      });
      return (await run({
        operation: 'resolve',
        sealed,
        ...(options.recipient !== undefined && { recipient: options.recipient }),
      })) as ResolveOutput | ErrorOutput;
    },
  };
}

/** The result, or a test failure naming the error. */
export function ok(output: BotOutput): ResolveOutput {
  if ('error' in output) {
    throw new Error(`expected success, got ${output.error.code}: ${output.error.message}`);
  }
  return output as ResolveOutput;
}

/** The error code of an output, or undefined on success. */
export function errorCode(output: BotOutput): string | undefined {
  return 'error' in output ? output.error.code : undefined;
}
