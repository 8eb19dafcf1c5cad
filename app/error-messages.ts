/** What each contract error means for the person at the desk, and what to do next. */
import type { ShlErrorCode } from '../bots/shl/errors';

export const ERROR_TITLES: Partial<Record<string, string>> & Record<ShlErrorCode, string> = {
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
  return ERROR_TITLES[code] ?? 'Something went wrong';
}
