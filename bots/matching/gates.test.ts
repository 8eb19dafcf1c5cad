/**
 * The matcher's gates, one condition at a time: `gradeOf` on comparisons built field by field
 * (the evidence thresholds at their edges, what unblocks a missing birth date, the household-twin
 * and missing-first-name gates, the rule's wording), the rule table's one fuzzy field, and
 * `rankCandidates`' uniqueness gates over several candidates. The evaluation and the hold-out
 * measure the matcher as a whole; these pin each gate so that breaking one fails a test.
 */
import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import type { Agreement, Comparison } from './compare';
import { compare, gradeOf, POSSIBLE_MAX_SCORE } from './compare';
import { demographicsOf, SSN_SYSTEM } from './demographics';
import { rankCandidates } from './match';

type Fields = Comparison['fields'];

/** A comparison where nothing is known but what `overrides` says. */
function comparison(fields: Partial<Fields>, overrides: Partial<Comparison> = {}): Comparison {
  const absent: Agreement = 'absent';
  return {
    fields: {
      first: absent,
      last: absent,
      dob: absent,
      street: absent,
      phone: absent,
      email: absent,
      ssn4: absent,
      itin4: absent,
      mbi: absent,
      legal: absent,
      personId: absent,
      ...fields,
    },
    nameSwap: false,
    firstByMiddleName: false,
    cityState: false,
    memberId: false,
    otherId: false,
    idConflict: false,
    contactConflict: false,
    suffixConflict: false,
    evidence: 9,
    ...overrides,
  };
}

const gradeOfFields = (fields: Partial<Fields>, overrides: Partial<Comparison> = {}): string | undefined =>
  gradeOf(comparison(fields, overrides))?.grade;

describe('gradeOf', () => {
  test("a rule's grade names the rule and whether a field agreed fuzzily", () => {
    expect(gradeOf(comparison({}, { rule: { id: 'CMS-02', fuzzy: false } }))?.basis).toBe('CMS rule CMS-02 (exact)');
    expect(gradeOf(comparison({}, { rule: { id: 'CMS-01', fuzzy: true } }))?.basis).toBe('CMS rule CMS-01 (fuzzy)');
  });

  test('probable needs evidence of 8 or more; possible 5 or more with a name agreeing', () => {
    const named: Partial<Fields> = { first: 'exact', last: 'exact', dob: 'exact' };
    expect(gradeOfFields(named, { evidence: 8 })).toBe('probable');
    expect(gradeOfFields(named, { evidence: 7.9 })).toBe('possible');
    expect(gradeOfFields(named, { evidence: 5 })).toBe('possible');
    expect(gradeOfFields(named, { evidence: 4.9 })).toBeUndefined();
    // Evidence from elsewhere, with neither name agreeing, is not a candidate at all.
    expect(gradeOfFields({ first: 'none', last: 'none', dob: 'exact', phone: 'exact' }, { evidence: 6 })).toBe(
      undefined
    );
    expect(gradeOfFields({ first: 'none', last: 'close', dob: 'exact' }, { evidence: 6 })).toBe('possible');
  });

  test('without a birth date on either side, any person-level identifier, a member id or another shared identifier unblocks', () => {
    const noDob: Partial<Fields> = { first: 'exact', last: 'exact', dob: 'absent' };
    expect(gradeOfFields(noDob)).toBe('possible');
    for (const field of ['ssn4', 'itin4', 'mbi', 'legal', 'personId'] as const) {
      expect([field, gradeOfFields({ ...noDob, [field]: 'exact' })]).toEqual([field, 'probable']);
    }
    expect(gradeOfFields(noDob, { memberId: true })).toBe('probable');
    expect(gradeOfFields(noDob, { otherId: true })).toBe('probable');
    expect(gradeOfFields({ ...noDob, email: 'exact' })).toBe('probable');
    // Every contact different: an agreeing identifier still makes it probable, nothing else does.
    const allDiffer: Partial<Fields> = { first: 'exact', last: 'exact', dob: 'exact', phone: 'none' };
    expect(gradeOfFields(allDiffer, { contactConflict: true })).toBe('possible');
    expect(gradeOfFields(allDiffer, { contactConflict: true, memberId: true })).toBe('probable');
  });

  test('a first name agreeing only as the other middle name, with any one household contact shared, is a twin', () => {
    const byMiddle: Partial<Fields> = { first: 'close', last: 'exact', dob: 'exact' };
    for (const contact of ['street', 'phone', 'email'] as const) {
      expect([contact, gradeOfFields({ ...byMiddle, [contact]: 'exact' }, { firstByMiddleName: true })]).toEqual([
        contact,
        'possible',
      ]);
    }
    expect(gradeOfFields(byMiddle, { firstByMiddleName: true })).toBe('probable');
    expect(gradeOfFields({ ...byMiddle, street: 'exact', ssn4: 'exact' }, { firstByMiddleName: true })).toBe(
      'probable'
    );
  });

  test('a missing first name: probable only with last name and birth date exact and evidence of 10 or more', () => {
    const noFirst: Partial<Fields> = { first: 'absent', last: 'exact', dob: 'exact' };
    expect(gradeOf(comparison(noFirst, { evidence: 10 }))).toMatchObject({
      grade: 'probable',
      unknownFirst: true,
      basis: expect.stringMatching(/; first name missing$/),
    });
    expect(gradeOfFields(noFirst, { evidence: 9.9 })).toBe('possible');
    // A birth date only close (one day apart) is not enough.
    expect(gradeOfFields({ ...noFirst, dob: 'none' }, { evidence: 12, dobClose: 'one day apart' })).toBe('possible');
    // With a person-level identifier agreeing, the missing first name does not wait on other candidates.
    const withId = gradeOf(comparison({ ...noFirst, ssn4: 'exact' }, { evidence: 12 }));
    expect(withId).toMatchObject({ grade: 'probable', basis: expect.stringMatching(/; first name missing$/) });
    expect(withId?.unknownFirst).toBeUndefined();
  });
});

