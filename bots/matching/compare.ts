/**
 * Comparing an incoming Patient with a candidate: the CMS Patient Matching proposal's approved
 * combinations (v3.2.2, rules 01-26) for `certain`, and an evidence score for `probable` and
 * `possible` (`../shared/docs/patient-matching.md` §4). Gender is never used. A
 * generational-suffix conflict (Jr vs Sr) is never a match.
 */
import type { Demographics } from './demographics';

export type Agreement = 'exact' | 'fuzzy' | 'none' | 'absent';

export type MatchGrade = 'certain' | 'probable' | 'possible';

type Field = 'first' | 'last' | 'dob' | 'street' | 'phone' | 'email' | 'ssn4' | 'itin4' | 'mbi' | 'legal' | 'personId';

export interface Comparison {
  fields: Record<Field, Agreement>;
  /** A DOB one day off or with day and month swapped. */
  dobVariant: boolean;
  geography: boolean;
  cityState: boolean;
  memberId: boolean;
  suffixConflict: boolean;
  /** The first approved combination satisfied, e.g. `CMS-02`, with whether a field was fuzzy. */
  rule?: { id: string; fuzzy: boolean };
  /** Σ −log10(u) over agreeing fields, with the DOB and first-name penalties. */
  evidence: number;
}

export interface Grade {
  grade: MatchGrade;
  score: number;
  /** What produced the grade, for people: the rule, or the agreeing fields. */
  basis: string;
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
    street: compareNames(a.streets, b.streets),
    phone: exactAgreement(a.phones, b.phones),
    email: exactAgreement(a.emails, b.emails),
    ssn4: exactAgreement(a.ssn4, b.ssn4),
    itin4: exactAgreement(a.itin4, b.itin4),
    mbi: exactAgreement(a.mbi, b.mbi),
    legal: exactAgreement(a.legalIds, b.legalIds),
    personId: exactAgreement(a.personIds, b.personIds),
  };
  const dobVariant = fields.dob === 'none' && isDobVariant(a.birthDate as string, b.birthDate as string);
  const geography = intersects(a.zips, b.zips);
  const cityState = intersects(a.cityStates, b.cityStates);
  const memberId = intersects(a.memberIds, b.memberIds);
  const suffixConflict = a.suffixes.size > 0 && b.suffixes.size > 0 && !intersects(a.suffixes, b.suffixes);
  const comparison: Comparison = { fields, dobVariant, geography, cityState, memberId, suffixConflict, evidence: 0 };
  comparison.evidence = evidenceOf(comparison, a, b);
  const rule = firstRule(fields);
  if (rule) {
    comparison.rule = rule;
  }
  return comparison;
}

/** The grade of one candidate, before uniqueness is known (a rule hit is `certain` here). */
export function gradeOf(c: Comparison): Grade | undefined {
  if (c.suffixConflict) {
    return undefined;
  }
  if (c.rule) {
    return { grade: 'certain', score: 1, basis: `CMS rule ${c.rule.id} (${c.rule.fuzzy ? 'fuzzy' : 'exact'})` };
  }
  const score = Math.round(Math.min(c.evidence / 12, 0.95) * 100) / 100;
  const firstAgrees = c.fields.first === 'exact' || c.fields.first === 'fuzzy';
  const dobConflict = c.fields.dob === 'none' && !c.dobVariant;
  const basis = `evidence ${c.evidence.toFixed(1)}: ${agreeingFields(c).join(', ') || 'nothing'} agree`;
  if (c.evidence >= 8 && firstAgrees && !dobConflict) {
    return { grade: 'probable', score, basis };
  }
  const nameAgrees = firstAgrees || c.fields.last === 'exact' || c.fields.last === 'fuzzy';
  if (c.evidence >= 5 && nameAgrees) {
    return { grade: 'possible', score, basis };
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
    .filter((f) => c.fields[f] === 'exact' || c.fields[f] === 'fuzzy')
    .map((f) => (c.fields[f] === 'fuzzy' ? `${names[f]} (close)` : names[f]));
  if (c.dobVariant) {
    out.push('birth date (one day off or day/month swapped)');
  }
  if (c.geography) {
    out.push('ZIP');
  } else if (c.cityState) {
    out.push('city and state');
  }
  if (c.memberId) {
    out.push('member ID');
  }
  return out;
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
  let e = 0;
  e += fields.first === 'exact' ? 1.7 : fields.first === 'fuzzy' ? 1.5 : 0;
  e += fields.last === 'exact' ? 2.3 : fields.last === 'fuzzy' ? 2.0 : 0;
  e += fields.dob === 'exact' ? 4.0 : c.dobVariant ? 3.0 : 0;
  e += fields.street === 'exact' ? 4.5 : fields.street === 'fuzzy' ? 4.2 : 0;
  e += c.geography ? 3.5 : c.cityState ? 2.0 : 0;
  e += fields.phone === 'exact' ? 6 : 0;
  e += fields.email === 'exact' ? 6 : 0;
  e += fields.ssn4 === 'exact' ? 4 : 0;
  e += fields.mbi === 'exact' || fields.legal === 'exact' || c.memberId ? 6 : 0;
  if (fields.dob === 'none' && !c.dobVariant) {
    e -= 4;
  }
  if (fields.first === 'none' && !intersects(a.initials, b.initials)) {
    e -= 1.7;
  }
  return Math.round(e * 10) / 10;
}

/**
 * First names, compared whole: the first given names equal (exact); within one edit, nickname
 * equivalents, or one side's first name among the other's middle names (fuzzy). Middle names
 * agreeing with each other alone say nothing: siblings share them.
 */
function compareFirst(a: Demographics, b: Demographics): Agreement {
  if (a.first.size === 0 || b.first.size === 0) {
    return 'absent';
  }
  const firsts = compareNames(a.first, b.first);
  if (firsts !== 'none') {
    return firsts;
  }
  return intersects(a.firstCanonical, b.firstCanonical) || intersects(a.first, b.given) || intersects(b.first, a.given)
    ? 'fuzzy'
    : 'none';
}

/** Any value equal (exact), or any pair of 5+ characters within one edit (fuzzy). */
function compareNames(a: Set<string>, b: Set<string>): Agreement {
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

function exactAgreement(a: Set<string>, b: Set<string>): Agreement {
  if (a.size === 0 || b.size === 0) {
    return 'absent';
  }
  return intersects(a, b) ? 'exact' : 'none';
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

/** Optimal string alignment (Damerau-Levenshtein) distance <= 1. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) {
    return true;
  }
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) {
    return false;
  }
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) {
    i++;
  }
  if (la === lb) {
    // One substitution, or one adjacent transposition.
    return (
      a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2))
    );
  }
  // One insertion or deletion.
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/** One day apart, or day and month swapped. */
function isDobVariant(a: string, b: string): boolean {
  const days = Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000;
  if (days === 1) {
    return true;
  }
  const [ya, ma, da] = a.split('-');
  const [yb, mb, db] = b.split('-');
  return ya === yb && ma === db && da === mb;
}
