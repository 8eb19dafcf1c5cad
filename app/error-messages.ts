/** What each contract error means for the person at the desk, and what to do next. */
import type { ShlErrorCode } from '../bots/shl/errors';
import { BotError } from './bot-client';

export const ERROR_TITLES: Record<ShlErrorCode, string> = {
  'invalid-link': 'This is not a usable SMART Health Link',
  'unsupported-version': 'This link is too new for this importer',
  'passcode-required': 'This link needs a passcode',
  'passcode-invalid': 'The passcode was not accepted',
  'not-found': 'The link is no longer available',
  'rate-limited': 'The sender asks us to wait',
  'fetch-failed': 'Could not reach the sender',
  'too-large': 'The shared data is too large',
  'decrypt-failed': 'The shared data could not be opened',
  'sealing-required': 'The importer needs to be reloaded',
  'not-configured': 'The importer is not set up',
  'invalid-input': 'Something in the request was not accepted',
};

export function errorTitle(code: string): string {
  return (ERROR_TITLES as Partial<Record<string, string>>)[code] ?? 'Something went wrong';
}

/** One line for any failure of a bot call: the title, then what to do. */
export function errorText(err: unknown): string {
  return err instanceof BotError
    ? `${errorTitle(err.error.code)}. ${err.error.message}`
    : 'Something went wrong. Try again; if it keeps failing, tell your administrator.';
}
