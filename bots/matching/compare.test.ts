import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { compare, gradeOf } from './compare';
import { withinOneEdit } from './similarity';
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
    expect(d.family.size + d.given.size + d.streets.size + d.postcodes.size).toBe(0);
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

  test('a street is one string: words and numbers run together still agree', () => {
    const streets = ['105 Lambrigg Street', '105 lambriggstreet', '105lambrigg st.'].map((line) => [
      ...demographicsOf(patient({ address: [{ line: [line] }] })).streets,
    ]);
    expect(streets).toEqual([['105lambriggst'], ['105lambriggst'], ['105lambriggst']]);
  });

  test('postal codes of any country; a ZIP+4 is its ZIP', () => {
    const codes = (postalCode: string): string[] => [
      ...demographicsOf(patient({ address: [{ line: ['1 Kade'], postalCode }] })).postcodes,
    ];
    expect(codes('3311 AB')).toEqual(['3311ab']);
    expect(codes('SW1A 2AA')).toEqual(['sw1a2aa']);
    expect(codes('2615')).toEqual(['2615']);
    expect(codes('02118-1234')).toEqual(['02118']);
    expect(codes('99999')).toEqual([]);
    expect(codes('00000')).toEqual([]);
  });

  test('identifiers are sorted by what they name; family-level ones are left out', () => {
    const d = demographicsOf(
      patient({
        identifier: [
          { system: 'urn:oid:2.16.840.1.113883.2.4.6.3', value: '999-12', type: { coding: [{ code: 'NI' }] } },
          { system: 'https://registry.example/soc-sec-id', value: '5417221' },
          { system: 'https://payer.example', value: '102345672', type: { coding: [{ code: 'SN' }] } },
          { system: 'https://clinic.example/account', value: 'A-77' },
          { system: 'https://clinic.example/family', value: 'F-12', type: { coding: [{ code: 'AN' }] } },
        ],
      })
    );
    expect([...d.personIds]).toEqual(['urn:oid:2.16.840.1.113883.2.4.6.3|999-12']);
    expect([...d.otherIds]).toEqual(['https://registry.example/soc-sec-id|5417221']);
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

  test('someone going by a middle name agrees, closely; not with the birth date and household shared (twins)', () => {
    const full = patient({ name: [{ family: 'Rivera', given: ['Min-jun', 'Kenneth'] }] });
    const byMiddle = patient({
      name: [{ family: 'Rivera', given: ['Kenneth'] }],
      telecom: [],
      address: [{ postalCode: '02118' }],
    });
    expect(grade(byMiddle, full)?.grade).toBe('probable');
    expect(grade(patient({ name: [{ family: 'Rivera', given: ['Kenneth'] }] }), full)?.grade).toBe('possible');
    expect(grade(patient({ name: [{ family: 'Rivera', given: ['Kenneth', 'Andrew'] }] }), full)?.grade).toBe(
      'possible'
    );
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

describe('registration errors', () => {
  const bare: Partial<Patient> = { telecom: [], identifier: [] };

  test('first and last name swapped: probable, never certain', () => {
    const swapped = grade(patient({ name: [{ family: 'Robert', given: ['Rivera'] }] }), patient());
    expect(swapped?.grade).toBe('probable');
    expect(swapped?.basis).toMatch(/first and last name \(swapped\)/);
  });

  test('a missing first name is unknown when everything else agrees, not different', () => {
    const noFirst = patient({ name: [{ family: 'Rivera' }] });
    expect(grade(noFirst, patient())).toMatchObject({ grade: 'probable', unknownFirst: true });
    expect(grade(patient({ name: [{ family: 'Rivera' }], ...bare, address: [] }), patient(bare))?.grade).toBe(
      'possible'
    );
  });

  test('short names one edit apart are close: probable, never certain', () => {
    const sara = patient({ name: [{ family: 'Rivera', given: ['Sara'] }] });
    const typo = grade(patient({ name: [{ family: 'Rivera', given: ['Saraa'] }] }), sara);
    expect(typo?.grade).toBe('probable');
    expect(typo?.basis).toMatch(/first name \(close\)/);
    expect(
      grade(
        patient({ name: [{ family: 'Rivera', given: ['Jon'] }] }),
        patient({ name: [{ family: 'Rivera', given: ['Ian'] }] })
      )?.grade
    ).toBe('possible');
  });

  test('phonetic spellings of a name are close', () => {
    const result = grade(
      patient({ name: [{ family: 'Rivera', given: ['Stephen'] }] }),
      patient({ name: [{ family: 'Rivera', given: ['Steven'] }] })
    );
    expect(result?.grade).toBe('probable');
  });

  test('a birth date one digit off or with two digits swapped is close, never certain on its own', () => {
    for (const birthDate of ['1980-04-17', '1981-04-12', '1980-04-21']) {
      const result = grade(patient({ birthDate }), patient());
      expect(result?.grade).toBe('probable');
    }
    expect(grade(patient({ birthDate: '1980-04-17', ...bare }), patient(bare))?.basis).toMatch(
      /birth date \(one digit off\)/
    );
  });

  test('1 January of the same year, as entered for an unknown birthday, is no conflict', () => {
    const result = grade(patient({ birthDate: '1980-01-01' }), patient());
    expect(result?.grade).toBe('probable');
    expect(result?.basis).toMatch(/1 January/);
    expect(grade(patient({ birthDate: '1981-01-01' }), patient())?.grade).not.toBe('probable');
  });

  test('father and son born on the same day of the year are not a birth-date typo when either carries a suffix', () => {
    const father = patient({ birthDate: '1960-04-12' });
    const son = patient({ birthDate: '1980-04-12', name: [{ family: 'Rivera', given: ['Robert'], suffix: ['Jr'] }] });
    expect(grade(son, father)?.grade).not.toBe('probable');
    expect(grade(father, son)?.grade).not.toBe('probable');
    // Without a suffix the same digit error is a typo (docs/matching.md: the residual risk).
    expect(grade(patient({ birthDate: '1980-04-12' }), father)?.grade).toBe('probable');
    expect(grade(patient({ birthDate: '1985-04-12' }), patient({ birthDate: '1958-04-12' }))?.grade).toBe('probable');
  });

  test('a phone with or without its country code agrees, in any country', () => {
    expect(normalizePhone('+31 78 123 4567')).toBe(normalizePhone('078 123 4567'));
    expect(normalizePhone('+44 20 7946 0018')).toBe(normalizePhone('020 7946 0018'));
    expect(normalizePhone('+61 2 9876 5432')).toBe(normalizePhone('(02) 9876 5432'));
    expect(normalizePhone('+1 617 555 0142')).toBe('6175550142');
  });

  test('the same name, birth date and ZIP with every contact different is only possible', () => {
    const stranger = patient({
      telecom: [{ system: 'phone', value: '(617) 555-0199' }],
      address: [{ line: ['40 Elm Street'], city: 'Boston', state: 'MA', postalCode: '02118' }],
    });
    const result = grade(patient({ telecom: [{ system: 'phone', value: '617-555-0142' }] }), stranger);
    expect(result?.grade).toBe('possible');
    expect(result?.basis).toMatch(/differ: every contact/);
  });

  test('an apartment added to the street still agrees, closely', () => {
    const result = grade(
      patient({ telecom: [], address: [{ line: ['12 North Main Street Apt 4'] }] }),
      patient({ telecom: [], name: [{ family: 'Rivera', given: ['Rob'] }] })
    );
    expect(result?.basis).toMatch(/street \(close\)/);
  });
});

describe('guards found by the hold-out', () => {
  test('a line naming only a unit is no street: neighbours share it', () => {
    const d = demographicsOf(patient({ address: [{ line: ['40 Elm Street', 'Unit 2'] }] }));
    expect([...d.streets]).toEqual(['40elmst']);
  });

  test('without a birth date on one side, a father and son agree on everything: something personal must agree too', () => {
    const noEmail: Partial<Patient> = { telecom: [{ system: 'phone', value: '(617) 555-0142' }] };
    const father = patient({ ...noEmail, birthDate: '1955-02-01' });
    expect(grade(patient({ ...noEmail, birthDate: undefined }), father)?.grade).toBe('possible');
    expect(grade(patient({ birthDate: undefined }), patient())?.grade).toBe('probable');
  });

  test('an initial that differs from the other first name is a different name', () => {
    const initial = patient({ name: [{ family: 'Rivera', given: ['M.'] }] });
    expect(compare(demographicsOf(initial), demographicsOf(patient())).fields.first).toBe('none');
    const same = patient({ name: [{ family: 'Rivera', given: ['R.'] }] });
    expect(compare(demographicsOf(same), demographicsOf(patient())).fields.first).toBe('absent');
  });

  test('a close first name loses to another candidate born the same day whose first name agrees (Ann, Ana)', () => {
    const ann = patient({ name: [{ family: 'Rivera', given: ['Ann'] }] });
    const matches = rankCandidates(ann, [
      patient({ name: [{ family: 'Rivera', given: ['Ana'] }] }, 'ana'),
      patient({ name: [{ family: 'Rivera', given: ['Ann'] }], telecom: [] }, 'ann'),
    ]);
    expect(matches.map((m) => [m.patient.id, m.grade])).toEqual([
      ['ann', 'certain'],
      ['ana', 'possible'],
    ]);
  });
});

describe('identifiers', () => {
  const socSec = (value: string): Patient['identifier'] => [{ system: 'https://registry.example/soc-sec-id', value }];

  test('the same system and value is strong evidence, not a rule on its own', () => {
    const incoming = patient({
      name: [{ family: 'Rivers', given: ['Rob'] }],
      birthDate: '1980-04-21',
      telecom: [],
      address: [],
      identifier: socSec('5417221'),
    });
    const result = grade(incoming, patient({ identifier: socSec('5417221') }));
    expect(result?.grade).toBe('probable');
    expect(result?.basis).toMatch(/other identifier/);
  });

  test('a different value in the same person-level system is never a match', () => {
    const ssn = (value: string): Patient['identifier'] => [{ system: 'http://hl7.org/fhir/sid/us-ssn', value }];
    expect(
      grade(patient({ identifier: ssn('123-45-6789') }), patient({ identifier: ssn('123-45-6780') }))?.grade
    ).not.toMatch(/certain|probable/);
    const mrn = (value: string): Patient['identifier'] => [
      { system: 'urn:oid:1.2.3', value, type: { coding: [{ code: 'MR' }] } },
    ];
    expect(grade(patient({ identifier: mrn('A1') }), patient({ identifier: mrn('B2') }))?.grade).not.toMatch(
      /certain|probable/
    );
    // An MRN of another assigner says nothing.
    expect(
      grade(patient({ identifier: mrn('A1') }), patient({ identifier: [{ ...mrn('B2')?.[0], system: 'urn:oid:9.9' }] }))
        ?.grade
    ).toBe('certain');
  });

  test('twins sharing a household account number stay apart; a shared person-level identifier joins', () => {
    const account = { system: 'https://clinic.example/account', value: 'A-77' };
    const twin = patient({ name: [{ family: 'Rivera', given: ['Michael'] }], identifier: [account] });
    expect(grade(patient({ identifier: [account] }), twin)?.grade).toBe('possible');
    const mrn = { system: 'urn:oid:1.2.3', value: 'A1', type: { coding: [{ code: 'MR' }] } };
    expect(grade(patient({ identifier: [mrn] }), { ...twin, identifier: [mrn] })?.grade).toBe('certain');
  });
});

describe('rankCandidates', () => {
  test('with the first name missing, twins are both only possible unless an identifier tells them apart', () => {
    const noFirst = patient({ name: [{ family: 'Rivera' }] });
    const twins = [patient({}, 'robert'), patient({ name: [{ family: 'Rivera', given: ['Michael'] }] }, 'michael')];
    expect(rankCandidates(noFirst, twins).map((m) => [m.patient.id, m.grade])).toEqual([
      ['robert', 'possible'],
      ['michael', 'possible'],
    ]);
    const ssn = (value: string): Patient['identifier'] => [{ system: 'http://hl7.org/fhir/sid/us-ssn', value }];
    const withIds = [
      patient({ identifier: ssn('1234') }, 'robert'),
      patient({ name: [{ family: 'Rivera', given: ['Michael'] }], identifier: ssn('5678') }, 'michael'),
    ];
    expect(rankCandidates({ ...noFirst, identifier: ssn('1234') }, withIds)[0]).toMatchObject({
      grade: 'certain',
      patient: { id: 'robert' },
    });
  });

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
