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
  /** `rate-limited`: seconds the sender asks to wait. */
  retryAfter?: number;
}

export interface ErrorOutput {
  error: ErrorBody;
}

// public-key

export interface PublicKeyOutput {
  jwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string; kid: string; use: 'enc'; alg: 'ECDH-ES' };
}

// resolve (and check-in, which takes the same input)

export interface ResolveInput {
  operation: 'resolve' | 'check-in';
  /** Compact JWE (ECDH-ES, A256GCM) to the public key; its plaintext is `SealedLink` as JSON. */
  sealed: string;
  recipient?: string;
}

/** What callers seal. */
export interface SealedLink {
  shl: string;
  passcode?: string;
}

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
}

// import

/** The patient an import files into: an existing one, or a new one with these demographics. */
export type PatientChoice = { reference: string } | { create: Patient };

/** The link an import came from, as `resolve` described it. */
export type ImportSource = Pick<ShlSource, 'label' | 'origin' | 'linkId'> & Partial<Pick<ShlSource, 'flags'>>;

/** Keep following a long-lived link after the import. */
export interface FollowRequest {
  /** The link sealed as `resolve` received it. */
  sealed: string;
  /** Import new content at once (else queue it for review). */
  auto?: boolean;
}

/** `import`, the direct form: the caller sends the reviewed resources. */
export interface ImportRequest {
  operation: 'import';
  source: ImportSource;
  resources: Resource[];
  patient: PatientChoice;
  /** `Patient/<id>` of the incoming Patient within `resources`. */
  subject?: string;
  follow?: FollowRequest;
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

export interface ConvertCcdaInput {
  operation: 'convert-ccda';
  /** A DocumentReference or Binary holding a C-CDA document inline. */
  document: Resource;
  /** The link's patient, the subject of the results. */
  patient?: Patient;
}

export interface ConvertedDocument {
  resources: Resource[];
  warnings: string[];
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
}

export type BotOutput =
  PublicKeyOutput | ResolveOutput | ImportOutput | CheckInOutput | PollReport | ConvertedDocument | ErrorOutput;
