/** The type allowlist: the built-in list, narrowed (never widened) by `SHL_IMPORT_TYPES`. */
import { describe, expect, test } from 'vitest';
import { allowedTypes, PATIENT_DATA_TYPES } from './patient-data-types';

// Written out here, not read from the module: a type dropped from or added to the list fails.
const EXPECTED = [
  'AllergyIntolerance',
  'Binary',
  'CarePlan',
  'CareTeam',
  'ClinicalImpression',
  'Composition',
  'Condition',
  'Consent',
  'Coverage',
  'Device',
  'DeviceUseStatement',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'Endpoint',
  'ExplanationOfBenefit',
  'FamilyMemberHistory',
  'Goal',
  'ImagingStudy',
  'Immunization',
  'ImmunizationRecommendation',
  'List',
  'Location',
  'Media',
  'Medication',
  'MedicationAdministration',
  'MedicationDispense',
  'MedicationRequest',
  'MedicationStatement',
  'NutritionOrder',
  'Observation',
  'Organization',
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Procedure',
  'QuestionnaireResponse',
  'RelatedPerson',
  'RiskAssessment',
  'ServiceRequest',
  'Specimen',
];

describe('PATIENT_DATA_TYPES', () => {
  test('is exactly the patient data types, and none that administer the server', () => {
    expect([...PATIENT_DATA_TYPES].sort()).toEqual([...EXPECTED].sort());
    for (const type of ['Bot', 'AccessPolicy', 'Subscription', 'ProjectMembership', 'User', 'ClientApplication']) {
      expect(PATIENT_DATA_TYPES.has(type)).toBe(false);
    }
  });
});

describe('allowedTypes', () => {
  test('no secret, or one with only separators: the whole list', () => {
    expect(allowedTypes(undefined)).toBe(PATIENT_DATA_TYPES);
    expect(allowedTypes('')).toBe(PATIENT_DATA_TYPES);
    expect(allowedTypes(' , ,\n')).toBe(PATIENT_DATA_TYPES);
  });

  test('a secret narrows the list, split on commas and any white space', () => {
    expect([...allowedTypes('Condition,Observation')].sort()).toEqual(['Condition', 'Observation']);
    expect([...allowedTypes(' Condition ,\tObservation\nImmunization ')].sort()).toEqual([
      'Condition',
      'Immunization',
      'Observation',
    ]);
  });

  test('a secret never widens it: unknown or administrative types are dropped', () => {
    expect([...allowedTypes('Condition, Bot, AccessPolicy')]).toEqual(['Condition']);
    expect(allowedTypes('Bot').size).toBe(0);
  });
});
