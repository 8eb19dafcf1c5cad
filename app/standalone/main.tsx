/**
 * The standalone shell: the import page against any Medplum server, configured by
 * MEDPLUM_BASE_URL, MEDPLUM_CLIENT_ID and MEDPLUM_BOT_ID or MEDPLUM_BOT_IDENTIFIER
 * (`system|value`), with the kiosk (`/kiosk`), the review queue (`/queue`) and a minimal chart
 * (`/Patient/<id>`, where "Open chart" leads, as in the Provider app). Its header folds its
 * links into a menu on phones. In local mode (`npm start`) it signs in by itself and lists demo
 * links.
 */
import '@mantine/core/styles.css';
import '@medplum/react/styles.css';
import { Anchor, AppShell, Burger, Group, MantineProvider, Menu, Text, Title } from '@mantine/core';
import { MedplumClient } from '@medplum/core';
import { SignInForm } from '@medplum/react';
import { MedplumProvider, useMedplumProfile } from '@medplum/react-hooks';
import type { JSX } from 'react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { BotRef } from '../bot-client';
import { KioskPage } from '../KioskPage';
import { ReviewQueuePage } from '../ReviewQueuePage';
import { ShlImportPage } from '../ShlImportPage';
import { ChartPage } from './ChartPage';
import { DemoLinks } from './DemoLinks';

const env = import.meta.env as Record<string, string | undefined>;
const localMode = env.MEDPLUM_LOCAL_MODE === 'true';

const medplum = new MedplumClient({
  baseUrl: env.MEDPLUM_BASE_URL ?? window.location.origin + '/',
  ...(env.MEDPLUM_CLIENT_ID && { clientId: env.MEDPLUM_CLIENT_ID }),
});

function botRef(): BotRef {
  if (env.MEDPLUM_BOT_ID) {
    return env.MEDPLUM_BOT_ID;
  }
  const [system, value] = (env.MEDPLUM_BOT_IDENTIFIER ?? 'https://smarthealthit.org/shl-import/bot|shl-import').split(
    '|'
  );
  return { system, value };
}

/** The page for the path: the import page, the kiosk (`/kiosk`), the review queue (`/queue`) or a chart. */
function Page(): JSX.Element {
  const path = window.location.pathname;
  const chart = /^\/Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(path);
  if (chart?.[1]) {
    return <ChartPage bot={botRef()} id={chart[1]} />;
  }
  if (path.startsWith('/kiosk')) {
    return <KioskPage bot={botRef()} />;
  }
  if (path.startsWith('/queue')) {
    return <ReviewQueuePage bot={botRef()} />;
  }
  return (
    <>
      <ShlImportPage bot={botRef()} />
      {localMode && <DemoLinks />}
    </>
  );
}

const NAV = [
  ['Import', '/'],
  ['Check-ins to review', '/queue'],
  ['Kiosk', '/kiosk'],
] as const;

function Shell(): JSX.Element {
  const profile = useMedplumProfile();
  // A kiosk is a public screen: patients get no way to the staff pages from it.
  const kiosk = window.location.pathname.startsWith('/kiosk');
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Title order={1} size="h4" lineClamp={1}>
            SMART Health Link import
          </Title>
          <Group wrap="nowrap" visibleFrom="sm">
            {!kiosk &&
              NAV.map(([label, href]) => (
                <Anchor key={href} href={href}>
                  {label}
                </Anchor>
              ))}
            {localMode && <Text size="sm">Local mode: demo data only</Text>}
          </Group>
          {!kiosk && (
            <Menu position="bottom-end">
              <Menu.Target>
                <Burger hiddenFrom="sm" size="sm" aria-label="Menu" />
              </Menu.Target>
              <Menu.Dropdown>
                {NAV.map(([label, href]) => (
                  <Menu.Item key={href} component="a" href={href}>
                    {label}
                  </Menu.Item>
                ))}
                {localMode && <Menu.Label>Local mode: demo data only</Menu.Label>}
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        {profile ? (
          <Page />
        ) : (
          <SignInForm onSuccess={() => window.location.reload()}>
            <Title order={2}>Sign in to import health links</Title>
          </SignInForm>
        )}
      </AppShell.Main>
    </AppShell>
  );
}

/** Local mode has no accounts: the local API answers any token as its one practitioner. */
async function signInLocally(): Promise<void> {
  if (localMode && !medplum.getProfile()) {
    // A token shaped like a Medplum JWT (the client reads its login and expiry); the local API does not check it.
    const claims = btoa(
      JSON.stringify({ login_id: 'local', sub: 'local', exp: Math.floor(Date.now() / 1000) + 86400 })
    );
    medplum.setAccessToken(`local.${claims}.mode`);
    await medplum.getProfileAsync();
  }
}

void signInLocally().finally(() => {
  createRoot(document.getElementById('root') as HTMLElement).render(
    <StrictMode>
      <MedplumProvider medplum={medplum}>
        <MantineProvider>
          <Shell />
        </MantineProvider>
      </MedplumProvider>
    </StrictMode>
  );
});
