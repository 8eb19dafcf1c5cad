/**
 * The bot's public contract in types: every operation's input and output, and the error shape
 * (`docs/bot-contract.md` says the same in words). The pages and every bot module take these
 * types from here. Change them only by adding optional fields: callers outside this repository
 * depend on them.
 */
import type { Patient, Resource } from '@medplum/fhirtypes';
import type { ShlErrorCode } from './shl/errors';
import type { FileReport, HealthCardResult, ShlSource } from './shl/resolve';

export type { FileReport, HealthCardResult, ShlSource };

// Errors: any operation may answer this instead of its output.

export interface ErrorBody {
  code: ShlErrorCode;
  /** For people: what happened and what to do; never a key, passcode, link or token. */
  message: string;
  /** `passcode-invalid`: attempts the sender says are left. */
  remainingAttempts?: number;
  /** `rate-limited`: seconds the sender (or Medplum) asks to wait. */
  retryAfter?: number;
  /** A failed `import`: what it created and could not remove again (`Type/id`); absent when nothing stands. */
  left?: string[];
  /** An `import` as a new patient refused: the existing patient whose chart already holds the content. */
  existingPatient?: string;
}

export interface ErrorOutput {
  error: ErrorBody;
}

// public-key

export interface PublicKeyOutput {
  jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; use: 'enc'; alg: 'ECDH-ES' };
}

// resolve (and check-in, which takes the same input)

/**
 * `resolve` and `check-in`: the link sealed by the caller, or (`resolve` only) a review Task
 * whose link the bot holds (a kiosk check-in, new content of a followed link).
 */
export type ResolveInput = (
  | {
      operation: 'resolve' | 'check-in';
      /** Compact JWE (ECDH-ES, A256GCM) to the public key; its plaintext is `SealedInput` as JSON. */
      sealed: string;
    }
  | { operation: 'resolve'; task: string }
) & { recipient?: string };

/** What callers seal: a link (and its passcode). */
export interface SealedLink {
  shl: string;
  passcode?: string;
}

/** What callers seal for a bare SMART Health Card: its QR codes' text (`shc:/…`), every part. */
export interface SealedHealthCard {
  shc: string[];
}

/** What `resolve` and `check-in` open: a link, or a health card's QR codes. */
export type SealedInput = SealedLink | SealedHealthCard;

export type MatchGrade = 'certain' | 'probable' | 'possible';

export interface PatientMatch {
  patient: Patient;
  score: number;
  grade: MatchGrade;
  /** Which rule or evidence produced the grade. */
  basis: string;
  /** What `Patient/$match` said of this candidate, when the server was asked. */
  server?: { grade?: string; score?: number };
}

export interface ResolveOutput {
  source: ShlSource;
  files: FileReport[];
  resources: Resource[];
  patient?: Patient;
  matches: PatientMatch[];
  healthCards: HealthCardResult[];
  warnings: string[];
  /** A handle to this result, kept by the bot for `import` (encrypted, 24 hours, deleted once imported). */
  staged?: string;
  /**
   * Shared resources of the link (practitioners, organizations, …) already on this server, by a
   * registry identifier (`system|value`): an import refers to those instead of creating copies.
   */
  onFile?: { resource: string; existing: string; identifier: string }[];
}

// import

/**
 * The patient an import files into: an existing one, or a new one with these demographics.
 * `confirmNew` creates the new patient even when most of the content is already in another
 * patient's chart (twins can share immunization records); without it that import is refused.
 */
export type PatientChoice = { reference: string } | { create: Patient; confirmNew?: boolean };

/** The link an import came from, as `resolve` described it. */
export type ImportSource = Pick<ShlSource, 'label' | 'origin' | 'linkId'> & Partial<Pick<ShlSource, 'flags'>>;

/** Keep following a long-lived link after the import: the link as resolve got it, or a review Task's. */
export type FollowRequest = ({ sealed: string } | { task: string }) & {
  /** Import new content at once (else queue it for review). */
  auto?: boolean;
};

/** `import`, the direct form: the caller sends the reviewed resources. */
export interface ImportRequest {
  operation: 'import';
  source: ImportSource;
  resources: Resource[];
  patient: PatientChoice;
  /** `Patient/<id>` of the incoming Patient within `resources`. */
  subject?: string;
  follow?: FollowRequest;
  /** A token (8 to 64 of `A-Za-z0-9_-`): progress is kept under `shl-import-progress-<progress>`. */
  progress?: string;
}

/** `import`, the staged form: what the pages send, small whatever the link's size. */
export interface StagedImportRequest {
  operation: 'import';
  /** The handle `resolve` returned. */
  staged: string;
  /** The `Type/id` of the resources to import, as `resolve` returned them. */
  select: string[];
  patient: PatientChoice;
  subject?: string;
  follow?: FollowRequest;
  /** As in the direct form. */
  progress?: string;
}

export interface SkippedResource {
  resourceType: string;
  id?: string;
  reason: string;
}

export interface ImportOutput {
  patient: { reference: string };
  created: string[];
  existing: string[];
  skipped: SkippedResource[];
  provenance?: string;
  warnings: string[];
  /** The followed link's Task, when the import started following. */
  following?: string;
}

// convert-ccda

/**
 * `convert-ccda`: with `staged`, `document` is the `Type/id` of a document in the staged result
 * (what the pages send); without, the document itself and the link's patient.
 */
export type ConvertCcdaInput =
  | { operation: 'convert-ccda'; staged: string; document: string }
  | {
      operation: 'convert-ccda';
      /** A DocumentReference or Binary holding a C-CDA document inline. */
      document: Resource;
      /** The link's patient, the subject of the results. */
      patient?: Patient;
    };

export interface ConvertedDocument {
  resources: Resource[];
  warnings: string[];
  /** With `staged`: the handle of the staged result with these resources added (the old one is gone). */
  staged?: string;
}

// check-in

export interface CheckInOutput {
  status: 'imported' | 'queued';
  /** The queued Task, for staff (`queued`). */
  task?: string;
  /** How many resources were filed (`imported`). */
  imported?: number;
}

// poll (also what a cron run does)

export interface PollInput {
  operation: 'poll';
  /** One followed link's Task to poll now ("Check now"). */
  task?: string;
}

export interface PollReport {
  polled: number;
  imported: number;
  queued: number;
  stopped: number;
  /** Due links left for the next run: the time budget ran out. */
  deferred: number;
  /** Followed-link Tasks not acted on: not written by the bot, or changed since (marked failed). */
  refused?: number;
}

export type BotOutput =
  PublicKeyOutput | ResolveOutput | ImportOutput | CheckInOutput | PollReport | ConvertedDocument | ErrorOutput;
