/**
 * Finding existing Patients for the incoming one: the bot's own candidate searches always, and
 * `Patient/$match` too when the server has it (with a cleaned query Patient); the server returns
 * only its top candidates, so its answers are extra candidates and verdicts, never the only ones.
 * Every candidate is graded by our comparator, so grades mean the same with or without the server
 * operation. A `certain` grade needs an approved combination held by exactly one candidate.
 * Searches are budgeted: a few names, identifiers, phones and emails, a few at a time.
 */
import type { MedplumClient } from '@medplum/core';
import type { Bundle, ContactPoint, Identifier, Patient } from '@medplum/fhirtypes';
import type { PatientMatch } from '../contract';
import type { Agreement, Comparison, Grade } from './compare';
import { compare, gradeOf, POSSIBLE_MAX_SCORE } from './compare';
import type { Demographics } from './demographics';
import { demographicsOf, fold, MBI_SYSTEMS, normalizeBirthDate, normalizePhone, SSN_SYSTEM } from './demographics';

type ServerVerdict = NonNullable<PatientMatch['server']>;

export interface MatchResult {
  matches: PatientMatch[];
  /** `match-operation` when the server's `Patient/$match` answered (on top of our searches), else `searches`. */
  via: 'match-operation' | 'searches';
}

const MAX_MATCHES = 5;
const SEARCH_CAP = 100;
const MATCH_GRADE_URL = 'http://hl7.org/fhir/StructureDefinition/match-grade';

/** How much of the incoming Patient the candidate searches (and the `$match` query) use, and how many run at once. */
export const SEARCH_LIMITS = { names: 3, identifiers: 5, phones: 3, emails: 3, concurrency: 4 } as const;

/**
 * The most candidate searches one incoming Patient can start: identifiers, phones and emails one
 * search each, the birth date as given and day/month-swapped, and per name family + given,
 * accent-folded family, family + birth date, and the names swapped.
 */
export const MAX_CANDIDATE_SEARCHES = 3 + 2 + 4 * SEARCH_LIMITS.names;

/** The best existing Patients for `incoming`, best first (at most 5). */
export async function findMatches(medplum: MedplumClient, incoming: Patient): Promise<MatchResult> {
  const [fromServer, searched] = await Promise.all([
    matchOperation(medplum, cleanForMatch(incoming)),
    searchCandidates(medplum, incoming),
  ]);
  if (!fromServer) {
    return { matches: rankCandidates(incoming, searched), via: 'searches' };
  }
  const verdicts = new Map(fromServer.map((c) => [c.patient.id, c.verdict]));
  const matches = rankCandidates(incoming, [...fromServer.map((c) => c.patient), ...searched]).map((match) => {
    const verdict = verdicts.get(match.patient.id);
    return verdict ? { ...match, server: verdict } : match;
  });
  return { matches, via: 'match-operation' };
}

/** Grades candidates against the incoming Patient; pure. */
export function rankCandidates(incoming: Patient, candidates: Patient[], now = Date.now()): PatientMatch[] {
  const query = demographicsOf(incoming, now);
  const seen = new Set<string>();
  const graded: (PatientMatch & Pick<Grade, 'unknownFirst'> & { comparison: Comparison })[] = [];
  for (const patient of candidates) {
    if (!patient.id || seen.has(patient.id)) {
      continue;
    }
    seen.add(patient.id);
    const comparison = compare(query, demographicsOf(patient, now));
    const grade = gradeOf(comparison);
    if (grade) {
      graded.push({ patient, ...grade, comparison });
    }
  }
  const certain = graded.filter((m) => m.grade === 'certain');
  if (certain.length > 1) {
    for (const match of certain) {
      match.grade = 'probable';
      match.score = 0.95;
      match.basis = `${match.basis}, but ${certain.length} patients qualify: choose one`;
    }
  }
  // Twins with similar names (Ann, Ana): a candidate whose first name is only close loses to one
  // with the same birth date and last name whose first name agrees outright.
  const outright = graded.filter(
    ({ comparison: { fields } }) => fields.dob === 'exact' && isStrict(fields.first) && isStrict(fields.last)
  );
  for (const match of graded) {
    const { fields } = match.comparison;
    if (match.grade === 'probable' && fields.first === 'close' && fields.dob === 'exact' && outright.length > 0) {
      match.grade = 'possible';
      match.score = Math.min(match.score, POSSIBLE_MAX_SCORE);
      match.basis = `${match.basis}, but another patient born the same day has this first name`;
    }
  }
  // Without a first name, twins agree on everything that is left: such a candidate stays probable
  // only when no other candidate is certain, probable or in the same position.
  const unknownFirst = graded.filter((m) => m.unknownFirst);
  const others = graded.filter((m) => !m.unknownFirst && m.grade !== 'possible');
  if (unknownFirst.length > 1 || others.length > 0) {
    for (const match of unknownFirst) {
      match.grade = 'possible';
      match.score = Math.min(match.score, POSSIBLE_MAX_SCORE);
      match.basis = `${match.basis}, and ${unknownFirst.length + others.length} patients agree on everything else: choose one`;
    }
  }
  return graded
    .sort((x, y) => y.score - x.score || y.comparison.evidence - x.comparison.evidence)
    .slice(0, MAX_MATCHES)
    .map(({ patient, score, grade, basis }) => ({ patient, score, grade, basis }));
}

