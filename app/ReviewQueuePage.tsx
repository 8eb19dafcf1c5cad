/**
 * The staff review queue: check-ins the kiosk could not import by itself and new content of
 * followed links (Tasks holding the sealed input). Opening one runs the normal flow; importing
 * completes the Task. Followed links are listed too, and staff can stop following them.
 */
import { Alert, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { Patient, Task } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react-hooks';
import type { JSX } from 'react';
import { useCallback, useEffect, useState } from 'react';
import { CHECK_IN_TASK_CODE, SEALED_INPUT, taskInput } from '../bots/import/check-in';
import { FOLLOW_TASK_CODE, nextPollOf, SEEN_INPUT } from '../bots/import/follow';
import type { BotRef } from './bot-client';
import { BotError, checkFollowedNow } from './bot-client';
import { errorTitle } from './error-messages';
import { ShlImportPage } from './ShlImportPage';

/** Tasks listed at once (a Medplum search returns 20 unless asked). */
const LIST_SIZE = 100;

export function ReviewQueuePage({ bot }: { bot: BotRef }): JSX.Element {
  const medplum = useMedplum();
  const [tasks, setTasks] = useState<Task[]>([]);
  const [followed, setFollowed] = useState<Task[]>([]);
  const [open, setOpen] = useState<{ task: Task; patient?: Patient }>();
  const [checking, setChecking] = useState<string>();
  const [notice, setNotice] = useState<{ color: 'red' | 'blue'; text: string }>();

  const load = useCallback(() => {
    // The bot writes these Tasks (kiosk, polls): never answer from the client's cache.
    const fresh = { cache: 'no-cache' } as const;
    medplum
      .searchResources(
        'Task',
        {
          code: `${CHECK_IN_TASK_CODE.system}|${CHECK_IN_TASK_CODE.code}`,
          status: 'requested',
          // Oldest first: whoever has waited longest is seen first.
          _sort: 'authored-on',
          _count: String(LIST_SIZE),
        },
        fresh
      )
      .then(setTasks)
      .catch(() => setTasks([]));
    medplum
      .searchResources(
        'Task',
        {
          code: `${FOLLOW_TASK_CODE.system}|${FOLLOW_TASK_CODE.code}`,
          status: 'in-progress',
          _count: String(LIST_SIZE),
        },
        fresh
      )
      .then(setFollowed)
      .catch(() => setFollowed([]));
  }, [medplum]);

  useEffect(load, [load]);

  const checkNow = (task: Task): void => {
    setChecking(task.id);
    setNotice(undefined);
    checkFollowedNow(medplum, bot, `Task/${task.id}`)
      .then((report) =>
        setNotice({
          color: 'blue',
          text:
            report.queued > 0
              ? 'New content was found and is listed above for review.'
              : report.imported > 0
                ? `New content was found and imported (${report.imported} new).`
                : report.stopped > 0
                  ? 'The sender no longer shares this link; it is no longer followed.'
                  : 'Checked: nothing new since the last check.',
        })
      )
      .catch((err: unknown) =>
        setNotice({
          color: 'red',
          text: err instanceof BotError ? `${errorTitle(err.error.code)}. ${err.error.message}` : 'The check failed.',
        })
      )
      .finally(() => {
        setChecking(undefined);
        load();
      });
  };

  /** Opens a Task with the patient it is for (a followed link's, or the kiosk's certain match). */
  const review = (task: Task): void => {
    const reference = task.for?.reference;
    (reference?.startsWith('Patient/') ? medplum.readReference<Patient>({ reference }) : Promise.resolve(undefined))
      .catch(() => undefined)
      .then((patient) => setOpen({ task, ...(patient && { patient }) }))
      .catch(() => undefined);
  };

  const sealed = open && taskInput(open.task, SEALED_INPUT);
  if (open && sealed) {
    const seen = taskInput(open.task, SEEN_INPUT);
    return (
      <Stack maw={960} mx="auto" gap={0}>
        <Button variant="subtle" onClick={() => setOpen(undefined)} w="fit-content" ml="md">
          Back to the queue
        </Button>
        <ShlImportPage
          bot={bot}
          sealed={sealed}
          {...(open.patient && { patient: open.patient })}
          {...(seen !== undefined && { seen: seen.split(' ').filter(Boolean) })}
          onImported={(result) => {
            void medplum
              .updateResource<Task>({
                ...open.task,
                status: 'completed',
                output: [{ type: { text: 'patient' }, valueReference: result.patient }],
              })
              .then(load);
          }}
        />
      </Stack>
    );
  }
  return (
    <Stack maw={960} mx="auto" p="md">
      <Title order={1} size="h2">
        Check-ins to review
      </Title>
      {tasks.length === 0 && <Text>Nothing to review.</Text>}
      {tasks.length === LIST_SIZE && (
        <Text size="sm" c="dimmed">
          Showing the {LIST_SIZE} that have waited longest; more appear as these are finished.
        </Text>
      )}
      {tasks.map((task) => (
        <Paper key={task.id} withBorder p="sm">
          <Group justify="space-between">
            <Stack gap={2}>
              <Text fw={600}>{task.description}</Text>
              <Text size="sm" c="dimmed">
                {task.authoredOn ? new Date(task.authoredOn).toLocaleString() : ''}
              </Text>
            </Stack>
            <Button onClick={() => review(task)}>Review</Button>
          </Group>
        </Paper>
      ))}
      <Title order={2} size="h3">
        Followed links
      </Title>
      {notice && (
        <Alert color={notice.color} role="status">
          {notice.text}
        </Alert>
      )}
      {followed.length === 0 && <Text>No link is being followed.</Text>}
      {followed.map((task) => (
        <Paper key={task.id} withBorder p="sm">
          <Group justify="space-between">
            <Stack gap={2}>
              <Text>{task.description}</Text>
              <Text size="sm" c="dimmed">
                Next check: {formatTime(nextPollOf(task))}
              </Text>
            </Stack>
            <Group gap="xs">
              <Button variant="default" loading={checking === task.id} onClick={() => checkNow(task)}>
                Check now
              </Button>
              <Button
                variant="default"
                onClick={() => {
                  void medplum
                    .updateResource<Task>({
                      ...task,
                      status: 'cancelled',
                      statusReason: { text: 'Staff stopped following.' },
                    })
                    .then(load);
                }}
              >
                Stop following
              </Button>
            </Group>
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}

function formatTime(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}
