/**
 * The resource types an import may create: patient data as US Core, IPS, CARIN and Kill the
 * Clipboard content carries it. Anything else in a link (`Bot`, `AccessPolicy`,
 * `Subscription`, `ProjectMembership`, …) is skipped with a reason. Admins can narrow the list
 * with the `SHL_IMPORT_TYPES` secret (it can never widen it).
 */
export const PATIENT_DATA_TYPES: ReadonlySet<string> = new Set([
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
]);

/** The allowed types: the built-in list, narrowed by a comma-separated secret when given. */
export function allowedTypes(secret: string | undefined): ReadonlySet<string> {
  // Split on runs of commas and white space, so no name keeps a space; the empty ends are dropped.
  const wanted = (secret ?? '').split(/[\s,]+/).filter(Boolean);
  return wanted.length === 0 ? PATIENT_DATA_TYPES : new Set(wanted.filter((t) => PATIENT_DATA_TYPES.has(t)));
}
