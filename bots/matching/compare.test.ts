import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { compare, gradeOf, withinOneEdit } from './compare';
import { demographicsOf, fold, normalizeBirthDate, normalizePhone } from './demographics';
import { cleanForMatch, rankCandidates } from './match';

function patient(overrides: Partial<Patient> = {}, id = 'p'): Patient {
  return {
    resourceType: 'Patient',
    id,
    name: [{ family: 'Rivera', given: ['Robert'] }],
    birthDate: '1980-04-12',
    telecom: [
      { system: 'phone', value: '(617) 555-0142' },
      { system: 'email', value: 'Robert.Rivera@Example.com' },
    ],
    address: [{ line: ['12 North Main Street'], city: 'Boston', state: 'MA', postalCode: '02118' }],
    ...overrides,
  };
}

function grade(a: Patient, b: Patient): ReturnType<typeof gradeOf> {
  return gradeOf(compare(demographicsOf(a), demographicsOf(b)));
}

describe('normalization', () => {
  test('names, phones, dates and placeholders', () => {
    expect(fold("O'Connor")).toBe('oconnor');
    expect(fold('Zoë  García-López')).toBe('zoegarcialopez');
    expect(normalizePhone('+1 (617) 555-0100')).toBe('6175550100');
    expect(normalizePhone('000-000-0000')).toBeUndefined();
    expect(normalizePhone('123-456-7890')).toBeUndefined();
    expect(normalizeBirthDate('1980-04')).toBeUndefined();
    expect(normalizeBirthDate('1900-01-01')).toBeUndefined();
    expect(normalizeBirthDate('2999-01-01')).toBeUndefined();
    const d = demographicsOf(
      patient({
        name: [{ family: 'Unknown', given: ['Baby', 'Boy'] }],
        address: [{ line: ['HOMELESS'], postalCode: '99999' }],
      })
    );
    expect(d.family.size + d.given.size + d.streets.size + d.zips.size).toBe(0);
  });

  test('hyphenated and married surnames keep their parts; given names stay whole', () => {
    const d = demographicsOf(
      patient({
        name: [
          { family: 'García-López', given: ['Min-jun'] },
          { use: 'old', family: 'Smith' },
        ],
      })
    );
    expect([...d.family].sort()).toEqual(['garcia', 'garcialopez', 'lopez', 'smith']);
    expect([...d.first]).toEqual(['minjun']);
  });

  test('streets use USPS abbreviations', () => {
    const a = demographicsOf(patient({ address: [{ line: ['12 N. Main St.'] }] }));
    const b = demographicsOf(patient());
    expect([...a.streets]).toEqual([...b.streets]);
  });
});

describe('withinOneEdit', () => {
  test.each([
    ['robert', 'robret', true],
    ['robert', 'robrt', true],
    ['robert', 'roberto', true],
    ['robert', 'rupert', false],
    ['ann', 'ana', true],
  ])('%s ~ %s', (a, b, expected) => {
    expect(withinOneEdit(a, b)).toBe(expected);
  });
});

