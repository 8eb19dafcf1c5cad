/**
 * The pages' tests: a MockClient whose `Bot/:id/$execute` answers like the bot, a resolve answer
 * to start from, and a render helper.
 */
import { MantineProvider } from '@mantine/core';
import { allOk } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { MedplumProvider } from '@medplum/react-hooks';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import type { ResolveOutput } from '../../bots/contract';

/** A valid P-256 public key (RFC 7515 appendix A.3); the pages seal to it. */
export const PUBLIC_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  kid: 'test',
};

/**
 * Answers `public-key` with PUBLIC_JWK and everything else with `answer` (or what its promise
 * gives, when it answers later); records every input.
 */
export function fakeBot(
  medplum: MockClient,
  answer: (input: Record<string, unknown>) => unknown
): Record<string, unknown>[] {
  const inputs: Record<string, unknown>[] = [];
  medplum.router.add('POST', 'Bot/:id/$execute', async (req) => {
    const input = req.body as Record<string, unknown>;
    inputs.push(input);
    const output = input.operation === 'public-key' ? { jwk: PUBLIC_JWK } : await answer(input);
    return [allOk, output as never];
  });
  return inputs;
}

export function renderWith(medplum: MockClient, page: ReactNode): void {
  render(
    <MedplumProvider medplum={medplum}>
      <MantineProvider>{page}</MantineProvider>
    </MedplumProvider>
  );
}

/** The incoming patient of `resolved()`. */
export const patient: Patient = {
  resourceType: 'Patient',
  id: 'in',
  name: [{ given: ['Jessica'], family: 'Argonaut' }],
  birthDate: '1985-03-15',
};

/** A resolve answer: the incoming patient and an Asthma Condition, from a plain link. */
export function resolved(overrides: Partial<ResolveOutput> = {}): ResolveOutput {
  return {
    source: {
      label: 'Visit',
      origin: 'https://sender.example',
      flags: '',
      retrievedAt: '2026-11-24T00:00:00Z',
      linkId: 'a'.repeat(64),
    },
    files: [{ contentType: 'application/fhir+json', status: 'ok', resourceCount: 2 }],
    resources: [
      patient,
      {
        resourceType: 'Condition',
        id: 'c1',
        subject: { reference: 'Patient/in' },
        code: { text: 'Asthma' },
        onsetDateTime: '2015-06-01',
      },
    ],
    patient,
    matches: [],
    healthCards: [],
    warnings: [],
    ...overrides,
  };
}
