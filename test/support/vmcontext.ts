/**
 * Runs a built bot the way Medplum's `vmcontext` runtime does
 * (`packages/server/src/bots/vmcontext.ts`): the code as a script in a new context with only the
 * sandbox's globals, wrapped so `exports.handler` is called with a MedplumClient built inside,
 * talking over HTTP to the local FHIR API (`serveFhirApi`: local/api-server.ts over Medplum's
 * in-memory server). `runInNode` makes the same run outside the sandbox, for comparison.
 */
import { ContentType, Hl7Message, MedplumClient } from '@medplum/core';
import type { ProjectSetting } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import vm from 'node:vm';
import { startLocalApi } from '../../local/api-server';
import { createFhirServer } from '../../local/fhir-server';
import { duringBotRun, recordAnswer, recordLog, trackStoredResources, watchBotInput } from './leak-check';

export interface VmBotEvent {
  input: unknown;
  secrets: Record<string, ProjectSetting>;
  baseUrl?: string;
  /** Modules the runtime provides besides Node's and this package's (e.g. `@medplum/ccda`). */
  modules?: Record<string, unknown>;
}

const localRequire = createRequire(import.meta.url);

/** Executes `code` once per call, exactly as vmcontext does, and returns the handler's result. */
export async function runInVmContext(code: string, event: VmBotEvent, logs: string[] = []): Promise<unknown> {
  await watchBotInput(event.input, event.secrets.SHL_IMPORT_KEY?.valueString);
  const capture = (...args: unknown[]): void => {
    const line = args.map(String).join(' ');
    logs.push(line);
    recordLog(line);
  };
  const sandbox = {
    console: { log: capture, info: capture, warn: capture, error: capture, debug: capture },
    fetch: globalThis.fetch,
    require: (name: string): unknown => event.modules?.[name] ?? localRequire(name),
    ContentType,
    Hl7Message,
    MedplumClient,
    TextDecoder,
    TextEncoder,
    TextDecoderStream,
    TextEncoderStream,
    ReadableStream,
    WritableStream,
    TransformStream,
    URL,
    URLSearchParams,
    Headers,
    Request,
    Response,
    event: {
      bot: { reference: 'Bot/vm-test' },
      baseUrl: event.baseUrl ?? 'http://127.0.0.1:9/',
      accessToken: 'vm-test-token',
      input: event.input,
      contentType: ContentType.JSON,
      secrets: event.secrets,
      traceId: 'vm-test',
    },
  };
  const wrapped = `
  const exports = {};
  const module = {exports};
  ${code}
  (async () => {
    const { bot, baseUrl, accessToken, requester, contentType, secrets, traceId, headers, defaultHeaders } = event;
    const medplum = new MedplumClient({ baseUrl, defaultHeaders, fetch: (url, options = {}) => fetch(url, options) });
    medplum.setAccessToken(accessToken);
    return await exports.handler(medplum, { bot, requester, input: event.input, contentType, secrets, traceId, headers });
  })();
  `;
  const output = await duringBotRun(
    () => vm.runInNewContext(wrapped, sandbox, { timeout: 10_000 }) as Promise<unknown>
  );
  recordAnswer(output);
  return output;
}

export interface FhirApi {
  /** The in-memory server behind the API, for setting up and checking. */
  medplum: MockClient;
  /** What the bot's MedplumClient gets as `baseUrl`. */
  baseUrl: string;
  close(): Promise<void>;
}

/** The local FHIR API on 127.0.0.1 over a fresh in-memory server; what the bot stores is leak-checked. */
export async function serveFhirApi(): Promise<FhirApi> {
  const medplum = createFhirServer();
  await trackStoredResources(medplum);
  const api = await startLocalApi({
    medplum,
    bot: () => Promise.reject(new Error('Bot/$execute is not what these tests call')),
    secrets: {},
  });
  return { medplum, baseUrl: `${api.origin}/`, close: () => api.close() };
}

type Handler = (medplum: MedplumClient, event: Record<string, unknown>) => Promise<unknown>;

/**
 * The same run outside the sandbox: the built file's handler loaded by Node, with a MedplumClient
 * over HTTP as vmcontext builds it; console lines during the run go to `logs`.
 */
export async function runInNode(builtFile: string, event: VmBotEvent, logs: string[] = []): Promise<unknown> {
  await watchBotInput(event.input, event.secrets.SHL_IMPORT_KEY?.valueString);
  const built = localRequire(resolve(builtFile)) as { handler: Handler };
  const medplum = new MedplumClient({ baseUrl: event.baseUrl ?? 'http://127.0.0.1:9/', fetch: globalThis.fetch });
  medplum.setAccessToken('node-test-token');
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  // Descriptors, not the functions: each is put back as it was.
  const saved = methods.map((method) => [method, Object.getOwnPropertyDescriptor(console, method)] as const);
  const write = { ...console };
  for (const method of methods) {
    console[method] = (...args: unknown[]): void => {
      logs.push(args.map(String).join(' '));
      write[method].apply(console, args);
    };
  }
  try {
    const output = await duringBotRun(() =>
      built.handler(medplum, {
        bot: { reference: 'Bot/node-test' },
        input: event.input,
        contentType: ContentType.JSON,
        secrets: event.secrets,
        traceId: 'node-test',
      })
    );
    recordAnswer(output);
    return output;
  } finally {
    for (const [method, descriptor] of saved) {
      if (descriptor) {
        Object.defineProperty(console, method, descriptor);
      }
    }
  }
}