describe('grades', () => {
  test('an approved combination is certain (rule 11: first + DOB + phone, any phone format)', () => {
    const incoming = patient({
      name: [{ family: 'Rivera-Cruz', given: ['Robert'] }],
      telecom: [{ system: 'phone', value: '+1 617 555 0142' }],
    });
    expect(grade(incoming, patient())).toMatchObject({ grade: 'certain', score: 1 });
  });

  test('first + last + DOB alone is probable, never certain', () => {
    const incoming = patient({ telecom: [], address: [] });
    expect(grade(incoming, patient({ telecom: [], address: [] }))).toMatchObject({ grade: 'probable', score: 0.67 });
  });

  test('short names are never fuzzy; a first-name typo is evidence, not a rule', () => {
    expect(
      grade(
        patient({ name: [{ family: 'Rivera', given: ['Ana'] }] }),
        patient({ name: [{ family: 'Rivera', given: ['Ann'] }] })
      )?.grade
    ).not.toBe('certain');
    const typo = grade(patient({ name: [{ family: 'Rivera', given: ['Robret'] }] }), patient());
    expect(typo?.grade).toBe('probable');
    expect(typo?.basis).toMatch(/first name \(close\)/);
  });

  test('two fuzzy fields satisfy no rule', () => {
    const incoming = patient({
      name: [{ family: 'Riviera', given: ['Robert'] }],
      address: [{ line: ['12 North Maine Street'] }],
      telecom: [],
    });
    expect(grade(incoming, patient({ telecom: [] }))?.grade).not.toBe('certain');
  });

  test('a nickname agrees as a fuzzy first name', () => {
    const result = grade(patient({ name: [{ family: 'Rivera', given: ['Bob'] }] }), patient());
    expect(result?.grade).toBe('probable');
  });

  test('Jr against Senior is never a match; II and 2nd are the same; PhD is not generational', () => {
    expect(
      grade(
        patient({ name: [{ family: 'Rivera', given: ['Robert'], suffix: ['Jr'] }] }),
        patient({ name: [{ family: 'Rivera', given: ['Robert'], suffix: ['Senior'] }] })
      )
    ).toBeUndefined();
    expect(
      grade(
        patient({ name: [{ family: 'Rivera', given: ['Robert'], suffix: ['II'] }] }),
        patient({ name: [{ family: 'Rivera', given: ['Robert'], suffix: ['2nd'] }] })
      )?.grade
    ).toBe('certain');
    expect(
      grade(
        patient({ name: [{ family: 'Rivera', given: ['Robert'], suffix: ['PhD'] }] }),
        patient({ name: [{ family: 'Rivera', given: ['Robert'], suffix: ['Jr'] }] })
      )?.grade
    ).toBe('certain');
  });

  test('twins sharing everything but the first name are not matched; close first names are never certain', () => {
    const incoming = patient({ name: [{ family: 'Rivera', given: ['Robert', 'Marie'] }] });
    expect(grade(incoming, patient({ name: [{ family: 'Rivera', given: ['Michael', 'Marie'] }] }))?.grade).toBe(
      'possible'
    );
    expect(grade(incoming, patient({ name: [{ family: 'Rivera', given: ['Roberta', 'Marie'] }] }))?.grade).toBe(
      'probable'
    );
  });

  test('a DOB conflict blocks probable; a day/month swap does not', () => {
    expect(grade(patient({ birthDate: '1981-07-30', telecom: [] }), patient({ telecom: [] }))?.grade).not.toBe(
      'probable'
    );
    expect(grade(patient({ birthDate: '1980-12-04', telecom: [] }), patient({ telecom: [] }))?.grade).toBe('probable');
  });

  test('gender is never used', () => {
    expect(grade(patient({ gender: 'female' }), patient({ gender: 'male' }))?.grade).toBe('certain');
  });

  test('a namespace-bound identifier alone is certain; a subscriber id or systemless id is not', () => {
    const mrn = { system: 'urn:oid:1.2.3', value: 'MRN-1', type: { coding: [{ code: 'MR' }] } };
    const bare: Partial<Patient> = {
      name: [{ family: 'X', given: ['Y'] }],
      birthDate: undefined,
      telecom: [],
      address: [],
    };
    expect(grade(patient({ ...bare, identifier: [mrn] }), patient({ identifier: [mrn] }))?.grade).toBe('certain');
    const subscriber = { system: 'https://payer.example', value: '102345672', type: { coding: [{ code: 'SN' }] } };
    expect(
      grade(patient({ ...bare, identifier: [subscriber] }), patient({ identifier: [subscriber] }))
    ).toBeUndefined();
    expect(
      grade(patient({ ...bare, identifier: [{ value: '42' }] }), patient({ identifier: [{ value: '42' }] }))
    ).toBeUndefined();
  });
});

describe('rankCandidates', () => {
  test('two candidates qualifying for a rule are both probable at 0.95: a person chooses', () => {
    const matches = rankCandidates(patient(), [
      patient({}, 'a'),
      patient({}, 'b'),
      patient({ birthDate: '1950-01-01' }, 'c'),
    ]);
    expect(matches.map((m) => [m.patient.id, m.grade, m.score])).toEqual([
      ['a', 'probable', 0.95],
      ['b', 'probable', 0.95],
      ['c', 'possible', expect.any(Number)],
    ]);
    expect(matches[0]?.basis).toMatch(/2 patients qualify/);
  });

  test('a single qualifying candidate is certain and first', () => {
    const matches = rankCandidates(patient(), [
      patient({ name: [{ family: 'Other', given: ['Person'] }] }, 'x'),
      patient({}, 'y'),
    ]);
    expect(matches[0]).toMatchObject({ grade: 'certain', score: 1 });
    expect(matches[0]?.patient.id).toBe('y');
  });
});

describe('cleanForMatch', () => {
  test('keeps names, DOB, addresses; phones as given and as digits; emails lower case; person-level ids only', () => {
    const cleaned = cleanForMatch(
      patient({
        id: 'incoming',
        meta: { versionId: '1' },
        identifier: [
          { system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6789' },
          { system: 'https://payer.example', value: '102345672-01', type: { coding: [{ code: 'SN' }] } },
          {
            system: 'https://payer.example/member',
            value: '1234-234-1243-12345678901',
            type: { coding: [{ code: 'MB' }] },
          },
          { value: 'no-system' },
        ],
      })
    );
    expect(cleaned).not.toHaveProperty('id');
    expect(cleaned).not.toHaveProperty('meta');
    expect(cleaned.telecom).toEqual([
      { system: 'phone', value: '(617) 555-0142' },
      { system: 'phone', value: '6175550142' },
      { system: 'email', value: 'robert.rivera@example.com' },
    ]);
    expect(cleaned.identifier).toEqual([
      { system: 'http://hl7.org/fhir/sid/us-ssn', value: '6789' },
      { system: 'https://payer.example/member', value: '1234-234-1243-12345678901' },
    ]);
  });
});
