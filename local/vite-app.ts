/** The standalone app served by Vite in local mode, its API calls proxied to the local API. */
import type { ViteDevServer } from 'vite';
import { createServer } from 'vite';
import type { LocalMode } from './local-mode';

export async function startLocalApp(local: LocalMode, port: number): Promise<{ vite: ViteDevServer; url: string }> {
  // The shell reads MEDPLUM_* variables: in local mode it signs in by itself and lists the demo links.
  process.env.MEDPLUM_LOCAL_MODE = 'true';
  const vite = await createServer({
    configFile: 'app/vite.config.ts',
    logLevel: 'warn',
    server: {
      host: '127.0.0.1',
      port,
      strictPort: port !== 0,
      proxy: {
        '/fhir': local.api.origin,
        '/auth': local.api.origin,
        '/keyvalue': local.api.origin,
        '/local': local.api.origin,
      },
    },
  });
  await vite.listen();
  const address = vite.httpServer?.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return { vite, url: `http://127.0.0.1:${actual}/` };
}
