/**
 * Runs a built bot the way Medplum's `vmcontext` runtime does
 * (`packages/server/src/bots/vmcontext.ts`): the code as a script in a new context with only the
 * sandbox's globals, wrapped so `exports.handler` is called with a MedplumClient built inside.
 * A handler that throws is logged and answered as the server does: its log lines as Medplum's
 * wrapper writes them, and the body `$execute` sends (the thrown value as an OperationOutcome).
 */
import { ContentType, Hl7Message, MedplumClient, normalizeErrorString, normalizeOperationOutcome } from '@medplum/core';
import type { ProjectSetting } from '@medplum/fhirtypes';
import { createRequire } from 'node:module';
import vm from 'node:vm';

export interface VmBotEvent {
  input: unknown;
  secrets: Record<string, ProjectSetting>;
  baseUrl?: string;
  /** Modules the runtime provides besides Node's and this package's (e.g. `@medplum/ccda`). */
  modules?: Record<string, unknown>;
}

const localRequire = createRequire(import.meta.url);

/** Executes `code` once per call, exactly as vmcontext does, and returns what `$execute` would answer. */
export async function runInVmContext(code: string, event: VmBotEvent, logs: string[] = []): Promise<unknown> {
  const capture = (...args: unknown[]): void => {
    logs.push(args.map(String).join(' '));
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
    try {
      return await exports.handler(medplum, { bot, requester, input: event.input, contentType, secrets, traceId, headers });
    } catch (err) {
      if (err instanceof Error) {
        console.log("Unhandled error: " + err.message + "\\n" + err.stack);
      } else if (typeof err === "object") {
        console.log("Unhandled error: " + JSON.stringify(err, undefined, 2));
      } else {
        console.log("Unhandled error: " + err);
      }
      throw err;
    }
  })();
  `;
  try {
    return (await vm.runInNewContext(wrapped, sandbox, { timeout: 10_000 })) as unknown;
  } catch (err) {
    capture('Error', normalizeErrorString(err));
    return JSON.parse(JSON.stringify(normalizeOperationOutcome(err))) as unknown;
  }
}
