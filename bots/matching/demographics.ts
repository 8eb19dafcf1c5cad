/**
 * A Patient's matching fields, normalized to the set of all their values (every name, current
 * and former, every address and telecom), following the CMS proposal's normalization and this
 * project's matching rules (docs/matching.md). Placeholders ("Unknown", "Baby Boy", 1900-01-01,
 * 555-5555 patterns, ZIP 99999, "HOMELESS") count as absent. Identifiers are sorted by what
 * they name: one person (SSN, MBI, licences, MRNs, …), a payer's member, something unknown but
 * bound to a system, or a family (subscriber and account numbers: left out).
 */
import type { Identifier, Patient } from '@medplum/fhirtypes';
import { canonicalNames } from './nicknames';

export interface Demographics {
  /** The first given name of each name, folded and whole. */
  first: Set<string>;
  /** Every given name (middle names too), folded, each whole. */
  given: Set<string>;
  /** The given names after the first of each name. */
  middle: Set<string>;
  /** Nickname-table canonical forms of the first given names. */
  firstCanonical: Set<string>;
  /** First letters of the given names. */
  initials: Set<string>;
  /** Folded family names plus their hyphen/space parts. */
  family: Set<string>;
  /** Full `YYYY-MM-DD` birth date. */
  birthDate?: string;
  /** 10 digits for North American numbers, else the last 9 digits. */
  phones: Set<string>;
  emails: Set<string>;
  /** Folded street lines with USPS abbreviations, words run together. */
  streets: Set<string>;
  /** Postal codes of any country, folded; a US ZIP+4 as its five digits. */
  postcodes: Set<string>;
  /** `city|state`, folded. */
  cityStates: Set<string>;
  ssn4: Set<string>;
  itin4: Set<string>;
  mbi: Set<string>;
  /** Driver's licence, passport and similar, as `system|value`. */
  legalIds: Set<string>;
  /** Payer-scoped individual member ids, `system|value`. */
  memberIds: Set<string>;
  /** Namespace-bound person identifiers (MRN, national ID, CSP UUID, …), `system|value`. */
  personIds: Set<string>;
  /** Other identifiers bound to a system, of no known type and no family-level system: evidence only. */
  otherIds: Set<string>;
  /** Generational suffixes: jr, sr, ii, iii, iv, v. */
  suffixes: Set<string>;
}

export const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn';
export const MBI_SYSTEMS = new Set([
  'https://bluebutton.cms.gov/resources/identifiers/mbi',
  'http://hl7.org/fhir/sid/us-mbi',
]);
export const CSP_UUID_SYSTEM = 'https://bluebutton.cms.gov/resources/identifiers/csp-uuid';

/** Identifier type codes (v2-0203) that name one person within their system. */
const PERSON_ID_TYPES = new Set(['MR', 'PI', 'PT', 'NI', 'NH', 'SB', 'JHN']);
const LEGAL_ID_TYPES = new Set(['DL', 'PPN', 'SID', 'CZ']);
const MEMBER_ID_TYPES = new Set(['MB', 'MA', 'MC']);
/** Identifiers a family or household shares: subscriber and account numbers, group and policy ids. */
const FAMILY_ID_TYPES = new Set(['SN', 'AN', 'AND', 'GN', 'GRP', 'POL', 'PLAC']);
const FAMILY_ID_SYSTEM = /subscriber|account|group|polic|famil|household|guarantor|coverage|payer|insur|plan/i;

const PLACEHOLDER_NAMES = new Set([
  'unknown',
  'unk',
  'baby',
  'babyboy',
  'babygirl',
  'boy',
  'girl',
  'infant',
  'newborn',
  'test',
  'testpatient',
  'patient',
  'anonymous',
  'noname',
  'none',
  'na',
  'nfn',
  'nln',
  'fnu',
  'lnu',
  'xxx',
  'xx',
  'x',
  'doe',
]);
const PLACEHOLDER_STREETS = /^(unknown|homeless|generaldelivery|none|na|noaddress|unk|nofixedaddress|street)$/;
/** A line naming only a unit within a building (`Unit 2`, `Apt 4B`, `# 12`): many neighbours share it. */
const UNIT_LINE = /^(apt|apartment|unit|ste|suite|fl|floor|bldg|building|rm|room|no|number|flat)?[a-z]?\d*[a-z]?$/;
const GENERATIONAL: Record<string, string> = {
  jr: 'jr',
  junior: 'jr',
  sr: 'sr',
  senior: 'sr',
  i: 'i',
  first: 'i',
  '1st': 'i',
  ii: 'ii',
  second: 'ii',
  '2nd': 'ii',
  iii: 'iii',
  third: 'iii',
  '3rd': 'iii',
  iv: 'iv',
  fourth: 'iv',
  '4th': 'iv',
  v: 'v',
  fifth: 'v',
  '5th': 'v',
};
const STREET_WORDS: Record<string, string> = {
  street: 'st',
  avenue: 'ave',
  av: 'ave',
  road: 'rd',
  drive: 'dr',
  boulevard: 'blvd',
  lane: 'ln',
  court: 'ct',
  place: 'pl',
  terrace: 'ter',
  circle: 'cir',
  highway: 'hwy',
  parkway: 'pkwy',
  square: 'sq',
  trail: 'trl',
  apartment: 'apt',
  suite: 'ste',
  building: 'bldg',
  floor: 'fl',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
  mount: 'mt',
  saint: 'st',
  fort: 'ft',
};

