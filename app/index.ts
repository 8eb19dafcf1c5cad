/**
 * The import pages for embedding in Medplum's Provider app (or any app with a MedplumProvider):
 * the page, its steps as components, a route descriptor, and the import as a modal a patient's
 * page opens with that patient chosen.
 */
import { createElement } from 'react';
import type { ReactElement } from 'react';
import type { BotRef } from './bot-client';
import { ShlImportPage } from './ShlImportPage';

export { ShlImportPage } from './ShlImportPage';
export type { ShlImportPageProps } from './ShlImportPage';
export { ShlImportModal } from './ShlImportModal';
export type { ShlImportModalProps } from './ShlImportModal';
export { LinkInput, LinkSummary } from './components/LinkInput';
export { PasscodeStep } from './components/PasscodeStep';
export { PatientStep } from './components/PatientStep';
export { ReviewStep } from './components/ReviewStep';
export { DoneStep } from './components/DoneStep';
export { KioskPage } from './KioskPage';
export { ReviewQueuePage } from './ReviewQueuePage';
export {
  checkFollowedNow,
  checkInLink,
  convertCcda,
  importReviewed,
  resolveLink,
  resolveSealed,
  BotError,
} from './bot-client';
export type { BotRef } from './bot-client';

export interface ShlImportRoute {
  path: string;
  element: ReactElement;
  menu: { label: string; href: string };
}

/** `{ path, element, menu }` for a router and a navigation menu. */
export function shlImportRoute(bot: BotRef, path = '/shl-import'): ShlImportRoute {
  return {
    path,
    element: createElement(ShlImportPage, { bot }),
    menu: { label: 'Import health link', href: path },
  };
}
