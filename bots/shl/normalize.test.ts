import type { Bundle, Coverage, Observation, Patient, Resource } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { readFixture } from '../../test/support/fixtures';
import { describe, expect, test } from 'vitest';
import type { ResourceGroup } from './bundle-entries';
import { collectGroups } from './bundle-entries';
import { typeIdTail } from '../fhir/type-id';
import { normalizeResources } from './normalize';
import { chooseSubject } from '../fhir/subject';

const readJson = (path: string): unknown => JSON.parse(readFixture(path));

function counter(): () => string {
  let n = 0;
  return () => `new-${++n}`;
}

/** Every `reference` string in a tree. */
function references(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    node.forEach((item) => references(item, out));
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'reference' && typeof value === 'string') {
        out.push(value);
      } else {
        references(value, out);
      }
    }
  }
  return out;
}

function normalize(...contents: unknown[]): Resource[] {
  const groups = contents.flatMap((c) => collectGroups(c) ?? []);
  return normalizeResources(groups, counter()).flat();
}

function keyOf(resource: Resource): string {
  return `${resource.resourceType}/${resource.id ?? ''}`;
}

describe('collectGroups', () => {
  test('a lone resource is one group; non-FHIR content is undefined', () => {
    expect(collectGroups({ resourceType: 'Patient' })).toEqual([
      { entries: [{ resource: { resourceType: 'Patient' } }] },
    ]);
    expect(collectGroups({ foo: 1 })).toBeUndefined();
    expect(collectGroups([{ resourceType: 'Patient' }])).toBeUndefined();
    expect(collectGroups('Patient')).toBeUndefined();
  });

  test('nested Bundles become groups of their own; outcome entries and empty entries are skipped', () => {
    const groups = collectGroups({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient', id: 'a' } },
        { resource: { resourceType: 'OperationOutcome' }, search: { mode: 'outcome' } },
        {},
        null,
        {
          resource: {
            resourceType: 'Bundle',
            type: 'collection',
            entry: [{ fullUrl: 'resource:0', resource: { resourceType: 'Immunization' } }],
          },
        },
      ],
    });
    expect(groups?.map((g) => g.entries.map((e) => [e.fullUrl, e.resource.resourceType]))).toEqual([
      [['urn:uuid:1', 'Patient']],
      [['resource:0', 'Immunization']],
    ]);
  });
});

