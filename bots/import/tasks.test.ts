/**
 * The Task vocabulary that following a link relies on: which Tasks are of a kind, and the
 * fingerprints that tell a poll what is new, changed or gone.
 */
import type { Observation, Task } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import {
  compareFingerprints,
  fingerprint,
  fingerprintList,
  FOLLOW_TASK_CODE,
  hasCode,
  parseFingerprints,
  REVIEW_TASK_CODE,
  waitingReviewsQuery,
} from './tasks';

function task(coding: Task['code']): Task {
  return { resourceType: 'Task', status: 'in-progress', intent: 'order', ...(coding && { code: coding }) };
}

function observation(value: number): Observation {
  return { resourceType: 'Observation', status: 'final', code: { text: 'weight' }, valueQuantity: { value } };
}

describe('hasCode', () => {
  test('any one of the codings decides; system and code must both match; no code is no kind', () => {
    expect(hasCode(task({ coding: [{ system: 'urn:other', code: 'x' }, FOLLOW_TASK_CODE] }), FOLLOW_TASK_CODE)).toBe(
      true
    );
    expect(hasCode(task({ coding: [{ system: 'urn:other', code: FOLLOW_TASK_CODE.code }] }), FOLLOW_TASK_CODE)).toBe(
      false
    );
    expect(hasCode(task({ coding: [REVIEW_TASK_CODE] }), FOLLOW_TASK_CODE)).toBe(false);
    expect(hasCode(task(undefined), FOLLOW_TASK_CODE)).toBe(false);
  });
});

describe('waitingReviewsQuery', () => {
  test('the requested review Tasks, whoever has waited longest first', () => {
    expect(waitingReviewsQuery(20)).toEqual({
      code: `${REVIEW_TASK_CODE.system}|${REVIEW_TASK_CODE.code}`,
      status: 'requested',
      _sort: 'authored-on',
      _count: '20',
    });
  });
});

describe('fingerprints', () => {
  test('a list does not depend on the order the link shares its resources in', () => {
    const [a, b] = [observation(70), observation(71)];
    expect(fingerprintList([a, b])).toBe(fingerprintList([b, a]));
    expect(fingerprintList([a, b]).split(' ')).toHaveLength(2);
  });

  test('no stored list, or an empty one, holds no fingerprint', () => {
    expect(parseFingerprints(undefined).size).toBe(0);
    expect(parseFingerprints('').size).toBe(0);
    expect([...parseFingerprints(fingerprintList([observation(70)]))]).toEqual([fingerprint(observation(70))]);
  });

  test('what is new is what was not seen; what was seen and is no longer shared is gone', () => {
    const [kept, added, gone] = [observation(70), observation(71), observation(72)];
    const compared = compareFingerprints([kept, added], parseFingerprints(fingerprintList([kept, gone])));
    expect(compared).toMatchObject({ added: 1, removed: 1 });
    expect(compared.isNew(added)).toBe(true);
    expect(compared.isNew(kept)).toBe(false);
  });
});
