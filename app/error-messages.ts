/**
 * What each contract error means for the person at the screen, and what to do next: staff get
 * the title and the bot's explanation; a C-CDA conversion that fails gets words of its own (the
 * bot's name the runtime's parts); patients at a kiosk get plain words with no technical detail.
 */
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

const CONVERT_TEXTS: Partial<Record<ShlErrorCode, string>> = {
  'not-configured':
    'This server cannot turn C-CDA documents into separate entries. Import the document as it is: it stays readable in the chart.',
  'too-large': 'This document is too large to turn into separate entries. Import the document as it is.',
  'invalid-input':
    'This document could not be turned into separate entries (it is not a C-CDA document this importer can read). Import the document as it is.',
};

/** Why a C-CDA document was not converted, in staff words. */
export function convertErrorText(err: unknown): string {
  return (err instanceof BotError && CONVERT_TEXTS[err.error.code]) || errorText(err);
}

const PATIENT_TEXTS: Partial<Record<ShlErrorCode, string>> = {
  'invalid-link': 'This code could not be read as a health link or health card. Please show it at the front desk.',
  'unsupported-version': 'This code cannot be read here. Please show it at the front desk.',
  'passcode-invalid': 'That passcode did not work. Please check it and try again.',
  'not-found':
    'This link no longer works. Make a new one in the app that shared it, or show your phone at the front desk.',
  'rate-limited': 'The service that shared your information is busy. Please wait a minute and try again.',
  'fetch-failed': 'Your information could not be fetched right now. Please try again, or ask at the front desk.',
  'too-large': 'There is too much information to check in here. Please go to the front desk.',
  'decrypt-failed': 'Your information could not be opened. Please make a new link, or go to the front desk.',
};

/** What a patient at a kiosk is told about a failure: what happened and what to do, nothing technical. */
export function patientErrorText(err: unknown): string {
  return (
    (err instanceof BotError && PATIENT_TEXTS[err.error.code]) ||
    'Check-in is not working right now. Please go to the front desk.'
  );
}
