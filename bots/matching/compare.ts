/**
 * Comparing an incoming Patient with a candidate: the CMS Patient Matching proposal's approved
 * combinations (v3.2.2, rules 01-26) for `certain`, and an evidence score for `probable` and
 * `possible` (docs/matching.md). The comparisons survive the errors registration data has:
 * swapped name order, a missing first name, typos in short names, a mistyped birth date, street
 * words run together, identifiers. The guards: gender is never used; a generational-suffix
 * conflict (Jr vs Sr) is never a match; a different value in the same person-level identifier
 * system is never a match; twins (everything but the first name alike) stay apart.
 */
import type { MatchGrade } from '../contract';
import type { Demographics } from './demographics';
import { editDistance, phoneticKey, withinOneEdit } from './similarity';

/**
 * `exact`: equal after normalization. `fuzzy`: the CMS kind (one edit, both 5+ characters; for
 * first names also a nickname or a middle name), allowed in a rule's starred field. `close`:
 * evidence only, never in a rule (a short name one edit off, a phonetic spelling, the name order
 * swapped, a street with the same number a few letters off).
 */
export type Agreement = 'exact' | 'fuzzy' | 'close' | 'none' | 'absent';

type Field = 'first' | 'last' | 'dob' | 'street' | 'phone' | 'email' | 'ssn4' | 'itin4' | 'mbi' | 'legal' | 'personId';

/** How two different birth dates are close: one day, day and month swapped, one digit, two adjacent digits swapped. */
export type DobCloseness =
  | 'one day apart'
  | 'day and month swapped'
  | 'one digit off'
  | 'two digits swapped'
  | 'same year, 1 January for an unknown birthday';

export interface Comparison {
  fields: Record<Field, Agreement>;
  /** Set when the birth dates differ the way a registration error makes them differ. */
  dobClose?: DobCloseness;
  /** First and family names agree only crosswise. */
  nameSwap: boolean;
  /** The first name agrees only as the other side's middle name. */
  firstByMiddleName: boolean;
  /** Postal codes agree: `long` (5+ characters, as a US ZIP) or `short` (4 or fewer). */
  postcode?: 'long' | 'short';
  cityState: boolean;
  memberId: boolean;
  /** An identifier of no known type, bound to the same system, agrees. */
  otherId: boolean;
  /** Both carry a person-level identifier system (SSN, MBI, licence, MRN of one assigner…) with no value in common. */
  idConflict: boolean;
  /** Street, phone or email present on both sides, and none of them agrees. */
  contactConflict: boolean;
  suffixConflict: boolean;
  /** The first approved combination satisfied, e.g. `CMS-02`, with whether a field was fuzzy. */
  rule?: { id: string; fuzzy: boolean };
  /** Σ −log10(u) over agreeing fields, with the DOB, first-name and identifier penalties. */
  evidence: number;
}

export interface Grade {
  grade: MatchGrade;
  score: number;
  /** What produced the grade, for people: the rule, or the agreeing fields. */
  basis: string;
  /** Probable with the first name missing on one side: holds only while no other candidate qualifies the same way. */
  unknownFirst?: boolean;
}

/**
 * Approved combinations, one line per rule: its id, then its fields. Stricter than the
 * proposal on one point: the first name is never fuzzy here, because twins and siblings differ
 * by little more than it (a close or nickname first name still counts as evidence).
 * A field marked `*` may agree fuzzily (at most one such field per match).
 */
type RulePart = Field | `${Field}*`;

const RULES = (
  [
    ['01', 'first', 'last*', 'dob', 'street*'],
    ['02', 'first', 'last*', 'dob', 'phone'],
    ['03', 'first', 'last*', 'dob', 'email'],
    ['04', 'first', 'last', 'dob', 'ssn4'],
    ['05', 'first', 'last*', 'dob', 'ssn4'],
    ['06', 'first', 'last', 'dob', 'itin4'],
    ['07', 'first', 'last*', 'dob', 'itin4'],
    ['08', 'first', 'dob', 'mbi'],
    ['09', 'first', 'dob', 'legal'],
    ['10', 'last*', 'dob', 'legal'],
    ['11', 'first', 'dob', 'phone'],
    ['12', 'first', 'dob', 'email'],
    ['13', 'last', 'phone', 'ssn4'],
    ['14', 'last', 'phone', 'itin4'],
    ['15', 'last*', 'email', 'ssn4'],
    ['16', 'last*', 'email', 'itin4'],
    ['17', 'first', 'phone', 'ssn4'],
    ['18', 'first', 'phone', 'itin4'],
    ['19', 'first', 'email', 'ssn4'],
    ['20', 'first', 'email', 'itin4'],
    ['21', 'phone', 'mbi'],
    ['22', 'phone', 'legal'],
    ['23', 'email', 'mbi'],
    ['24', 'email', 'legal'],
    ['25', 'legal', 'mbi'],
    ['26', 'personId'],
  ] satisfies [string, ...RulePart[]][]
).map(([id, ...parts]) => ({
  id,
  parts: parts.map((part) => ({ field: part.replace('*', '') as Field, mayBeFuzzy: part.endsWith('*') })),
}));

