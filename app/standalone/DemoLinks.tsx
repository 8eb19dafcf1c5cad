/** Local mode only: the demo links of the local sender, as QR codes and copyable text. */
import { Anchor, CopyButton, Button, Group, Image, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { JSX } from 'react';
import { useEffect, useState } from 'react';

interface DemoLink {
  title: string;
  description: string;
  shl: string;
  qr: string;
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
            <Image src={link.qr} alt={`QR code: ${link.title}`} w={160} />
            <Group>
              <CopyButton value={link.shl}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="default" onClick={copy}>
                    {copied ? 'Copied' : 'Copy link'}
                  </Button>
                )}
              </CopyButton>
              <Anchor size="xs" href={link.qr} download={`${link.title}.png`}>
                QR image
              </Anchor>
            </Group>
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
