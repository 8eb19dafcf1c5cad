/**
 * The staff review queue: check-ins the kiosk could not import by itself and new results of
 * followed links (Tasks whose link only the bot can open), each by the patient's name (when the
 * Task names a patient) and how long it has waited, longest first. Opening one runs the normal
 * flow; importing completes the Task. Followed links are listed too, by patient, and staff can
 * check them now or stop following them.
 */
import { Alert, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { Patient, Task } from '@medplum/fhirtypes';
import type { JSX } from 'react';
import { useEffect, useState } from 'react';
import type { PollReport } from '../bots/contract';
import { nextPollOf, TASK_INPUT, taskInput } from '../bots/import/tasks';
import type { BotRef } from './bot-client';
import { patientLine } from './clinical-words';
import { errorText } from './error-messages';
import { ShlImportPage } from './ShlImportPage';
import { QUEUE_SIZE, useReviewQueue } from './use-review-queue';

/** How long since `iso`, in words: "just now", "12 min", "2 h 5 min", "3 days". */
export function waitingFor(iso: string | undefined, now: number): string {
  const minutes = iso ? Math.floor((now - Date.parse(iso)) / 60_000) : Number.NaN;
  if (Number.isNaN(minutes)) {
    return '';
  }
  if (minutes < 1) {
    return 'just now';
  }
  if (minutes < 60) {
    return `${minutes} min`;
  }
  if (minutes < 24 * 60) {
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }
  const days = Math.floor(minutes / (24 * 60));
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

/** A Task's description without the sender's address: staff recognize the patient, not the server. */
function withoutAddress(description: string | undefined): string {
  return (description ?? '').replace(/\s*\(https?:\/\/[^)]*\)/g, '');
}

/** The clock, read again every `ms`. */
function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function ReviewQueuePage({ bot }: { bot: BotRef }): JSX.Element {
  const queue = useReviewQueue(bot);
  const now = useNow(30_000);
  const [open, setOpen] = useState<{ task: Task; patient?: Patient }>();
  const [checking, setChecking] = useState<string>();
  const [notice, setNotice] = useState<{ color: 'red' | 'blue'; text: string }>();

  const checkNow = (task: Task): void => {
    setChecking(task.id);
    setNotice(undefined);
    queue
      .checkNow(task)
      .then((report) => setNotice({ color: 'blue', text: describePoll(report) }))
      .catch((err: unknown) => setNotice({ color: 'red', text: errorText(err) }))
      .finally(() => setChecking(undefined));
  };

  /** Opens a review with the patient it is for (a followed link's, or the kiosk's certain match). */
  const review = (task: Task): void => {
    void queue.patientOf(task).then((patient) => setOpen({ task, ...(patient && { patient }) }));
  };

  if (open?.task.id) {
    const seen = taskInput(open.task, TASK_INPUT.seen);
    return (
      <Stack maw={960} mx="auto" gap={0}>
        <Button variant="subtle" onClick={() => setOpen(undefined)} w="fit-content" ml="md">
          Back to the queue
        </Button>
        <ShlImportPage
          bot={bot}
          task={`Task/${open.task.id}`}
          {...(open.patient && { patient: open.patient })}
          {...(seen !== undefined && { seen: seen.split(' ').filter(Boolean) })}
          onImported={(result) => {
            void queue.complete(open.task, result.patient);
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
      {queue.reviews.length === 0 && <Text>Nothing to review.</Text>}
      {queue.reviews.length === QUEUE_SIZE && (
        <Text size="sm" c="dimmed">
          Showing the {QUEUE_SIZE} that have waited longest; more appear as these are finished.
        </Text>
      )}
      {queue.reviews.map((task) => {
        const patient = task.for?.reference ? queue.patients.get(task.for.reference) : undefined;
        const who = patient ? patientLine(patient) : 'Patient not identified yet';
        return (
          <Paper key={task.id} withBorder p="sm" component="article" aria-label={who}>
            <Group justify="space-between" wrap="nowrap" align="start">
              <Stack gap={2}>
                <Group gap="xs">
                  <Text fw={600} fs={patient ? undefined : 'italic'}>
                    {who}
                  </Text>
                  {task.basedOn ? (
                    <Badge color="blue">New results</Badge>
                  ) : (
                    <Badge color="gray" variant="light">
                      Check-in
                    </Badge>
                  )}
                </Group>
                <Text size="sm">Waiting {waitingFor(task.authoredOn, now)}</Text>
                <Text size="sm" c="dimmed">
                  {withoutAddress(task.description)}
                </Text>
              </Stack>
              <Button onClick={() => review(task)}>Review</Button>
            </Group>
          </Paper>
        );
      })}
      <Title order={2} size="h3">
        Followed links
      </Title>
      {notice && (
        <Alert color={notice.color} role="status">
          {notice.text}
        </Alert>
      )}
      {queue.followed.length === 0 && <Text>No link is being followed.</Text>}
      {queue.followed.map((task) => (
        <Paper key={task.id} withBorder p="sm">
          <Group justify="space-between">
            <Stack gap={2}>
              <Text fw={600}>
                {task.for?.reference ? patientLine(queue.patients.get(task.for.reference)) : 'Patient not known'}
              </Text>
              <Text size="sm">{withoutAddress(task.description)}</Text>
              <Text size="sm" c="dimmed">
                Next check: {formatTime(nextPollOf(task))}
              </Text>
            </Stack>
            <Group gap="xs">
              <Button variant="default" loading={checking === task.id} onClick={() => checkNow(task)}>
                Check now
              </Button>
              <Button variant="default" onClick={() => void queue.stopFollowing(task)}>
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

/** What a "Check now" found, for staff. */
function describePoll(report: PollReport): string {
  if (report.queued > 0) {
    return 'New content was found and is listed above for review.';
  }
  if (report.imported > 0) {
    return `New content was found and imported (${report.imported} new).`;
  }
  return report.stopped > 0
    ? 'The sender no longer shares this link; it is no longer followed.'
    : 'Checked: nothing new since the last check.';
}
