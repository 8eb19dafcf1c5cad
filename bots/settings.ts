/**
 * The bot's settings, read from Medplum project secrets (`event.secrets`). Only
 * `SHL_IMPORT_KEY` is required; everything else has a safe default.
 */
import type { ProjectSetting } from '@medplum/fhirtypes';
import { allowedTypes } from './import/patient-data-types';
import type { IssuerDirectory } from './shl/health-card';
import { parseTrustedIssuers } from './shl/health-card';
import { parseAllowHosts } from './shl/http';
import type { Limits } from './shl/platform';

export interface BotSettings {
  /** JSON text of the private P-256 JWK that opens sealed input. */
  importKey?: string;
  allowHosts: Set<string>;
  recipient?: string;
  trustedIssuers: IssuerDirectory;
  limits: Partial<Limits>;
  /** Resource types `import` may create. */
  importTypes: ReadonlySet<string>;
  /** Largest inline attachment `import` turns into a Binary. */
  maxAttachmentBytes: number;
  /** Kiosk check-ins may import without staff (a single certain match only). */
  kioskUnattended: boolean;
  /** A poll starts no new link after this long; the rest wait for the next run. */
  pollBudgetMs: number;
  /** The largest request body the bot sends the server (under its `maxJsonSize`). */
  maxRequestBytes: number;
  /** The longest one import waits, in all, for the server's rate limit. */
  maxRateWaitMs: number;
}

const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Inside the 10 s a Medplum bot runs by default. */
const DEFAULT_POLL_BUDGET_MS = 8000;
/** Under Medplum's default `maxJsonSize` (1 MB), with room for the request's own framing. */
const DEFAULT_MAX_REQUEST_BYTES = 900_000;
/** Medplum's rate limit is per minute: 2,000 resources need about four minutes of it by default. */
const DEFAULT_MAX_RATE_WAIT_MS = 10 * 60 * 1000;

/** Secret names of the configurable limits. */
export const LIMIT_SECRETS: Readonly<Record<string, keyof Limits>> = {
  SHL_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  SHL_RESOLVE_TIMEOUT_MS: 'resolveTimeoutMs',
  SHL_MAX_RESPONSE_BYTES: 'maxResponseBytes',
  SHL_MAX_FILE_BYTES: 'maxFileBytes',
  SHL_MAX_TOTAL_BYTES: 'maxTotalBytes',
  SHL_MAX_RESOURCES: 'maxResources',
  SHL_MAX_FILES: 'maxFiles',
  SHL_API_MAX_PAGES: 'apiMaxPages',
};

export function readSettings(secrets: Record<string, ProjectSetting> | undefined): BotSettings {
  const text = (name: string): string | undefined => {
    const setting = secrets?.[name];
    const value = setting?.valueString ?? setting?.valueInteger?.toString();
    return value?.trim() ? value.trim() : undefined;
  };
  const limits: Partial<Limits> = {};
  for (const [name, field] of Object.entries(LIMIT_SECRETS)) {
    const value = positive(text(name));
    if (value !== undefined) {
      limits[field] = value;
    }
  }
  return {
    importKey: text('SHL_IMPORT_KEY'),
    allowHosts: parseAllowHosts(text('SHL_ALLOW_HOSTS')),
    recipient: text('SHL_RECIPIENT'),
    trustedIssuers: parseTrustedIssuers(text('SHL_TRUSTED_ISSUERS')),
    limits,
    importTypes: allowedTypes(text('SHL_IMPORT_TYPES')),
    maxAttachmentBytes: positive(text('SHL_MAX_ATTACHMENT_BYTES')) ?? DEFAULT_MAX_ATTACHMENT_BYTES,
    kioskUnattended:
      text('SHL_KIOSK_UNATTENDED')?.toLowerCase() === 'true' || secrets?.SHL_KIOSK_UNATTENDED?.valueBoolean === true,
    pollBudgetMs: positive(text('SHL_POLL_BUDGET_MS')) ?? DEFAULT_POLL_BUDGET_MS,
    maxRequestBytes: positive(text('SHL_MAX_REQUEST_BYTES')) ?? DEFAULT_MAX_REQUEST_BYTES,
    maxRateWaitMs: positive(text('SHL_MAX_RATE_WAIT_MS')) ?? DEFAULT_MAX_RATE_WAIT_MS,
  };
}

function positive(text: string | undefined): number | undefined {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