/**
 * The query Patient for `$match`: names, a full birth date, each phone as given and as digits,
 * emails lower-cased, addresses, and only person-level identifiers (no subscriber, group,
 * systemless or unknown-type ids, SSN as its last 4 only).
 */
export function cleanForMatch(patient: Patient): Patient {
  const d = demographicsOf(patient);
  const telecom: ContactPoint[] = [];
  for (const t of (patient.telecom ?? [])
    .filter((t) => t.system === 'phone' || t.system === 'sms')
    .slice(0, SEARCH_LIMITS.phones)) {
    if (t.value) {
      const digits = normalizePhone(t.value);
      telecom.push({ system: 'phone', value: t.value });
      if (digits && digits !== t.value) {
        telecom.push({ system: 'phone', value: digits });
      }
    }
  }
  for (const t of (patient.telecom ?? []).filter((t) => t.system === 'email').slice(0, SEARCH_LIMITS.emails)) {
    if (t.value) {
      telecom.push({ system: 'email', value: t.value.trim().toLowerCase() });
    }
  }
  const identifier: Identifier[] = [
    ...[...d.ssn4].map((value) => ({ system: SSN_SYSTEM, value })),
    ...[...d.mbi].map((value) => ({ system: [...MBI_SYSTEMS][0], value })),
    ...[...d.personIds, ...d.legalIds, ...d.memberIds].map(splitSystemValue),
  ].slice(0, SEARCH_LIMITS.identifiers);
  const birthDate = normalizeBirthDate(patient.birthDate);
  return {
    resourceType: 'Patient',
    ...(patient.name && {
      name: patient.name
        .slice(0, SEARCH_LIMITS.names)
        .map(({ use, family, given, suffix }) => ({ use, family, given, suffix })),
    }),
    ...(birthDate && { birthDate }),
    ...(telecom.length > 0 && { telecom }),
    ...(patient.address && { address: patient.address.slice(0, SEARCH_LIMITS.names) }),
    ...(identifier.length > 0 && { identifier }),
  };
}

function isStrict(agreement: Agreement): boolean {
  return agreement === 'exact' || agreement === 'fuzzy';
}

function splitSystemValue(key: string): Identifier {
  const bar = key.indexOf('|');
  return { system: key.slice(0, bar), value: key.slice(bar + 1) };
}

/** Candidates from `Patient/$match` with the server's verdicts; undefined when the server does not offer it. */
async function matchOperation(
  medplum: MedplumClient,
  query: Patient
): Promise<{ patient: Patient; verdict: ServerVerdict }[] | undefined> {
  if (!query.name && !query.birthDate && !query.telecom && !query.identifier) {
    return [];
  }
  try {
    const bundle = await medplum.post<Bundle<Patient>>(medplum.fhirUrl('Patient', '$match'), {
      resource: query,
      onlyCertainMatches: false,
      count: MAX_MATCHES,
    });
    return (bundle.entry ?? []).flatMap((entry) =>
      entry.resource?.resourceType === 'Patient'
        ? [
            {
              patient: entry.resource,
              verdict: {
                grade: entry.search?.extension?.find((e) => e.url === MATCH_GRADE_URL)?.valueCode,
                score: entry.search?.score,
              },
            },
          ]
        : []
    );
  } catch {
    // Not offered (older servers, the in-memory router) or not allowed for this user (a server
    // checks its OperationDefinitions as the caller): our own searches stand alone.
    return undefined;
  }
}

