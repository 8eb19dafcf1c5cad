/**
 * Planning the import of 10,000 resources: ours (planImport: reference rewriting by walking,
 * dedupe keys, tags) against @medplum/core's convertToTransactionBundle on
 * the same input, alternating; each run gets a freshly parsed copy of the input.
 */
import { convertToTransactionBundle } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { PATIENT_DATA_TYPES } from '../../bots/import/patient-data-types';
import { planImport } from '../../bots/import/plan';
import { observationBundle } from './fixtures';
import { alternate } from './measure';

export async function benchTransaction(rounds: number): Promise<{ ours: number; theirs: number; count: number }> {
  const bundle = observationBundle(9999);
  // As resolve returns them: references already Type/id.
  const resources = (bundle.entry ?? []).map((e) => e.resource as Resource);
  for (const r of resources) {
    if (r.resourceType === 'Observation') {
      r.subject = { reference: 'Patient/bench-patient' };
    }
  }
  const text = JSON.stringify(resources);
  const count = resources.length;
  const medians = await alternate(
    {
      ours: () =>
        planImport({
          resources: JSON.parse(text) as Resource[],
          subject: 'Patient/bench-patient',
          target: { reference: 'Patient/existing-1' },
          allowedTypes: PATIENT_DATA_TYPES,
          randomUUID,
          maxAttachmentBytes: 10 * 1024 * 1024,
        }).items.length,
      theirs: () =>
        convertToTransactionBundle({
          resourceType: 'Bundle',
          type: 'collection',
          entry: (JSON.parse(text) as Resource[]).map((resource) => ({ resource })),
        } satisfies Bundle).entry?.length,
    },
    rounds,
    2,
    (name, result) => {
      const expected = name === 'ours' ? count - 1 : count;
      if (result !== expected) {
        throw new Error(`${name} built ${String(result)} entries, expected ${expected}`);
      }
    }
  );
  return { ours: medians.ours, theirs: medians.theirs, count };
}
