/**
 * The staff review queue: check-ins the kiosk could not import by itself and new content of
 * followed links (Tasks holding the sealed input). Opening one runs the normal flow; importing
 * completes the Task. Followed links are listed too, and staff can stop following them.
 */
import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { Task } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react-hooks';
import type { JSX } from 'react';
import { useCallback, useEffect, useState } from 'react';
import { CHECK_IN_TASK_CODE } from '../bots/import/check-in';
import { FOLLOW_TASK_CODE } from '../bots/import/follow';
import type { BotRef } from './bot-client';
import { ShlImportPage } from './ShlImportPage';

export function ReviewQueuePage({ bot }: { bot: BotRef }): JSX.Element {
  const medplum = useMedplum();
  const [tasks, setTasks] = useState<Task[]>([]);
  const [followed, setFollowed] = useState<Task[]>([]);
  const [open, setOpen] = useState<Task>();

  const load = useCallback(() => {
    medplum
      .searchResources('Task', {
        code: `${CHECK_IN_TASK_CODE.system}|${CHECK_IN_TASK_CODE.code}`,
        status: 'requested',
        _sort: '-_lastUpdated',
      })
      .then(setTasks)
      .catch(() => setTasks([]));
    medplum
      .searchResources('Task', { code: `${FOLLOW_TASK_CODE.system}|${FOLLOW_TASK_CODE.code}`, status: 'in-progress' })
      .then(setFollowed)
      .catch(() => setFollowed([]));
  }, [medplum]);

  useEffect(load, [load]);

  const sealed = open?.input?.find((i) => i.type.text === 'sealed-shl')?.valueString;
  if (open && sealed) {
    return (
      <Stack>
        <Button variant="subtle" onClick={() => setOpen(undefined)} w="fit-content">
          Back to the queue
        </Button>
        <ShlImportPage
          bot={bot}
          sealed={sealed}
          onImported={(result) => {
            void medplum
              .updateResource<Task>({
                ...open,
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
      {tasks.map((task) => (
        <Paper key={task.id} withBorder p="sm">
          <Group justify="space-between">
            <Stack gap={2}>
              <Text fw={600}>{task.description}</Text>
              <Text size="sm" c="dimmed">
                {task.authoredOn ? new Date(task.authoredOn).toLocaleString() : ''}
              </Text>
            </Stack>
            <Button onClick={() => setOpen(task)}>Review</Button>
          </Group>
        </Paper>
      ))}
      <Title order={2} size="h3">
        Followed links
      </Title>
      {followed.length === 0 && <Text>No link is being followed.</Text>}
      {followed.map((task) => (
        <Paper key={task.id} withBorder p="sm">
          <Group justify="space-between">
            <Text>{task.description}</Text>
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
        </Paper>
      ))}
    </Stack>
  );
}
