/** What the import did: created, already there, skipped, with links to the chart, each resource and the Provenance. */
import { Alert, Anchor, Button, List, Stack, Text } from '@mantine/core';
import type { JSX } from 'react';
import type { ImportOutput } from '../../bots/contract';

export function DoneStep({ result, onAnother }: { result: ImportOutput; onAnother: () => void }): JSX.Element {
  const link = (reference: string): JSX.Element => (
    <Anchor href={`/${reference}`} key={reference}>
      {reference}
    </Anchor>
  );
  return (
    <Stack>
      <Alert color="green" title="Imported" role="status">
        {result.created.length} created, {result.existing.length} already in the chart.
      </Alert>
      <Text>
        Patient chart: {link(result.patient.reference)}
        {result.provenance && <> · Provenance: {link(result.provenance)}</>}
      </Text>
      {result.created.length > 0 && (
        <>
          <Text fw={600}>Created</Text>
          <List size="sm">
            {result.created.map((r) => (
              <List.Item key={r}>{link(r)}</List.Item>
            ))}
          </List>
        </>
      )}
      {result.existing.length > 0 && (
        <>
          <Text fw={600}>Already there (not changed)</Text>
          <List size="sm">
            {result.existing.map((r) => (
              <List.Item key={r}>{link(r)}</List.Item>
            ))}
          </List>
        </>
      )}
      {result.skipped.length > 0 && (
        <>
          <Text fw={600}>Not imported</Text>
          <List size="sm">
            {result.skipped.map((s) => (
              <List.Item key={`${s.resourceType}/${s.id ?? ''}`}>
                {s.resourceType}: {s.reason}
              </List.Item>
            ))}
          </List>
        </>
      )}
      {result.warnings.map((w) => (
        <Alert key={w} color="yellow">
          {w}
        </Alert>
      ))}
      <Button onClick={onAnother}>Import another link</Button>
    </Stack>
  );
}