function patient(overrides: Partial<Patient> = {}, id = 'p'): Patient {
  return {
    resourceType: 'Patient',
    id,
    name: [{ family: 'Rivera', given: ['Robert'] }],
    birthDate: '1980-04-12',
    telecom: [
      { system: 'phone', value: '(617) 555-0142' },
      { system: 'email', value: 'robert.rivera@example.com' },
    ],
    address: [{ line: ['12 North Main Street'], city: 'Boston', state: 'MA', postalCode: '02118' }],
    ...overrides,
  };
}

describe('the rule table', () => {
  test('one starred field may agree fuzzily, and the rule says so; every field exact is the exact rule', () => {
    const rule = (a: Patient, b: Patient): Comparison['rule'] => compare(demographicsOf(a), demographicsOf(b)).rule;
    expect(rule(patient(), patient())).toEqual({ id: 'CMS-01', fuzzy: false });
    const riviera = patient({ name: [{ family: 'Riviera', given: ['Robert'] }] });
    expect(rule(riviera, patient())).toEqual({ id: 'CMS-01', fuzzy: true });
  });
});

describe('rankCandidates', () => {
  const grades = (incoming: Patient, candidates: Patient[]): [string | undefined, string][] =>
    rankCandidates(incoming, candidates).map((m) => [m.patient.id, m.grade]);
  const ann = patient({ name: [{ family: 'Rivera', given: ['Ann'] }] });
  // Short names one edit apart agree only closely (never fuzzily).
  const ana = patient({ name: [{ family: 'Rivera', given: ['Ana'] }] }, 'ana');
  const bare = { telecom: [], address: [] };

  test('a close first name stays probable unless another candidate born that day has the first name outright', () => {
    expect(grades(ann, [ana])).toEqual([['ana', 'probable']]);
    // The same names in the same household, born another year: not outright (the birth date differs).
    const bornLater = patient({ name: [{ family: 'Rivera', given: ['Ann'] }], birthDate: '1990-01-01' }, 'born-later');
    expect(grades(ann, [ana, bornLater])).toEqual([
      ['ana', 'probable'],
      ['born-later', 'possible'],
    ]);
    const outright = patient({ name: [{ family: 'Rivera', given: ['Ann'] }], ...bare }, 'ann');
    const demoted = rankCandidates(ann, [ana, outright]).find((m) => m.patient.id === 'ana');
    expect(demoted).toMatchObject({ grade: 'possible' });
    expect(demoted?.score).toBeLessThanOrEqual(POSSIBLE_MAX_SCORE);
    expect(demoted?.basis).toMatch(/, but another patient born the same day has this first name$/);
    // Only a probable is demoted, and only with the same birth date.
    const nextDay = patient({ name: [{ family: 'Rivera', given: ['Ana'] }], birthDate: '1980-04-13' }, 'next-day');
    expect(grades(ann, [nextDay, outright])).toContainEqual(['next-day', 'probable']);
    const twin = patient({ name: [{ family: 'Rivera', given: ['Min-jun', 'Ann'] }] }, 'twin');
    const possible = rankCandidates(ann, [twin, outright]).find((m) => m.patient.id === 'twin');
    expect(possible?.grade).toBe('possible');
    expect(possible?.basis).not.toMatch(/another patient born the same day/);
  });

  test('a missing first name stays probable only while no other candidate is probable or in the same position', () => {
    const incoming = patient({ name: [{ family: 'Rivera' }] });
    const unknown = patient({}, 'unknown');
    expect(grades(incoming, [unknown])).toEqual([['unknown', 'probable']]);
    // A candidate that is only possible does not compete.
    const distant = patient({ birthDate: '1955-09-30' }, 'distant');
    expect(grades(incoming, [unknown, distant])).toEqual([
      ['unknown', 'probable'],
      ['distant', 'possible'],
    ]);
    // Two in the same position (twins): both possible, and the basis says how many agree.
    const sibling = patient({ telecom: [{ system: 'phone', value: '(617) 555-0142' }] }, 'sibling');
    const both = rankCandidates(incoming, [unknown, sibling]);
    expect(both.map((m) => m.grade)).toEqual(['possible', 'possible']);
    for (const match of both) {
      expect(match.score).toBeLessThanOrEqual(POSSIBLE_MAX_SCORE);
      expect(match.basis).toMatch(/, and 2 patients agree on everything else: choose one$/);
    }
  });

  test('a missing first name loses its grade to another probable candidate', () => {
    const ssn = [{ system: SSN_SYSTEM, value: '123-45-6789' }];
    const incoming = patient({ name: [{ family: 'Rivera' }], identifier: ssn });
    const unknown = patient({}, 'unknown');
    const withSsn = patient({ name: [{ family: 'Rivera', given: ['Roberto'] }], identifier: ssn, ...bare }, 'ssn');
    expect(grades(incoming, [unknown])).toEqual([['unknown', 'probable']]);
    const ranked = rankCandidates(incoming, [unknown, withSsn]);
    expect(ranked.map((m) => [m.patient.id, m.grade])).toEqual([
      ['ssn', 'probable'],
      ['unknown', 'possible'],
    ]);
    expect(ranked[1]?.basis).toMatch(/, and 2 patients agree on everything else: choose one$/);
  });

  test('at most five candidates, the best', () => {
    const candidates = Array.from({ length: 7 }, (_, i) =>
      patient({ birthDate: `19${String(50 + i)}-09-30` }, `possible-${String(i)}`)
    );
    const ranked = grades(patient(), [...candidates, patient({ telecom: [], address: [] }, 'probable')]);
    expect(ranked).toHaveLength(5);
    expect(ranked[0]).toEqual(['probable', 'probable']);
  });

  test("the basis says what agrees and what differs, in staff's words", () => {
    const blocked = comparison({ first: 'exact', last: 'exact', dob: 'none' }, { idConflict: true, evidence: 9 });
    expect(gradeOf(blocked)?.basis).toBe('evidence 9.0: first name, last name agree; differ: birth date, identifier');
    const clean = comparison({ first: 'exact', last: 'exact', dob: 'exact' }, { evidence: 9 });
    expect(gradeOf(clean)?.basis).toBe('evidence 9.0: first name, last name, birth date agree');
  });

  test('best first: by grade (a possible never outranks a probable), then by evidence', () => {
    const probable = patient(bare, 'probable');
    const possible = patient({ birthDate: '1955-09-30' }, 'possible');
    expect(grades(patient(), [possible, probable])).toEqual([
      ['probable', 'probable'],
      ['possible', 'possible'],
    ]);
    // Two certain: both probable at the same score, the one with more agreeing first.
    const phoneOnly = patient({ telecom: [{ system: 'phone', value: '(617) 555-0142' }], address: [] }, 'phone-only');
    const everything = patient({}, 'everything');
    expect(grades(patient(), [phoneOnly, everything])).toEqual([
      ['everything', 'probable'],
      ['phone-only', 'probable'],
    ]);
  });
});
