/**
 * Words for the codes health cards and patient summaries carry without a display: the common
 * CVX vaccine codes and LOINC test, measurement and document codes, from the CDC's CVX table
 * and LOINC's names, shortened for staff. A coding the sender named keeps its own display.
 */
import type { CodeableConcept } from '@medplum/fhirtypes';

export const CVX = 'http://hl7.org/fhir/sid/cvx';
export const LOINC = 'http://loinc.org';

const CVX_DISPLAYS: Record<string, string> = {
  '03': 'MMR vaccine (measles, mumps, rubella)',
  '08': 'Hepatitis B vaccine (child)',
  '10': 'Polio vaccine (IPV)',
  '20': 'DTaP vaccine (diphtheria, tetanus, whooping cough)',
  '21': 'Chickenpox vaccine (varicella)',
  '33': 'Pneumococcal vaccine (PPSV23)',
  '43': 'Hepatitis B vaccine (adult)',
  '62': 'HPV vaccine (quadrivalent)',
  '83': 'Hepatitis A vaccine (child)',
  '88': 'Flu vaccine',
  '94': 'MMRV vaccine (measles, mumps, rubella, chickenpox)',
  '113': 'Td vaccine (tetanus, diphtheria)',
  '114': 'Meningococcal vaccine (MenACWY)',
  '115': 'Tdap vaccine (tetanus, diphtheria, whooping cough)',
  '133': 'Pneumococcal conjugate vaccine (PCV13)',
  '140': 'Flu vaccine (seasonal, preservative-free)',
  '141': 'Flu vaccine (seasonal)',
  '150': 'Flu vaccine (quadrivalent, preservative-free)',
  '158': 'Flu vaccine (quadrivalent)',
  '165': 'HPV vaccine (9-valent)',
  '171': 'Flu vaccine (cell-based, quadrivalent)',
  '185': 'Flu vaccine (recombinant, quadrivalent)',
  '186': 'Flu vaccine (cell-based, quadrivalent)',
  '187': 'Shingles vaccine (recombinant)',
  '197': 'Flu vaccine (high dose, quadrivalent)',
  '205': 'Flu vaccine (adjuvanted, quadrivalent)',
  '207': 'COVID-19 vaccine, Moderna',
  '208': 'COVID-19 vaccine, Pfizer-BioNTech',
  '210': 'COVID-19 vaccine, AstraZeneca',
  '211': 'COVID-19 vaccine, Novavax',
  '212': 'COVID-19 vaccine, Janssen (Johnson & Johnson)',
  '213': 'COVID-19 vaccine',
  '217': 'COVID-19 vaccine, Pfizer-BioNTech (12 years and older)',
  '218': 'COVID-19 vaccine, Pfizer-BioNTech (5 to 11 years)',
  '219': 'COVID-19 vaccine, Pfizer-BioNTech (6 months to 4 years)',
  '221': 'COVID-19 vaccine, Moderna (50 mcg dose)',
  '228': 'COVID-19 vaccine, Moderna (6 months to 5 years)',
  '229': 'COVID-19 vaccine, Moderna (bivalent)',
  '300': 'COVID-19 vaccine, Pfizer-BioNTech (bivalent)',
};

const LOINC_DISPLAYS: Record<string, string> = {
  // COVID-19 tests on health cards.
  '94500-6': 'COVID-19 PCR test',
  '94309-2': 'COVID-19 PCR test',
  '94534-5': 'COVID-19 PCR test',
  '94759-8': 'COVID-19 PCR test',
  '94531-1': 'COVID-19 PCR test panel',
  '94558-4': 'COVID-19 rapid antigen test',
  '95209-3': 'COVID-19 rapid antigen test',
  '94563-4': 'COVID-19 antibody test (IgG)',
  '94762-2': 'COVID-19 antibody test',
  // Vital signs and common results.
  '85354-9': 'Blood pressure',
  '8480-6': 'Systolic blood pressure',
  '8462-4': 'Diastolic blood pressure',
  '8867-4': 'Heart rate',
  '9279-1': 'Breathing rate',
  '8310-5': 'Body temperature',
  '29463-7': 'Body weight',
  '8302-2': 'Body height',
  '39156-5': 'Body mass index (BMI)',
  '59408-5': 'Oxygen saturation',
  '2708-6': 'Oxygen saturation',
  '4548-4': 'Hemoglobin A1c',
  '2339-0': 'Glucose',
  '2345-7': 'Glucose',
  '2093-3': 'Cholesterol',
  '2085-9': 'HDL cholesterol',
  '13457-7': 'LDL cholesterol',
  '18262-6': 'LDL cholesterol',
  '2571-8': 'Triglycerides',
  '2160-0': 'Creatinine',
  '718-7': 'Hemoglobin',
  // Documents and summary sections.
  '34133-9': 'Visit summary',
  '60591-5': 'Patient summary',
  '11450-4': 'Problem list',
  '48765-2': 'Allergies',
  '10160-0': 'Medication list',
  '11369-6': 'Vaccination history',
  '30954-2': 'Results',
};

const TABLES: Record<string, Record<string, string>> = { [CVX]: CVX_DISPLAYS, [LOINC]: LOINC_DISPLAYS };

/** The words for a CVX or LOINC code this table knows. */
export function knownDisplay(system: string | undefined, code: string | undefined): string | undefined {
  return system && code ? TABLES[system]?.[code] : undefined;
}

/**
 * The concept as staff should read it (for `CodeableConceptDisplay`): its text; else its first
 * coding that has a display, the sender's own or this table's (the codings of one concept name
 * the same thing); else as it is, showing its codes.
 */
export function forDisplay(concept: CodeableConcept): CodeableConcept {
  if (concept.text) {
    return concept;
  }
  const named = concept.coding
    ?.map((c) => (c.display ? c : { ...c, display: knownDisplay(c.system, c.code) }))
    .find((c) => c.display);
  return named ? { coding: [named] } : concept;
}
