/** The pages' tests: a MockClient whose `Bot/:id/$execute` answers like the bot, and a render helper. */
import { MantineProvider } from '@mantine/core';
import { allOk, badRequest } from '@medplum/core';
import type { MockClient } from '@medplum/mock';
import { MedplumProvider } from '@medplum/react-hooks';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { failedRun, failedRunBody } from '../../bots/failed-run';

/** A valid P-256 public key (RFC 7515 appendix A.3); the pages seal to it. */
export const PUBLIC_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  kid: 'test',
};

/**
 * Answers `public-key` with PUBLIC_JWK and everything else with `answer`; records every input. An
 * `{ error }` answer is a failed run, sent as Medplum's server sends one: HTTP 400 with an
 * OperationOutcome that carries the contract's `error`.
 */
export function fakeBot(
  medplum: MockClient,
  answer: (input: Record<string, unknown>) => unknown
): Record<string, unknown>[] {
  const inputs: Record<string, unknown>[] = [];
  medplum.router.add('POST', 'Bot/:id/$execute', (req) => {
    const input = req.body as Record<string, unknown>;
    inputs.push(input);
    const output = input.operation === 'public-key' ? { jwk: PUBLIC_JWK } : answer(input);
    const error = failedRunBody(output);
    if (error) {
      const outcome = JSON.parse(JSON.stringify(failedRun(error))) as never;
      return Promise.resolve([badRequest(error.message), outcome]);
    }
    return Promise.resolve([allOk, output as never]);
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
