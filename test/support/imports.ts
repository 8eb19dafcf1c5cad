/**
 * What the import tests share: a local sender, a bot on Medplum's in-memory FHIR server, links
 * made of FHIR content, imports that fail the test on an error, and a referential-integrity check.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ImportOutput, ResolveOutput } from '../../bots/contract';
import { createFhirServer } from '../../local/fhir-server';
import { ShlSender } from '../../local/shl-sender';
import type { BotHarness } from './bot';
import { createBotHarness, ok } from './bot';

/** Starts a local sender for the file's tests; returns it (once started) by getter. */
export function useSender(): () => ShlSender {
  let sender: ShlSender | undefined;
  beforeAll(async () => {
    sender = await ShlSender.start();
  });
  afterAll(async () => {
    await sender?.close();
  });
  return () => {
    if (!sender) {
      throw new Error('The sender starts in beforeAll');
    }
    return sender;
  };
}

/** A bot with the given secrets on a fresh in-memory server, allowed to reach the sender. */
export async function setup(
  sender: ShlSender,
  extraSecrets: Record<string, string> = {}
): Promise<{ medplum: MockClient; bot: BotHarness }> {
  const medplum = createFhirServer();
  const bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, ...extraSecrets }, medplum);
  return { medplum, bot };
}

/** A collection Bundle of the incoming Patient `p` and resources about them. */
export function aboutP(...resources: Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resourceType: 'Patient', id: 'p', name: [{ family: 'Doe' }] } as Resource, ...resources].map(
      (resource) => ({ resource })
    ),
  };
}

/** Serves `bundle` as a one-file link and resolves it. */
export async function resolveBundle(
  sender: ShlSender,
  bot: BotHarness,
  bundle: Bundle | Resource
): Promise<ResolveOutput> {
  const link = await sender.createLink({
    files: [{ content: JSON.stringify(bundle), contentType: 'application/fhir+json' }],
    label: 'Visit summary',
  });
  return ok(await bot.resolve(link.shl));
}

/** A direct-form import; fails the test on an error answer. */
export async function runImport(
  bot: BotHarness,
  resolved: ResolveOutput,
  patient: unknown,
  resources = resolved.resources
): Promise<ImportOutput> {
  return importOk(await bot.run({ operation: 'import', source: resolved.source, resources, patient }));
}

/** The import's answer; fails the test on an error answer. */
export function importOk(output: unknown): ImportOutput {
  if (typeof output === 'object' && output !== null && 'error' in output) {
    const { code, message } = (output as { error: { code: string; message: string } }).error;
    throw new Error(`${code}: ${message}`);
  }
  return output as ImportOutput;
}

/** Every literal reference in every created resource points at a resource on the server. */
export async function checkReferentialIntegrity(medplum: MockClient, created: string[]): Promise<number> {
  let checked = 0;
  for (const reference of created) {
    const resource = await medplum.readReference({ reference });
    const refs = JSON.stringify(resource).match(/"reference":"[^"#][^"]*"/g) ?? [];
    for (const ref of refs) {
      const target = ref.slice(13, -1);
      await expect(medplum.readReference({ reference: target })).resolves.toBeDefined();
      checked++;
    }
  }
  return checked;
}
