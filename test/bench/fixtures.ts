/** Synthetic content for benchmarks: a Patient and N Observations in one collection Bundle. */
import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';

export function observationBundle(count: number): Bundle {
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'bench-patient',
    name: [{ family: 'Argonaut', given: ['Jessica'] }],
    birthDate: '1985-03-15',
  };
  const observations = Array.from({ length: count }, (_, i): Observation => {
    const minutes = i * 5;
    return {
      resourceType: 'Observation',
      id: `glucose-${i}`,
      status: 'final',
      category: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }] },
      subject: { reference: 'urn:uuid:5b1c6a55-6f5e-4b5a-9a3c-2b8f1b0e0001' },
      effectiveDateTime: new Date(Date.UTC(2026, 0, 1) + minutes * 60_000).toISOString(),
      valueQuantity: { value: 80 + (i % 70), unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    };
  });
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: '2026-11-01T00:00:00Z',
    entry: [
      { fullUrl: 'urn:uuid:5b1c6a55-6f5e-4b5a-9a3c-2b8f1b0e0001', resource: patient },
      ...observations.map((resource, i) => ({
        fullUrl: `urn:uuid:5b1c6a55-6f5e-4b5a-9a3c-${(i + 2).toString(16).padStart(12, '0')}`,
        resource,
      })),
    ],
  };
}
