/**
 * Matching against Medplum's in-memory FHIR server: our own candidate searches (always, within
 * their budget), the server's `Patient/$match` on top when it exists, and the bot's resolve
 * filling `matches`.
 */
import { allOk, ReadablePromise } from '@medplum/core';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { findMatches, MAX_CANDIDATE_SEARCHES, SEARCH_LIMITS } from '../bots/matching/match';
import { createBotHarness, ok } from './support/bot';
import { createFhirServer } from '../local/fhir-server';
import { ShlSender } from '../local/shl-sender';

const incoming: Patient = {
  resourceType: 'Patient',
  id: 'incoming-1',
  name: [{ family: 'Núñez', given: ['Robert'] }],
  birthDate: '1980-04-12',
  telecom: [
    { system: 'phone', value: '+1 617 555 0142' },
    { system: 'email', value: 'Robert.Nunez@Example.com' },
  ],
  address: [{ line: ['12 Main St'], city: 'Boston', state: 'MA', postalCode: '02118' }],
};

async function seed(medplum: MockClient): Promise<Record<string, Patient>> {
  const create = (p: Omit<Patient, 'resourceType'>): Promise<Patient> =>
    medplum.createResource({ resourceType: 'Patient', ...p });
  return {
    // Stored phone in another format, no accents, upper-case email: only a wide search finds it.
    same: await create({
      name: [{ family: 'NUNEZ', given: ['Bob'] }],
      birthDate: '1980-04-12',
      telecom: [{ system: 'phone', value: '(617) 555-0142' }],
    }),
    twin: await create({
      name: [{ family: 'Nunez', given: ['Maria'] }],
      birthDate: '1980-04-12',
      telecom: [{ system: 'phone', value: '(617) 555-0142' }],
    }),
    other: await create({ name: [{ family: 'Smith', given: ['Alice'] }], birthDate: '1990-01-01' }),
  };
}

describe('findMatches without Patient/$match', () => {
  test('wide searches reach the stored record; the comparator grades it', async () => {
    const medplum = createFhirServer();
    const seeded = await seed(medplum);
    const result = await findMatches(medplum, incoming);
    expect(result.via).toBe('searches');
    expect(result.matches.map((m) => [m.patient.id, m.grade])).toEqual([
      [seeded.same?.id, 'probable'],
      [seeded.twin?.id, 'possible'],
    ]);
    expect(result.matches[0]?.basis).toMatch(/first name \(close\).*birth date.*phone/);
  });

  test('a swapped day and month is still found', async () => {
    const medplum = createFhirServer();
    const stored = await medplum.createResource<Patient>({
      resourceType: 'Patient',
      name: [{ family: 'Nunez', given: ['Robert'] }],
      birthDate: '1980-12-04',
    });
    const result = await findMatches(medplum, { ...incoming, birthDate: '1980-04-12', telecom: [], address: [] });
    expect(result.matches[0]?.patient.id).toBe(stored.id);
  });
});