describe('normalizeResources', () => {
  test('IPS fixture: every one of its Type/id references resolves within the set', () => {
    const bundle = readJson('ips-example/bundle.json') as Bundle;
    const resources = normalize(bundle);
    expect(resources).toHaveLength(20);
    const keys = new Set(resources.map(keyOf));
    expect(keys.size).toBe(20);
    const refs = references(resources).filter((r) => !r.startsWith('#'));
    expect(refs.length).toBeGreaterThanOrEqual(40);
    expect(refs.filter((r) => !keys.has(r))).toEqual([]);
    // The ids were valid and unique: kept as they came.
    expect(resources.find((r) => r.resourceType === 'Patient')?.id).toBe('2b90dd2b-2dab-4c75-9bb9-a355e07401e8');
  });

  test('IPS all sections: absolute fullUrls with relative references', () => {
    const bundle = readJson('ips-all-sections.json') as Bundle;
    const resources = normalize(bundle);
    const keys = new Set(resources.map(keyOf));
    expect(keys.size).toBe(resources.length);
    const dangling = references(resources).filter((r) => !r.startsWith('#') && !keys.has(r));
    // Whatever does not resolve pointed at nothing in the bundle to begin with.
    const fullUrls = new Set((bundle.entry ?? []).map((e) => e.fullUrl));
    for (const ref of dangling) {
      expect(fullUrls.has(ref)).toBe(false);
      expect([...fullUrls].some((url) => url?.endsWith(`/${ref}`))).toBe(false);
    }
  });

  test('CARIN health card: resource:N references resolve by fullUrl, not entry order', () => {
    const payload = readJson('shc-carin-example/credential-payload.json') as {
      vc: { credentialSubject: { fhirBundle: Bundle } };
    };
    const resources = normalize(payload.vc.credentialSubject.fhirBundle);
    const coverage = resources.find((r): r is Coverage => r.resourceType === 'Coverage');
    const patients = resources.filter((r): r is Patient => r.resourceType === 'Patient');
    const byRef = (ref: string | undefined): Patient | undefined => patients.find((p) => keyOf(p) === ref);
    expect(byRef(coverage?.subscriber?.reference)?.name?.[0]?.given?.[0]).toBe('John');
    expect(byRef(coverage?.beneficiary.reference)?.name?.[0]?.given?.[0]).toBe('Jane');
    expect(resources.every((r) => typeof r.id === 'string')).toBe(true);
    expect(chooseSubject(resources).patient?.name?.[0]?.given?.[0]).toBe('Jane');
    expect(chooseSubject(resources).others.map((p) => p.name?.[0]?.given?.[0])).toEqual(['John']);
  });

  test('an id colliding across files is renamed; each file keeps pointing at its own', () => {
    const file = (name: string): Bundle => ({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111',
          resource: { resourceType: 'Patient', id: 'p1', name: [{ family: name }] },
        },
        {
          resource: {
            resourceType: 'Observation',
            id: `o-${name}`,
            status: 'final',
            code: {},
            subject: { reference: 'Patient/p1' },
          },
        },
        {
          resource: {
            resourceType: 'Observation',
            id: `u-${name}`,
            status: 'final',
            code: {},
            subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
          },
        },
      ],
    });
    const resources = normalize(file('First'), file('Second'));
    expect(resources.map(keyOf)).toEqual([
      'Patient/p1',
      'Observation/o-First',
      'Observation/u-First',
      'Patient/new-1',
      'Observation/o-Second',
      'Observation/u-Second',
    ]);
    expect(resources.map((r) => (r as Observation).subject?.reference)).toEqual([
      undefined,
      'Patient/p1',
      'Patient/p1',
      undefined,
      'Patient/new-1',
      'Patient/new-1',
    ]);
  });

  test('absolute references with the same tail and _history suffixes resolve; dangling ones stay', () => {
    const resources = normalize({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'https://ehr.example/fhir/Patient/abc', resource: { resourceType: 'Patient' } },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: {},
            subject: { reference: 'https://other.example/Patient/abc/_history/3' },
            performer: [{ reference: 'Practitioner/nowhere', display: 'Dr. Who' }],
            specimen: { reference: 'urn:uuid:99999999-9999-4999-8999-999999999999' },
          },
        },
      ],
    });
    expect(resources[0]?.id).toBe('new-1');
    expect(resources[1]).toMatchObject({
      subject: { reference: 'Patient/new-1' },
      performer: [{ reference: 'Practitioner/nowhere', display: 'Dr. Who' }],
      specimen: { reference: 'urn:uuid:99999999-9999-4999-8999-999999999999' },
    });
  });

  test('contained resources and #id references stay; references inside contained and extensions are rewritten', () => {
    const resources = normalize({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000001',
          resource: { resourceType: 'Patient', id: 'bad id!' },
        },
        {
          resource: {
            resourceType: 'MedicationRequest',
            status: 'active',
            intent: 'order',
            contained: [
              {
                resourceType: 'Medication',
                id: 'med',
                extension: [
                  { url: 'x', valueReference: { reference: 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000001' } },
                ],
              },
            ],
            medicationReference: { reference: '#med' },
            subject: { reference: 'urn:uuid:aaaaaaaa-0000-4000-8000-000000000001' },
            extension: [{ url: 'y', valueReference: { reference: 'Patient/bad id!' } }],
          },
        },
      ],
    });
    expect(resources[0]?.id).toBe('new-1');
    expect(resources[1]).toMatchObject({
      contained: [{ id: 'med', extension: [{ valueReference: { reference: 'Patient/new-1' } }] }],
      medicationReference: { reference: '#med' },
      subject: { reference: 'Patient/new-1' },
      extension: [{ valueReference: { reference: 'Patient/new-1' } }],
    });
  });

  test('property: ids are unique and every reference that named a resource names one after', () => {
    const types = ['Patient', 'Observation', 'Condition'];
    const entry = fc.record({
      type: fc.constantFrom(...types),
      id: fc.option(fc.constantFrom('a', 'b', 'c', 'bad id'), { nil: undefined }),
      fullUrl: fc.option(fc.constantFrom('urn:uuid:1', 'urn:uuid:2', 'resource:0', 'https://x.example/Patient/a'), {
        nil: undefined,
      }),
      ref: fc.constantFrom(
        'Patient/a',
        'Observation/b',
        'urn:uuid:1',
        'resource:0',
        'Patient/zzz',
        '#c',
        'https://y.example/Condition/c'
      ),
    });
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 6 }), { maxLength: 4 }), (files) => {
        const groups: ResourceGroup[] = files.map((file) => ({
          entries: file.map((e) => ({
            ...(e.fullUrl !== undefined && { fullUrl: e.fullUrl }),
            resource: {
              resourceType: e.type,
              ...(e.id !== undefined && { id: e.id }),
              extension: [{ url: 'r', valueReference: { reference: e.ref } }],
            } as Resource,
          })),
        }));
        const named = new Set<string>();
        for (const file of files) {
          for (const e of file) {
            if (e.fullUrl) named.add(e.fullUrl);
            if (e.id) named.add(`${e.type}/${e.id}`);
            const tail = e.fullUrl ? typeIdTail(e.fullUrl) : undefined;
            if (tail && tail.type === e.type) named.add(`${tail.type}/${tail.id}`);
          }
        }
        const out = normalizeResources(groups, counter()).flat();
        const keys = new Set(out.map(keyOf));
        expect(keys.size).toBe(out.length);
        files.flat().forEach((e, i) => {
          const after = references(out[i])[0] as string;
          const tail = typeIdTail(e.ref);
          const resolvable = named.has(e.ref) || (tail !== undefined && named.has(`${tail.type}/${tail.id}`));
          if (resolvable) {
            expect(keys.has(after)).toBe(true);
          } else {
            expect(after).toBe(e.ref);
          }
        });
      }),
      { numRuns: 500 }
    );
  });
});

describe('typeIdTail', () => {
  test.each([
    ['Patient/1', { type: 'Patient', id: '1' }],
    ['https://a.example/fhir/Observation/x-1', { type: 'Observation', id: 'x-1' }],
    ['Patient/1/_history/2', { type: 'Patient', id: '1' }],
    ['urn:uuid:1234', undefined],
    ['resource:0', undefined],
    ['patient/1', undefined],
    ['Patient/', undefined],
    ['/1', undefined],
  ])('%s', (reference, expected) => {
    expect(typeIdTail(reference)).toEqual(expected);
  });
});