/** Compares two sets of demographics. */
export function compare(a: Demographics, b: Demographics): Comparison {
  const fields: Record<Field, Agreement> = {
    first: compareFirst(a, b),
    last: compareNames(a.family, b.family),
    dob: a.birthDate && b.birthDate ? (a.birthDate === b.birthDate ? 'exact' : 'none') : 'absent',
    street: compareStreets(a.streets, b.streets),
    phone: exactAgreement(a.phones, b.phones),
    email: exactAgreement(a.emails, b.emails),
    ssn4: exactAgreement(a.ssn4, b.ssn4),
    itin4: exactAgreement(a.itin4, b.itin4),
    mbi: exactAgreement(a.mbi, b.mbi),
    legal: exactAgreement(a.legalIds, b.legalIds),
    personId: exactAgreement(a.personIds, b.personIds),
  };
  const nameSwap = !(isStrict(fields.first) && isStrict(fields.last)) && isNameSwap(a, b);
  if (nameSwap) {
    fields.first = 'close';
    fields.last = 'close';
  }
  const contacts = [fields.street, fields.phone, fields.email].filter((f) => f !== 'absent');
  const comparison: Comparison = {
    fields,
    nameSwap,
    firstByMiddleName:
      fields.first === 'close' && !isCloseFirst(a, b) && (goesByMiddleName(a, b) || goesByMiddleName(b, a)),
    cityState: intersects(a.cityStates, b.cityStates),
    memberId: intersects(a.memberIds, b.memberIds),
    otherId: intersects(a.otherIds, b.otherIds),
    idConflict: identifierConflict(a, b),
    contactConflict: contacts.length > 0 && contacts.every((f) => f === 'none'),
    suffixConflict: a.suffixes.size > 0 && b.suffixes.size > 0 && !intersects(a.suffixes, b.suffixes),
    evidence: 0,
  };
  const dobClose = fields.dob === 'none' ? dobCloseness(a.birthDate as string, b.birthDate as string) : undefined;
  // A father and son differ by little but the birth date: with a generational suffix on either
  // side, birth dates must agree exactly; a digit error more than ten years out does not count
  // when both have emails and they differ.
  const fatherAndSon =
    a.suffixes.size > 0 || b.suffixes.size > 0 || (dobClose?.generationApart === true && fields.email === 'none');
  if (dobClose && !fatherAndSon) {
    comparison.dobClose = dobClose.kind;
  }
  const postcode = [...a.postcodes].filter((code) => b.postcodes.has(code)).sort((x, y) => y.length - x.length)[0];
  if (postcode) {
    comparison.postcode = postcode.length >= 5 ? 'long' : 'short';
  }
  comparison.evidence = evidenceOf(comparison, a, b);
  const rule = firstRule(fields);
  if (rule) {
    comparison.rule = rule;
  }
  return comparison;
}

/**
 * The highest score of a `possible` candidate, below every `probable` one (evidence 8 or more
 * scores 0.67 or more): ranked by score, a possible never comes before a probable, nor pushes
 * one out of the few candidates shown.
 */
export const POSSIBLE_MAX_SCORE = 0.66;

