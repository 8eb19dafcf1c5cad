/** The JSON walk: every object visited once, depth bounded, literal references told from `#id`. */
import { describe, expect, test } from 'vitest';
import { isShlError } from '../shl/errors';
import { checkDepth, literalReference, MAX_JSON_DEPTH, visitObjects } from './json-walk';

/** `{ a: { a: … { leaf: 1 } } }`, `levels` objects deep below the root. */
function nested(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < levels; i++) {
    node = { a: node };
  }
  return node;
}

/** The error `run` throws, or undefined. */
function thrownBy(run: () => void): unknown {
  try {
    run();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('visitObjects', () => {
  test('visits every object, in arrays and nested, depth first, and nothing else', () => {
    const tree = {
      id: 'root',
      list: [{ id: 'a', inner: { id: 'b' } }, 'text', 3, null, [{ id: 'c' }]],
      child: { id: 'd' },
      empty: null,
    };
    const seen: unknown[] = [];
    visitObjects(tree, (object) => seen.push(object.id));
    expect(seen).toEqual(['root', 'a', 'b', 'c', 'd']);
  });

  test('an array at the top is walked, not visited', () => {
    const seen: unknown[] = [];
    visitObjects([{ id: 'x' }, [{ id: 'y' }], 'z'], (object) => seen.push(object.id));
    expect(seen).toEqual(['x', 'y']);
  });

  test(`a tree ${MAX_JSON_DEPTH} levels deep is walked; one level more is too-large`, () => {
    let count = 0;
    visitObjects(nested(MAX_JSON_DEPTH), () => count++);
    expect(count).toBe(MAX_JSON_DEPTH + 1);
    const err = thrownBy(() => visitObjects(nested(MAX_JSON_DEPTH + 1), () => undefined));
    expect(isShlError(err) && err.code).toBe('too-large');
    expect((err as Error).message).toBe(
      `The data is nested more than ${MAX_JSON_DEPTH} levels deep, which no health record is: it was not read.`
    );
  });

  test('arrays count as levels too', () => {
    let node: unknown = { leaf: 1 };
    for (let i = 0; i <= MAX_JSON_DEPTH; i++) {
      node = [node];
    }
    expect(isShlError(thrownBy(() => visitObjects(node as object, () => undefined)))).toBe(true);
  });
});

describe('checkDepth', () => {
  test(`${MAX_JSON_DEPTH} levels pass, one more is too-large, arrays and objects alike; scalars pass`, () => {
    expect(() => checkDepth(nested(MAX_JSON_DEPTH))).not.toThrow();
    const err = thrownBy(() => checkDepth(nested(MAX_JSON_DEPTH + 1)));
    expect(isShlError(err) && err.code).toBe('too-large');
    let list: unknown = [1];
    for (let i = 0; i < MAX_JSON_DEPTH; i++) {
      list = [list, 'x', null];
    }
    expect(() => checkDepth(list)).not.toThrow();
    expect(isShlError(thrownBy(() => checkDepth([list])))).toBe(true);
    for (const scalar of [null, undefined, 1, 'text', true]) {
      expect(() => checkDepth(scalar)).not.toThrow();
    }
  });

  test('a deep branch beside a shallow one is found', () => {
    expect(isShlError(thrownBy(() => checkDepth({ shallow: { a: 1 }, deep: nested(MAX_JSON_DEPTH) })))).toBe(true);
  });

  test('far deeper than the stack allows: too-large, not a stack overflow', () => {
    const err = thrownBy(() => checkDepth(nested(200_000)));
    expect(isShlError(err) && err.code).toBe('too-large');
  });
});

describe('literalReference', () => {
  test('a reference to another resource, not to a contained one, nor an empty or non-text one', () => {
    expect(literalReference({ reference: 'Patient/1' })).toBe('Patient/1');
    expect(literalReference({ reference: 'urn:uuid:0a' })).toBe('urn:uuid:0a');
    expect(literalReference({ reference: '#contained' })).toBeUndefined();
    expect(literalReference({ reference: '' })).toBeUndefined();
    expect(literalReference({ reference: 42 })).toBeUndefined();
    expect(literalReference({ display: 'Dr. A' })).toBeUndefined();
  });
});