/**
 * Candidates from searches wide enough to reach realistic variants (each within SEARCH_LIMITS):
 * the identifiers, the phones in their usual stored forms, the emails as given and lower-cased,
 * the birth date alone (capped) and day/month-swapped, and per name family + given, the
 * accent-folded family, family + birth date, and the names swapped. At most
 * SEARCH_LIMITS.concurrency run at once.
 */
async function searchCandidates(medplum: MedplumClient, incoming: Patient): Promise<Patient[]> {
  const d: Demographics = demographicsOf(incoming);
  const searches: Record<string, string>[] = [];
  const identifiers = [
    ...[...d.personIds, ...d.legalIds, ...d.memberIds, ...d.otherIds].slice(0, SEARCH_LIMITS.identifiers),
  ];
  for (const mbi of [...d.mbi].slice(0, 1)) {
    identifiers.push(...[...MBI_SYSTEMS].map((system) => `${system}|${mbi}`));
  }
  if (identifiers.length > 0) {
    searches.push({ identifier: identifiers.join(',') });
  }
  const phones = new Set<string>();
  const numbers = new Set<string>();
  for (const t of incoming.telecom ?? []) {
    const phone = (t.system === 'phone' || t.system === 'sms') && t.value ? normalizePhone(t.value) : undefined;
    if (!t.value || !phone || (!numbers.has(phone) && numbers.size >= SEARCH_LIMITS.phones)) {
      continue;
    }
    numbers.add(phone);
    phones.add(t.value).add(phone);
    if (phone.length === 10) {
      const [a, b, c] = [phone.slice(0, 3), phone.slice(3, 6), phone.slice(6)];
      phones
        .add(`+1${phone}`)
        .add(`(${a}) ${b}-${c}`)
        .add(`${a}-${b}-${c}`)
        .add(`+1-${a}-${b}-${c}`)
        .add(`${a}.${b}.${c}`);
    }
  }
  if (phones.size > 0) {
    searches.push({ phone: [...phones].map(escapeSearchValue).join(',') });
  }
  const emails = new Set<string>();
  for (const t of (incoming.telecom ?? []).filter((t) => t.system === 'email' && t.value?.trim())) {
    if (emails.size < 2 * SEARCH_LIMITS.emails) {
      const email = (t.value as string).trim();
      emails.add(email).add(email.toLowerCase());
    }
  }
  if (emails.size > 0) {
    searches.push({ email: [...emails].map(escapeSearchValue).join(',') });
  }
  if (d.birthDate) {
    searches.push({ birthdate: d.birthDate });
    const [year, month, day] = d.birthDate.split('-') as [string, string, string];
    if (month !== day && Number(day) <= 12) {
      searches.push({ birthdate: `${year}-${day}-${month}` });
    }
  }
  const names = (incoming.name ?? []).filter((name) => name.family).slice(0, SEARCH_LIMITS.names);
  for (const name of names) {
    const family = name.family as string;
    const given = name.given?.[0];
    if (given) {
      searches.push({ family, given }, { family: given, given: family });
    }
    if (fold(family) !== family.toLowerCase()) {
      searches.push({ family: fold(family) });
    }
    if (d.birthDate) {
      searches.push({ family, birthdate: d.birthDate });
    }
  }
  const unique = [...new Map(searches.map((params) => [JSON.stringify(params), params])).values()];
  const results = await inBatches(unique.slice(0, MAX_CANDIDATE_SEARCHES), SEARCH_LIMITS.concurrency, (params) =>
    medplum.searchResources('Patient', { ...params, _count: String(SEARCH_CAP) })
  );
  return results.flat();
}

/** `run` over `items`, at most `concurrency` at a time, results in order. */
async function inBatches<T, R>(items: T[], concurrency: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

function escapeSearchValue(value: string): string {
  return value.replace(/([\\,$|])/g, '\\$1');
}
