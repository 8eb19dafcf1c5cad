/**
 * IPS-like content for links on the real server: a Patient and N-1 clinical resources of the
 * types an International Patient Summary carries (problems, allergies, medications, results,
 * vital signs, immunizations, procedures), each distinct (its own code and date) so an import
 * creates every one and a re-import finds every one. Optionally padded with a narrative, as
 * IPS resources carry `text.div`, to reach realistic sizes.
 */
import type {
  AllergyIntolerance,
  Bundle,
  Condition,
  Immunization,
  MedicationStatement,
  Narrative,
  Observation,
  Patient,
  Procedure,
  Resource,
} from '@medplum/fhirtypes';

type Clinical = Condition | AllergyIntolerance | MedicationStatement | Observation | Immunization | Procedure;
import { randomBytes } from 'node:crypto';

export interface Person {
  given: string;
  family: string;
  birthDate: string;
  phone: string;
  /** Makes this person's codes, dates and values their own: no content repeats another person's. */
  seed: number;
}

/** Someone no earlier run has created: a random family name and phone number. */
export function newPerson(): Person {
  const letters = 'bcdfghjklmnprstvz';
  const vowels = 'aeiou';
  const bytes = randomBytes(8);
  let family = '';
  for (let i = 0; i < 6; i++) {
    const byte = bytes[i] ?? 0;
    family += i % 2 === 0 ? letters.charAt(byte % letters.length) : vowels.charAt(byte % vowels.length);
  }
  const digits = [...randomBytes(7)].map((b) => String(b % 10)).join('');
  return {
    given: 'Amara',
    family: family.charAt(0).toUpperCase() + family.slice(1),
    birthDate: '1984-07-19',
    phone: `617-${digits.slice(0, 3)}-${digits.slice(3, 7)}`,
    seed: randomBytes(4).readUInt32BE() % 1_000_000,
  };
}

/** The Patient as the link carries it (`id` is the sender's). */
export function patientOf(person: Person, id = 'ips-patient'): Patient {
  return {
    resourceType: 'Patient',
    id,
    name: [{ given: [person.given], family: person.family }],
    birthDate: person.birthDate,
    telecom: [{ system: 'phone', value: person.phone, use: 'mobile' }],
  };
}

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';

/** The clinical resource number `i` (1-based) about `subject`, with codes and dates of its own (`seed`). */
function clinical(i: number, subject: string, seed: number): Clinical {
  const ref = { reference: subject };
  const n = seed * 1000 + i;
  const day = new Date(Date.UTC(2000, 0, 1) + ((seed * 7 + i * 31) % 9000) * 86_400_000).toISOString().slice(0, 10);
  const code = (
    system: string,
    value: string,
    display: string
  ): { coding: { system: string; code: string; display: string }[] } => ({
    coding: [{ system, code: value, display }],
  });
  switch (i % 7) {
    case 0:
      return {
        resourceType: 'Condition',
        id: `cond-${i}`,
        subject: ref,
        code: code(SNOMED, String(100000000 + n), `Problem ${i}`),
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
        },
        onsetDateTime: day,
      };
    case 1:
      return {
        resourceType: 'AllergyIntolerance',
        id: `allergy-${i}`,
        patient: ref,
        // Required by FHIR's invariant ait-1, which the server checks.
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }],
        },
        code: code(SNOMED, String(200000000 + n), `Allergy ${i}`),
        recordedDate: day,
      };
    case 2:
      return {
        resourceType: 'MedicationStatement',
        id: `med-${i}`,
        subject: ref,
        status: 'active',
        medicationCodeableConcept: code(
          'http://www.nlm.nih.gov/research/umls/rxnorm',
          String(300000000 + n),
          `Medication ${i}`
        ),
        effectiveDateTime: day,
      };
    case 3:
      return {
        resourceType: 'Observation',
        id: `lab-${i}`,
        status: 'final',
        category: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] },
        ],
        subject: ref,
        code: code(LOINC, `${n}-${i % 10}`, `Lab result ${i}`),
        effectiveDateTime: day,
        valueQuantity: { value: 4 + (i % 9), unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
      };
    case 4:
      return {
        resourceType: 'Observation',
        id: `vital-${i}`,
        status: 'final',
        category: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
        ],
        subject: ref,
        code: code(LOINC, '29463-7', 'Body weight'),
        effectiveDateTime: day,
        valueQuantity: {
          value: 50 + (seed % 997) / 10 + i,
          unit: 'kg',
          system: 'http://unitsofmeasure.org',
          code: 'kg',
        },
      };
    case 5:
      return {
        resourceType: 'Immunization',
        id: `imm-${i}`,
        status: 'completed',
        patient: ref,
        vaccineCode: code('http://hl7.org/fhir/sid/cvx', String(n), `Vaccine ${i}`),
        occurrenceDateTime: day,
      };
    default:
      return {
        resourceType: 'Procedure',
        id: `proc-${i}`,
        status: 'completed',
        subject: ref,
        code: code(SNOMED, String(400000000 + n), `Procedure ${i}`),
        performedDateTime: day,
      };
  }
}

/** A narrative of about `bytes` characters, as IPS resources carry (escaped text, no markup). */
function narrative(bytes: number, i: number): Narrative {
  const sentence = `Entry ${i}: recorded at the clinic visit, reviewed with the patient, no change to the plan. `;
  return {
    status: 'generated',
    div: `<div xmlns="http://www.w3.org/1999/xhtml">${sentence.repeat(Math.max(1, Math.ceil(bytes / sentence.length)))}</div>`,
  };
}

/** A `document`-like Bundle of `count` resources: the Patient first, then clinical ones. */
export function ipsLikeBundle(person: Person, count: number, options: { narrativeBytes?: number } = {}): Bundle {
  const patient = patientOf(person);
  const resources: Resource[] = [patient];
  for (let i = 1; i < count; i++) {
    const resource = clinical(i, `Patient/${patient.id ?? ''}`, person.seed);
    resources.push(options.narrativeBytes ? { ...resource, text: narrative(options.narrativeBytes, i) } : resource);
  }
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: new Date().toISOString(),
    entry: resources.map((resource) => ({ fullUrl: `${resource.resourceType}/${resource.id ?? ''}`, resource })),
  };
}

/** The resource types `ipsLikeBundle` uses: a staff policy must allow them. */
export const IPS_LIKE_TYPES = [
  'Patient',
  'Condition',
  'AllergyIntolerance',
  'MedicationStatement',
  'Observation',
  'Immunization',
  'Procedure',
] as const;
