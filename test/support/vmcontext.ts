/**
 * Runs a built bot the way Medplum's `vmcontext` runtime does
 * (`packages/server/src/bots/vmcontext.ts`): the code as a script in a new context with only the
 * sandbox's globals, wrapped so `exports.handler` is called with a MedplumClient built inside.
 */
import { ContentType, Hl7Message, MedplumClient } from '@medplum/core';
import type { ProjectSetting } from '@medplum/fhirtypes';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { duringBotRun, recordAnswer, recordLog, watchBotInput } from './leak-check';

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
