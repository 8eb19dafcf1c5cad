/**
 * Setup of every test file (vitest.config.ts `setupFiles`): the leak check (`leak-check.ts`) sees
 * every console line and every link the local sender makes, and fails the test after which a
 * watched secret shows up in an answer, a log line or a resource the bot wrote. A test that
 * replaces the console (and so would hide the bot's logs from the check) fails too.
 */
import { format } from 'node:util';
import { afterAll, afterEach } from 'vitest';
import type { CreatedLink, FileSpec, LinkOptions } from '../../local/shl-sender';
import { ShlSender } from '../../local/shl-sender';
import { recordLog, takeLeaks, watch, watchLink, watchTokens } from './leak-check';

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
const capturing = new Map<(typeof METHODS)[number], (...args: unknown[]) => void>();
for (const method of METHODS) {
  const original = console[method].bind(console);
  const capture = (...args: unknown[]): void => {
    recordLog(format(...args));
    original(...args);
  };
  console[method] = capture;
  capturing.set(method, capture);
}

/** The sender's own method, to call with a sender as `this`. */
function original(name: keyof ShlSender): unknown {
  return Object.getOwnPropertyDescriptor(ShlSender.prototype, name)?.value;
}
const createLink = original('createLink') as (this: ShlSender, options: LinkOptions) => Promise<CreatedLink>;
const setFiles = original('setFiles') as (this: ShlSender, id: string, files: FileSpec[]) => void;
const serveDirectFile = original('serveDirectFile') as (
  this: ShlSender,
  jwe: string,
  payload: Record<string, unknown>
) => CreatedLink;
ShlSender.prototype.createLink = async function (this: ShlSender, options: LinkOptions): Promise<CreatedLink> {
  const link = await createLink.call(this, options);
  watchLink(link.shl);
  watch('passcode', options.passcode);
  options.files.forEach((file) => watchTokens(file.content));
  return link;
};
ShlSender.prototype.setFiles = function (this: ShlSender, id: string, files: FileSpec[]): void {
  files.forEach((file) => watchTokens(file.content));
  setFiles.call(this, id, files);
};
ShlSender.prototype.serveDirectFile = function (
  this: ShlSender,
  jwe: string,
  payload: Record<string, unknown>
): CreatedLink {
  const link = serveDirectFile.call(this, jwe, payload);
  watchLink(link.shl);
  return link;
};

function check(): void {
  const replaced = METHODS.filter((method) => console[method] !== capturing.get(method));
  // Put back for the next test, then fail this one: its bot logs were not seen.
  for (const method of replaced) {
    console[method] = capturing.get(method) as (...args: unknown[]) => void;
  }
  const leaks = takeLeaks();
  if (replaced.length > 0) {
    throw new Error(
      `console.${replaced.join(', console.')} was replaced during the test: the leak check could not see the logs`
    );
  }
  if (leaks.length > 0) {
    throw new Error(`Leaked: ${leaks.map((l) => `a ${l.kind} (${l.hint}) in the ${l.where}`).join('; ')}`);
  }
}

afterEach(check);
afterAll(check);
