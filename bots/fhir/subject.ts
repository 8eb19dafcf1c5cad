/**
 * The incoming patient: the Patient the other resources name most often as `subject`,
 * `patient` or `beneficiary` (an insurance card also carries the subscriber as a second
 * Patient). Ties, and content that names no Patient, go to the first Patient.
 */
import type { Patient, Resource } from '@medplum/fhirtypes';

const SUBJECT_FIELDS = ['subject', 'patient', 'beneficiary'] as const;

export interface Subject {
  patient?: Patient;
  /** The other Patients in the set. */
  others: Patient[];
}

/** Chooses the subject among normalized resources (references already `Patient/id`). */
export function chooseSubject(resources: Resource[]): Subject {
  const patients = resources.filter((r): r is Patient => r.resourceType === 'Patient');
  if (patients.length <= 1) {
    return { patient: patients[0], others: [] };
  }
  const counts = new Map<string, number>();
  for (const resource of resources) {
    for (const field of SUBJECT_FIELDS) {
      const value = (resource as unknown as Record<string, { reference?: unknown } | undefined>)[field];
      const reference = value?.reference;
      if (typeof reference === 'string' && reference.startsWith('Patient/')) {
        counts.set(reference, (counts.get(reference) ?? 0) + 1);
      }
    }
  }
  let best = patients[0] as Patient;
  let bestCount = counts.get(`Patient/${best.id ?? ''}`) ?? 0;
  for (const candidate of patients) {
    const count = counts.get(`Patient/${candidate.id ?? ''}`) ?? 0;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return { patient: best, others: patients.filter((p) => p !== best) };
}
