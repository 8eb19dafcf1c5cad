/**
 * A minimal app embedding the import pages the way Medplum's Provider app does: `app/index.ts`
 * imported as source and built by the app's own plain Vite configuration (see
 * built-pages.browser.test.ts). It shows the link step alone, which needs no Medplum client.
 */
import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { createRoot } from 'react-dom/client';
import { LinkInput } from '../../../app/index';

createRoot(document.getElementById('root') as HTMLElement).render(
  <MantineProvider>
    <LinkInput onSubmit={() => undefined} />
  </MantineProvider>
);
