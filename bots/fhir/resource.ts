import type { Resource } from '@medplum/fhirtypes';

/** Whether a JSON value is a FHIR resource (an object with a `resourceType`). */
export function isResource(value: unknown): value is Resource {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { resourceType?: unknown }).resourceType === 'string'
  );
}