/** Case, accents and punctuation folded away: `O'Connor` -> `oconnor`, `Zoë` -> `zoe`. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * Phone digits: a North American number as its 10 digits (a leading 1 dropped), any other (a
 * `+` or `00` prefix with another country code, or another length) as its last 9 digits, so
 * `+31 78 123 4567` and `078 123 4567` agree; placeholder numbers are undefined.
 */
export function normalizePhone(value: string): string | undefined {
  let digits = value.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('1')) {
    digits = digits.slice(1);
  }
  if (
    digits.length < 7 ||
    /^(\d)\1+$/.test(digits) ||
    '01234567890'.includes(digits) ||
    '9876543210'.includes(digits)
  ) {
    return undefined;
  }
  const international = /^\s*(\+|00)/.test(value) && !/^\s*(\+|00)\s*1/.test(value);
  return !international && /^[2-9]\d{9}$/.test(digits) ? digits : digits.slice(-9);
}

/** A full birth date, or undefined for partial dates and placeholders. */
export function normalizeBirthDate(value: string | undefined, now = Date.now()): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value) || value === '1900-01-01') {
    return undefined;
  }
  const time = Date.parse(`${value}T00:00:00Z`);
  const year = new Date(now).getUTCFullYear();
  if (Number.isNaN(time) || Number(value.slice(0, 4)) < year - 120 || time > now + 2 * 86_400_000) {
    return undefined;
  }
  return value;
}

/** Street words long enough to be found at the end of a word they were run into (`lambriggstreet`). */
const GLUED_STREET_WORD = new RegExp(
  `^(.{3,}?)(${Object.keys(STREET_WORDS)
    .filter((w) => w.length >= 4 && !/^(north|south|east|west|mount|saint|fort)/.test(w))
    .join('|')})$`
);

/**
 * A street line folded to one string, with USPS abbreviations: `105 Lambrigg Street`,
 * `105 lambriggstreet` and `105lambrigg st.` all become `105lambriggst`; a leading direction run
 * into the name is split off (`northbroadway` -> `nbroadway`).
 */
export function normalizeStreet(line: string): string | undefined {
  const words = line
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/(\d)([a-z])/g, '$1 $2')
    .replace(/\b(north|south|east|west)(?=[a-z]{4})/g, '$1 ')
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((word) => {
      const glued = STREET_WORDS[word] ? undefined : GLUED_STREET_WORD.exec(word);
      return glued
        ? `${glued[1] as string}${STREET_WORDS[glued[2] as string] as string}`
        : (STREET_WORDS[word] ?? word);
    });
  const street = words.join('');
  return street && !PLACEHOLDER_STREETS.test(street) && !UNIT_LINE.test(street) ? street : undefined;
}

/** A postal code of any country folded (`SW1A 2AA` -> `sw1a2aa`), a US ZIP+4 cut to five digits; placeholders undefined. */
export function normalizePostcode(value: string): string | undefined {
  const code = fold(value);
  if (code.length < 3 || code.length > 10 || /^(.)\1+$/.test(code) || code === '99999') {
    return undefined;
  }
  return /^\d{9}$/.test(code) ? code.slice(0, 5) : code;
}

/** The most names, given names per name, telecoms, addresses, lines and identifiers read from one Patient. */
export const MAX_VALUES = 20;

