/** The pages' clinical words: counts and titles by type, statuses, dates with times, known code displays. */
import { describe, expect, test } from 'vitest';
import { clinicalDate, countsInWords, groupTitle, patientLine, statusWords } from '../../app/clinical-words';
import { forDisplay } from '../../app/code-displays';
import { summarize } from '../../app/summaries';

describe('clinical words', () => {
  test('types as plain English, counted, most frequent first', () => {
    expect(groupTitle('AllergyIntolerance')).toBe('Allergies');
    expect(groupTitle('MedicationStatement')).toBe('Medications');
    expect(groupTitle('RiskAssessment')).toBe('Risk assessments');
    expect(countsInWords(['Condition/1', 'AllergyIntolerance/2', 'Condition/3', 'Immunization/4'])).toBe(
      '2 conditions, 1 allergy and 1 vaccination'
    );
    expect(countsInWords(['Observation/1'])).toBe('1 result');
  });

  test('statuses as words, a vaccination "Given"', () => {
    expect(statusWords('entered-in-error')).toBe('Entered in error');
    expect(statusWords('completed', 'Immunization')).toBe('Given');
    expect(statusWords('completed', 'Procedure')).toBe('Completed');
    expect(statusWords('some-new-code')).toBe('Some new code');
  });

  test('dates keep their precision, and their time when they have one', () => {
    expect(clinicalDate('2015')).toBe('2015');
    expect(clinicalDate('2015-06')).toBe('Jun 2015');
    expect(clinicalDate('2015-06-01')).toBe('Jun 1, 2015');
    const morning = clinicalDate('2026-01-01T09:30:00Z');
    const evening = clinicalDate('2026-01-01T20:30:00Z');
    expect(morning).toMatch(/\d{1,2}:30/);
    expect(morning).not.toBe(evening);
    expect(clinicalDate('not a date')).toBe('not a date');
  });

  test('a patient as name and birth date', () => {
    expect(
      patientLine({ resourceType: 'Patient', name: [{ given: ['Maria'], family: 'López' }], birthDate: '1979-08-21' })
    ).toBe('Maria López, born 1979-08-21');
    expect(patientLine(undefined)).toBe('Unnamed patient');
  });
});

describe('code displays', () => {
  test('a bare CVX or LOINC code gets its words; the sender’s own display and text win', () => {
    expect(forDisplay({ coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208' }] })).toEqual({
      coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '208', display: 'COVID-19 vaccine, Pfizer-BioNTech' }],
    });
    expect(
      forDisplay({
        coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }],
      }).coding?.[0]?.display
    ).toBe('Glucose [Mass/volume] in Blood');
    expect(
      forDisplay({ text: 'Flu shot', coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '141' }] }).text
    ).toBe('Flu shot');
    // Unknown codes stay codes.
    expect(forDisplay({ coding: [{ system: 'http://example.org', code: 'X1' }] })).toEqual({
      coding: [{ system: 'http://example.org', code: 'X1' }],
    });
  });

  test('a summary line: what, when, value, status', () => {
    expect(
      summarize({
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
        effectiveDateTime: '2026-10-01',
        component: [
          { code: { text: 'Systolic' }, valueQuantity: { value: 128, unit: 'mmHg' } },
          { code: { text: 'Diastolic' }, valueQuantity: { value: 82, unit: 'mmHg' } },
        ],
      })
    ).toEqual({
      title: 'Blood pressure',
      concept: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure' }] },
      details: ['Oct 1, 2026', '128/82 mmHg', 'Final'],
    });
  });
});
