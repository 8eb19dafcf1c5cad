/**
 * A running import: items written so far, of how many, as the bot reports them
 * (`use-import-progress.ts`); where it cannot, the number of items being imported and the
 * seconds so far, honestly, rather than a spinner alone.
 */
import { Loader, Paper, Progress, Stack, Text } from '@mantine/core';
import type { JSX } from 'react';
import type { ImportRun } from '../use-shl-import';
import { useImportProgress } from '../use-import-progress';

export function ImportProgress({ run, into }: { run: ImportRun; into: string }): JSX.Element {
  const { written, seconds } = useImportProgress(run.progress, run.startedAt);
  const items = `${run.count.toLocaleString()} ${run.count === 1 ? 'item' : 'items'}`;
  return (
    <Paper withBorder p="md" role="status" aria-label="Import progress">
      <Stack gap="xs">
        <Text fw={600}>
          Importing {items} into {into}…
        </Text>
        {written ? (
          <>
            <Progress value={(100 * written.written) / written.total} aria-hidden />
            <Text size="sm">
              {written.written.toLocaleString()} of {written.total.toLocaleString()} items written · {seconds} s
            </Text>
          </>
        ) : (
          <Text size="sm">
            <Loader size="xs" mr="xs" />
            Working: {seconds} s so far. Large imports take a few minutes; keep this page open.
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