describe('candidate searches are budgeted', () => {
  test('a Patient with 3,000 names and hundreds of phones, emails and identifiers makes at most MAX_CANDIDATE_SEARCHES searches, 4 at a time', async () => {
    const medplum = createFhirServer();
    const seeded = await seed(medplum);
    let running = 0;
    let mostAtOnce = 0;
    const search = medplum.searchResources.bind(medplum);
    const spy = vi.spyOn(medplum, 'searchResources').mockImplementation(
      (...args) =>
        new ReadablePromise(
          (async () => {
            running++;
            mostAtOnce = Math.max(mostAtOnce, running);
            await new Promise((resolve) => setTimeout(resolve, 5));
            try {
              return await search(...args);
            } finally {
              running--;
            }
          })()
        )
    );
    const pathological: Patient = {
      ...incoming,
      name: [
        ...(incoming.name ?? []),
        ...Array.from({ length: 3000 }, (_, i) => ({ family: `Family${i}`, given: [`Given${i}`] })),
      ],
      telecom: [
        ...(incoming.telecom ?? []),
        ...Array.from({ length: 500 }, (_, i) => ({
          system: 'phone' as const,
          value: `617555${String(i).padStart(4, '0')}`,
        })),
        ...Array.from({ length: 500 }, (_, i) => ({ system: 'email' as const, value: `person${i}@example.com` })),
      ],
      identifier: Array.from({ length: 500 }, (_, i) => ({
        system: 'https://registry.example/id',
        value: String(i),
        type: { coding: [{ code: 'MR' }] },
      })),
    };
    const queries: Patient[] = [];
    medplum.router.add('POST', 'Patient/$match', (req) => {
      queries.push((req.body as { resource: Patient }).resource);
      return Promise.resolve([allOk, { resourceType: 'Bundle', type: 'searchset', entry: [] }]);
    });
    const result = await findMatches(medplum, pathological);
    expect(result.via).toBe('match-operation');
    expect(queries[0]?.name).toHaveLength(SEARCH_LIMITS.names);
    expect(queries[0]?.identifier?.length).toBeLessThanOrEqual(SEARCH_LIMITS.identifiers);
    expect(queries[0]?.telecom?.length).toBeLessThanOrEqual(2 * SEARCH_LIMITS.phones + SEARCH_LIMITS.emails);
    expect(MAX_CANDIDATE_SEARCHES).toBe(17);
    expect(spy.mock.calls.length).toBeGreaterThan(5);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(MAX_CANDIDATE_SEARCHES);
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(SEARCH_LIMITS.concurrency);
    const searchedFamilies = spy.mock.calls
      .map(([, params]) => (params as Record<string, string>).family)
      .filter(Boolean);
    // Each name as family, its given name as family (names swapped), and the accent-folded family.
    expect(new Set(searchedFamilies).size).toBeLessThanOrEqual(3 * SEARCH_LIMITS.names);
    const phoneSearch = spy.mock.calls.map(([, params]) => (params as Record<string, string>).phone).find(Boolean);
    expect(phoneSearch?.split(',').length).toBeLessThanOrEqual(7 * SEARCH_LIMITS.phones);
    // The budget still reaches the stored record.
    expect(result.matches[0]?.patient.id).toBe(seeded.same?.id);
  });
});

describe('findMatches with Patient/$match', () => {
  test('the server operation adds candidates and verdicts; our own searches run too; our comparator grades them', async () => {
    const medplum = createFhirServer();
    const seeded = await seed(medplum);
    const requests: unknown[] = [];
    medplum.router.add('POST', 'Patient/$match', (req) => {
      requests.push(req.body);
      const bundle: Bundle<Patient> = {
        resourceType: 'Bundle',
        type: 'searchset',
        // The server's top candidates only: the twin the searches find is not among them.
        entry: [seeded.other, seeded.same].map((resource) => ({
          resource,
          search: {
            mode: 'match',
            score: 1,
            extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/match-grade', valueCode: 'certain' }],
          },
        })),
      };
      return Promise.resolve([allOk, bundle]);
    });
    const result = await findMatches(medplum, incoming);
    expect(result.via).toBe('match-operation');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ onlyCertainMatches: false, count: 5, resource: { resourceType: 'Patient' } });
    expect((requests[0] as { resource: Patient }).resource).not.toHaveProperty('id');
    // The server called both certain; ours keeps only the real one, as probable, and adds what the searches found.
    expect(result.matches.map((m) => [m.patient.id, m.grade, m.server?.grade])).toEqual([
      [seeded.same?.id, 'probable', 'certain'],
      [seeded.twin?.id, 'possible', undefined],
    ]);
  });
});

describe('resolve fills matches', () => {
  let sender: ShlSender;
  beforeAll(async () => {
    sender = await ShlSender.start();
  });
  afterAll(async () => {
    await sender.close();
  });

  test('a link for a patient already on the server answers a certain match', async () => {
    const medplum = createFhirServer();
    const stored = await medplum.createResource<Patient>({
      resourceType: 'Patient',
      name: [{ family: 'Nunez', given: ['Robert'] }],
      birthDate: '1980-04-12',
      telecom: [{ system: 'phone', value: '617-555-0142' }],
    });
    const bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host }, medplum);
    const link = await sender.createLink({
      files: [{ content: JSON.stringify(incoming), contentType: 'application/fhir+json' }],
    });
    const result = ok(await bot.resolve(link.shl));
    expect(result.patient?.id).toBe('incoming-1');
    expect(result.matches).toHaveLength(1);
    expect(result.matches[0]).toMatchObject({ grade: 'certain', score: 1, patient: { id: stored.id } });
    expect(result.matches[0]?.basis).toMatch(/CMS rule/);
  });
});
