/**
 * Local mode only: the demo links of the local sender and bare health cards, as QR codes and
 * copyable text (a card printed in parts: each part).
 */
import { Anchor, CopyButton, Button, Group, Image, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { JSX } from 'react';
import { useEffect, useState } from 'react';

interface DemoLink {
  title: string;
  description: string;
  shl: string;
  qr: string;
  /** A card in several QR codes: the text and image of each part. */
  parts?: string[];
  partQrs?: string[];
  passcode?: string;
  changeable?: boolean;
}

export function DemoLinks(): JSX.Element | null {
  const [links, setLinks] = useState<DemoLink[]>([]);
  const [added, setAdded] = useState(0);
  useEffect(() => {
    fetch('/local/demo-links')
      .then((r) => r.json() as Promise<DemoLink[]>)
      .then(setLinks)
      .catch(() => undefined);
  }, []);
  if (links.length === 0) {
    return null;
  }
  return (
    <Stack maw={960} mx="auto" p="md" component="section" aria-label="Demo links">
      <Title order={2} size="h3">
        Demo links (local mode)
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
        {links.map((link) => (
          <Paper key={link.title} withBorder p="sm">
            <Text fw={600}>{link.title}</Text>
            <Text size="sm">{link.description}</Text>
            {link.passcode && <Text size="sm">Passcode: {link.passcode}</Text>}
            {(link.parts ?? [link.shl]).map((text, i) => {
              const qr = link.partQrs?.[i] ?? link.qr;
              const name = link.parts ? `${link.title}, part ${i + 1}` : link.title;
              return (
                <Stack key={text} gap={4}>
                  <Image src={qr} alt={`QR code: ${name}`} w={160} />
                  <Group>
                    <CopyButton value={text}>
                      {({ copied, copy }) => (
                        <Button size="xs" variant="default" onClick={copy}>
                          {copied ? 'Copied' : link.parts ? `Copy part ${i + 1}` : 'Copy link'}
                        </Button>
                      )}
                    </CopyButton>
                    <Anchor size="xs" href={qr} download={`${name}.png`}>
                      QR image
                    </Anchor>
                  </Group>
                </Stack>
              );
            })}
            {link.changeable && (
              <Button
                size="xs"
                variant="light"
                mt="xs"
                onClick={() => {
                  fetch('/local/demo-links/add-result', { method: 'POST' })
                    .then(() => setAdded((n) => n + 1))
                    .catch(() => undefined);
                }}
              >
                Sender adds a lab result{added > 0 ? ` (${added} added)` : ''}
              </Button>
            )}
          </Paper>
        ))}
      </SimpleGrid>
    </Stack>
  );
}