/** The grade of one candidate, before uniqueness is known (a rule hit is `certain` here). */
export function gradeOf(c: Comparison): Grade | undefined {
  if (c.suffixConflict) {
    return undefined;
  }
  if (c.rule && !c.idConflict) {
    return { grade: 'certain', score: 1, basis: `CMS rule ${c.rule.id} (${c.rule.fuzzy ? 'fuzzy' : 'exact'})` };
  }
  const score = Math.round(Math.min(c.evidence / 12, 0.95) * 100) / 100;
  const basis = basisOf(c);
  const firstAgrees = agrees(c.fields.first);
  const personIdAgrees = (['ssn4', 'itin4', 'mbi', 'legal', 'personId'] as const).some((f) => c.fields[f] === 'exact');
  const idAgrees = personIdAgrees || c.memberId || c.otherId;
  const dobConflict = c.fields.dob === 'none' && !c.dobClose;
  // Without a birth date on either side, a father and son with one name and one household agree on
  // everything: then something personal (an email, an identifier) must agree too.
  const dobMissing = c.fields.dob === 'absent' && !(idAgrees || c.fields.email === 'exact');
  const blocked = dobConflict || dobMissing || c.idConflict || (c.contactConflict && !idAgrees);
  // Twins and spouses named after each other: a first name agreeing only as the other's middle
  // name, within one household, tells nothing.
  const householdTwin =
    c.firstByMiddleName && [c.fields.street, c.fields.phone, c.fields.email].some((f) => agrees(f)) && !personIdAgrees;
  if (c.evidence >= 8 && !blocked && !householdTwin) {
    if (firstAgrees) {
      return { grade: 'probable', score, basis };
    }
    // A missing first name is unknown, not different, when everything else agrees strongly;
    // but twins agree on everything else too, so without a person-level identifier the grade
    // holds only for a single such candidate (rankCandidates checks).
    if (c.fields.first === 'absent' && isStrict(c.fields.last) && c.fields.dob === 'exact' && c.evidence >= 10) {
      return personIdAgrees
        ? { grade: 'probable', score, basis: `${basis}; first name missing` }
        : { grade: 'probable', score, basis: `${basis}; first name missing`, unknownFirst: true };
    }
  }
  if (c.evidence >= 5 && (firstAgrees || agrees(c.fields.last))) {
    return { grade: 'possible', score: Math.min(score, POSSIBLE_MAX_SCORE), basis };
  }
  return undefined;
}

/** The fields that agree, for people. */
export function agreeingFields(c: Comparison): string[] {
  const names: Record<Field, string> = {
    first: 'first name',
    last: 'last name',
    dob: 'birth date',
    street: 'street',
    phone: 'phone',
    email: 'email',
    ssn4: 'SSN last 4',
    itin4: 'ITIN last 4',
    mbi: 'MBI',
    legal: 'legal ID',
    personId: 'identifier',
  };
  const out = (Object.keys(names) as Field[])
    .filter((f) => agrees(c.fields[f]) && !(c.nameSwap && (f === 'first' || f === 'last')))
    .map((f) => (c.fields[f] === 'exact' ? names[f] : `${names[f]} (close)`));
  if (c.nameSwap) {
    out.push('first and last name (swapped)');
  }
  if (c.dobClose) {
    out.push(`birth date (${c.dobClose})`);
  }
  if (c.postcode) {
    out.push('postal code');
  } else if (c.cityState) {
    out.push('city and state');
  }
  if (c.memberId) {
    out.push('member ID');
  }
  if (c.otherId) {
    out.push('other identifier');
  }
  return out;
}

function basisOf(c: Comparison): string {
  const conflicts = [
    c.fields.dob === 'none' && !c.dobClose && 'birth date',
    c.idConflict && 'identifier',
    c.contactConflict && 'every contact',
  ].filter(Boolean);
  const agreeing = agreeingFields(c).join(', ') || 'nothing';
  return `evidence ${c.evidence.toFixed(1)}: ${agreeing} agree${conflicts.length > 0 ? `; differ: ${conflicts.join(', ')}` : ''}`;
}

function firstRule(fields: Record<Field, Agreement>): { id: string; fuzzy: boolean } | undefined {
  for (const { id, parts } of RULES) {
    let fuzzyCount = 0;
    const satisfied = parts.every(({ field, mayBeFuzzy }) => {
      const agreement = fields[field];
      if (agreement === 'fuzzy' && mayBeFuzzy) {
        fuzzyCount++;
        return true;
      }
      return agreement === 'exact';
    });
    if (satisfied && fuzzyCount <= 1) {
      return { id: `CMS-${id}`, fuzzy: fuzzyCount === 1 };
    }
  }
  return undefined;
}

