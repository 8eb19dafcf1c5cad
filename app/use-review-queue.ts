/**
 * The review queue's data: reviews waiting for staff and followed links with the patients they
 * are for, always read fresh (the bot writes these Tasks, so the client's cache would hide them),
 * and the state changes staff make, all through the Task vocabulary of `bots/import/tasks.ts`.
 */
import type { Patient, Reference, Task } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react-hooks';
import { useCallback, useEffect, useState } from 'react';
import type { PollReport } from '../bots/contract';
import { completeReview, followedLinksQuery, stopFollowing, waitingReviewsQuery } from '../bots/import/tasks';
import type { BotRef } from './bot-client';
import { checkFollowedNow } from './bot-client';

/** Tasks listed at once (a Medplum search returns 20 unless asked). */
export const QUEUE_SIZE = 100;

export interface ReviewQueue {
  reviews: Task[];
  followed: Task[];
  /** The patients the Tasks are for (`Patient/<id>`), those the user may read. */
  patients: ReadonlyMap<string, Patient>;
  /** The patient a review is for, if it names one the user may read. */
  patientOf: (task: Task) => Promise<Patient | undefined>;
  complete: (task: Task, patient: Reference) => Promise<void>;
  stopFollowing: (task: Task) => Promise<void>;
  checkNow: (task: Task) => Promise<PollReport>;
}

export function useReviewQueue(bot: BotRef): ReviewQueue {
  const medplum = useMedplum();
  const [reviews, setReviews] = useState<Task[]>([]);
  const [followed, setFollowed] = useState<Task[]>([]);
  const [patients, setPatients] = useState<ReadonlyMap<string, Patient>>(new Map());

  const reload = useCallback(async (): Promise<void> => {
    const fresh = { cache: 'no-cache' } as const;
    const [waiting, following] = await Promise.all([
      medplum.searchResources('Task', waitingReviewsQuery(QUEUE_SIZE), fresh).catch(() => []),
      medplum.searchResources('Task', followedLinksQuery(QUEUE_SIZE), fresh).catch(() => []),
    ]);
    const ids = [...waiting, ...following].flatMap((t) =>
      t.for?.reference?.startsWith('Patient/') ? [t.for.reference.slice('Patient/'.length)] : []
    );
    const found =
      ids.length > 0
        ? await medplum
            .searchResources('Patient', { _id: [...new Set(ids)].join(','), _count: String(2 * QUEUE_SIZE) }, fresh)
            .catch(() => [])
        : [];
    setReviews(waiting);
    setFollowed(following);
    setPatients(new Map(found.map((p) => [`Patient/${p.id}`, p])));
  }, [medplum]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return {
    reviews,
    followed,
    patients,
    patientOf: async (task) => {
      const reference = task.for?.reference;
      return reference?.startsWith('Patient/')
        ? medplum.readReference<Patient>({ reference }).catch(() => undefined)
        : undefined;
    },
    complete: async (task, patient) => {
      await medplum.updateResource(completeReview(task, patient));
      await reload();
    },
    stopFollowing: async (task) => {
      await medplum.updateResource(stopFollowing(task, 'staff'));
      await reload();
    },
    checkNow: async (task) => {
      try {
        return await checkFollowedNow(medplum, bot, `Task/${task.id ?? ''}`);
      } finally {
        await reload();
      }
    },
  };
}