/** The normalized matching fields of a Patient (at most MAX_VALUES of each list, so work stays bounded). */
export function demographicsOf(patient: Patient, now = Date.now()): Demographics {
  const d: Demographics = {
    first: new Set(),
    given: new Set(),
    middle: new Set(),
    firstCanonical: new Set(),
    initials: new Set(),
    family: new Set(),
    phones: new Set(),
    emails: new Set(),
    streets: new Set(),
    postcodes: new Set(),
    cityStates: new Set(),
    ssn4: new Set(),
    itin4: new Set(),
    mbi: new Set(),
    legalIds: new Set(),
    memberIds: new Set(),
    personIds: new Set(),
    otherIds: new Set(),
    suffixes: new Set(),
  };
  for (const name of (patient.name ?? []).slice(0, MAX_VALUES)) {
    (name.given ?? []).slice(0, MAX_VALUES).forEach((given, index) => {
      const folded = fold(given);
      if (!folded || PLACEHOLDER_NAMES.has(folded)) {
        return;
      }
      if (index === 0) {
        d.initials.add(folded.charAt(0));
      }
      if (folded.length > 1) {
        d.given.add(folded);
        if (index > 0) {
          d.middle.add(folded);
        }
        if (index === 0) {
          d.first.add(folded);
          canonicalNames(folded).forEach((c) => d.firstCanonical.add(c));
        }
      }
    });
    if (name.family) {
      const folded = fold(name.family);
      if (folded && !PLACEHOLDER_NAMES.has(folded)) {
        d.family.add(folded);
        for (const part of name.family.split(/[\s-]+/)) {
          const p = fold(part);
          if (p.length > 1 && !PLACEHOLDER_NAMES.has(p)) {
            d.family.add(p);
          }
        }
      }
    }
    for (const suffix of (name.suffix ?? []).slice(0, MAX_VALUES)) {
      const generational = GENERATIONAL[fold(suffix)];
      if (generational) {
        d.suffixes.add(generational);
      }
    }
  }
  const birthDate = normalizeBirthDate(patient.birthDate, now);
  if (birthDate) {
    d.birthDate = birthDate;
  }
  for (const telecom of (patient.telecom ?? []).slice(0, MAX_VALUES)) {
    const value = telecom.value?.trim();
    if (!value) {
      continue;
    }
    if (telecom.system === 'email') {
      const email = value.toLowerCase().replace(/^mailto:/, '');
      if (email.includes('@') && !/^(none|noemail|unknown|test)@/.test(email)) {
        d.emails.add(email);
      }
    } else if (telecom.system === 'phone' || telecom.system === 'sms' || telecom.system === undefined) {
      const phone = normalizePhone(value);
      if (phone) {
        d.phones.add(phone);
      }
    }
  }
  for (const address of (patient.address ?? []).slice(0, MAX_VALUES)) {
    for (const line of (address.line ?? []).slice(0, MAX_VALUES)) {
      const street = normalizeStreet(line);
      if (street) {
        d.streets.add(street);
      }
    }
    const postcode = address.postalCode && normalizePostcode(address.postalCode);
    if (postcode) {
      d.postcodes.add(postcode);
    }
    if (address.city && address.state) {
      d.cityStates.add(`${fold(address.city)}|${fold(address.state)}`);
    }
  }
  for (const identifier of (patient.identifier ?? []).slice(0, MAX_VALUES)) {
    addIdentifier(d, identifier);
  }
  return d;
}

function addIdentifier(d: Demographics, identifier: Identifier): void {
  const system = identifier.system?.trim();
  const value = identifier.value?.trim();
  if (!value) {
    return;
  }
  const digits = value.replace(/\D/g, '');
  const type = identifier.type?.coding?.find((c) => c.code)?.code?.toUpperCase();
  if (system === SSN_SYSTEM || type === 'SS') {
    if (digits.length >= 4 && !/^(\d)\1+$/.test(digits)) {
      d.ssn4.add(digits.slice(-4));
    }
  } else if (system?.endsWith('/us-itin') || type === 'ITIN') {
    if (digits.length >= 4) {
      d.itin4.add(digits.slice(-4));
    }
  } else if (system && MBI_SYSTEMS.has(system)) {
    d.mbi.add(value.toUpperCase().replace(/[^A-Z0-9]/g, ''));
  } else if (!system || (type !== undefined && FAMILY_ID_TYPES.has(type))) {
    // Systemless values are bound to no namespace, and family-level ids name no one person.
  } else if (system === CSP_UUID_SYSTEM || (type !== undefined && PERSON_ID_TYPES.has(type))) {
    d.personIds.add(`${system}|${value}`);
  } else if (type !== undefined && LEGAL_ID_TYPES.has(type)) {
    d.legalIds.add(`${system}|${value.toUpperCase()}`);
  } else if (type !== undefined && MEMBER_ID_TYPES.has(type)) {
    d.memberIds.add(`${system}|${value}`);
  } else if (!FAMILY_ID_SYSTEM.test(system)) {
    d.otherIds.add(`${system}|${value}`);
  }
}