function evidenceOf(c: Comparison, a: Demographics, b: Demographics): number {
  const { fields } = c;
  const weight = (agreement: Agreement, exact: number, fuzzy: number, close: number): number =>
    agreement === 'exact' ? exact : agreement === 'fuzzy' ? fuzzy : agreement === 'close' ? close : 0;
  let e = 0;
  e += weight(fields.first, 1.7, 1.5, 1.3);
  e += weight(fields.last, 2.3, 2.0, 1.8);
  e +=
    fields.dob === 'exact'
      ? 4.0
      : c.dobClose === 'same year, 1 January for an unknown birthday'
        ? 1.8
        : c.dobClose
          ? 3.0
          : 0;
  e += weight(fields.street, 4.5, 4.2, 3.5);
  e += c.postcode === 'long' ? 3.5 : c.postcode === 'short' ? 2.5 : c.cityState ? 2.0 : 0;
  e += fields.phone === 'exact' ? 6 : 0;
  e += fields.email === 'exact' ? 6 : 0;
  e += fields.ssn4 === 'exact' ? 4 : 0;
  e += fields.itin4 === 'exact' ? 4 : 0;
  const identifier =
    fields.mbi === 'exact' || fields.legal === 'exact' || fields.personId === 'exact' || c.memberId || c.otherId;
  e += identifier ? 6 : 0;
  if (fields.dob === 'none' && !c.dobClose) {
    e -= 4;
  }
  if (fields.first === 'none' && !intersects(a.initials, b.initials)) {
    e -= 1.7;
  }
  if (c.idConflict) {
    e -= 6;
  }
  return Math.round(e * 10) / 10;
}

function agrees(agreement: Agreement): boolean {
  return agreement === 'exact' || agreement === 'fuzzy' || agreement === 'close';
}

function isStrict(agreement: Agreement): boolean {
  return agreement === 'exact' || agreement === 'fuzzy';
}

/**
 * First names, compared whole: the first given names equal (exact); within one edit or nickname
 * equivalents (fuzzy); a short name one edit off, a phonetic spelling, or one side's first name
 * among the other's middle names (close). Middle names agreeing with each other alone say
 * nothing: siblings share them.
 */
function compareFirst(a: Demographics, b: Demographics): Agreement {
  if (a.first.size === 0 || b.first.size === 0) {
    // An initial alone (`J.`) is no first name, but a different initial is a different one.
    return a.initials.size > 0 && b.initials.size > 0 && !intersects(a.initials, b.initials) ? 'none' : 'absent';
  }
  const firsts = compareNames(a.first, b.first);
  if (isStrict(firsts)) {
    return firsts;
  }
  if (intersects(a.firstCanonical, b.firstCanonical)) {
    return 'fuzzy';
  }
  return firsts === 'close' || goesByMiddleName(a, b) || goesByMiddleName(b, a) ? 'close' : firsts;
}

function isCloseFirst(a: Demographics, b: Demographics): boolean {
  return compareNames(a.first, b.first) === 'close';
}

/**
 * `a`'s first name is one of `b`'s middle names, as when someone goes by their middle name; not
 * when `a` has middle names of its own that `b` lacks (twins named after each other).
 */
function goesByMiddleName(a: Demographics, b: Demographics): boolean {
  return intersects(a.first, b.middle) && (a.middle.size === 0 || intersects(a.middle, b.given));
}

/** The first name agrees with the other side's family name and the family name with its first name. */
function isNameSwap(a: Demographics, b: Demographics): boolean {
  return isStrict(compareNames(a.first, b.family)) && isStrict(compareNames(a.family, b.first));
}

/** Any value equal (exact), any pair of 5+ characters within one edit (fuzzy), or close (see isCloseName). */
function compareNames(a: ReadonlySet<string>, b: ReadonlySet<string>): Agreement {
  if (a.size === 0 || b.size === 0) {
    return 'absent';
  }
  if (intersects(a, b)) {
    return 'exact';
  }
  let close = false;
  for (const x of a) {
    for (const y of b) {
      if (x.length >= 5 && y.length >= 5 && withinOneEdit(x, y)) {
        return 'fuzzy';
      }
      close ||= isCloseName(x, y);
    }
  }
  return close ? 'close' : 'none';
}

/**
 * Names (one of them 3+ letters) that a typist or a listener would confuse: the same first letter and one
 * edit apart (`sara`/`saraa`, `jon`/`jonn`), or the same sound spelled within two edits
 * (`stephen`/`steven`, `catherine`/`katherine`).
 */
function isCloseName(x: string, y: string): boolean {
  if (Math.min(x.length, y.length) < 2 || Math.max(x.length, y.length) < 3) {
    return false;
  }
  const distance = editDistance(x, y, 2);
  if (distance > 2) {
    return false;
  }
  if (distance <= 1 && x.charAt(0) === y.charAt(0)) {
    return true;
  }
  const key = phoneticKey(x);
  return key.length >= 3 && key === phoneticKey(y);
}

/**
 * Streets, each folded to one string: equal (exact), within one edit (fuzzy), or the same house
 * number with the rest within two edits or one a prefix of the other, as an apartment added (close).
 */
function compareStreets(a: ReadonlySet<string>, b: ReadonlySet<string>): Agreement {
  const agreement = compareStrings(a, b);
  if (agreement !== 'none') {
    return agreement;
  }
  for (const x of a) {
    for (const y of b) {
      const number = /^\d+/.exec(x)?.[0];
      if (number && y.startsWith(number) && !/\d/.test(y.charAt(number.length))) {
        const [rx, ry] = [x.slice(number.length), y.slice(number.length)];
        if (
          rx.length >= 4 &&
          ry.length >= 4 &&
          (rx.startsWith(ry) || ry.startsWith(rx) || editDistance(rx, ry, 2) <= 2)
        ) {
          return 'close';
        }
      }
    }
  }
  return 'none';
}

/** Any value equal (exact), or any pair of 5+ characters within one edit (fuzzy). */
function compareStrings(a: ReadonlySet<string>, b: ReadonlySet<string>): Agreement {
  if (a.size === 0 || b.size === 0) {
    return 'absent';
  }
  if (intersects(a, b)) {
    return 'exact';
  }
  for (const x of a) {
    for (const y of b) {
      if (x.length >= 5 && y.length >= 5 && withinOneEdit(x, y)) {
        return 'fuzzy';
      }
    }
  }
  return 'none';
}

function exactAgreement(a: ReadonlySet<string>, b: ReadonlySet<string>): Agreement {
  if (a.size === 0 || b.size === 0) {
    return 'absent';
  }
  return intersects(a, b) ? 'exact' : 'none';
}

/** A person-level identifier system on both sides with no value in common (SSN, ITIN, MBI, licences, MRNs…). */
function identifierConflict(a: Demographics, b: Demographics): boolean {
  const disjoint = (x: ReadonlySet<string>, y: ReadonlySet<string>): boolean =>
    x.size > 0 && y.size > 0 && !intersects(x, y);
  return (
    disjoint(a.ssn4, b.ssn4) ||
    disjoint(a.itin4, b.itin4) ||
    disjoint(a.mbi, b.mbi) ||
    systemConflict(a.legalIds, b.legalIds) ||
    systemConflict(a.personIds, b.personIds)
  );
}

/** `system|value` sets sharing a system but no value. */
function systemConflict(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size === 0 || b.size === 0) {
    return false;
  }
  const systemOf = (key: string): string => key.slice(0, key.indexOf('|'));
  const bSystems = new Set([...b].map(systemOf));
  for (const key of a) {
    const system = systemOf(key);
    if (bSystems.has(system) && !b.has(key) && ![...a].some((k) => systemOf(k) === system && b.has(k))) {
      return true;
    }
  }
  return false;
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const value of small) {
    if (large.has(value)) {
      return true;
    }
  }
  return false;
}

/**
 * Birth dates a registration error could have turned one into the other: one day apart, day
 * and month swapped, one digit off or two adjacent digits swapped; `generationApart` when the
 * years are more than ten apart.
 */
function dobCloseness(a: string, b: string): { kind: DobCloseness; generationApart: boolean } | undefined {
  const [ya, ma, da] = a.split('-');
  const [yb, mb, db] = b.split('-');
  if (
    Math.abs(Number(ya) - Number(yb)) <= 1 &&
    Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) === 86_400_000
  ) {
    return { kind: 'one day apart', generationApart: false };
  }
  if (ya === yb && ma === db && da === mb) {
    return { kind: 'day and month swapped', generationApart: false };
  }
  if (ya === yb && (a.endsWith('-01-01') || b.endsWith('-01-01'))) {
    return { kind: 'same year, 1 January for an unknown birthday', generationApart: false };
  }
  const generationApart = Math.abs(Number(ya) - Number(yb)) > 10;
  const [x, y] = [a.replace(/-/g, ''), b.replace(/-/g, '')];
  const differ: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (x.charAt(i) !== y.charAt(i)) {
      differ.push(i);
    }
  }
  if (differ.length === 1) {
    return { kind: 'one digit off', generationApart };
  }
  const [i, j] = differ as [number, number];
  return differ.length === 2 && j === i + 1 && x.charAt(i) === y.charAt(j) && x.charAt(j) === y.charAt(i)
    ? { kind: 'two digits swapped', generationApart }
    : undefined;
}
