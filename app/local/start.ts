/**
 * `npm start`: the product in local mode, one command, no account, no network. Starts the local
 * API and sender, then the app (Vite) pointed at them, and prints the URL to open.
 */
import { createServer } from 'vite';
import { startLocalMode } from './local-mode';

const local = await startLocalMode(Number(process.env.LOCAL_API_PORT ?? 0));
// The shell reads MEDPLUM_* variables: signs in by itself and lists the demo links.
process.env.MEDPLUM_LOCAL_MODE = 'true';
const vite = await createServer({
  configFile: 'app/vite.config.ts',
  server: {
    host: '127.0.0.1',
    port: Number(process.env.PORT ?? 5173),
    proxy: { '/fhir': local.api.origin, '/auth': local.api.origin, '/local': local.api.origin },
  },
});
await vite.listen();
const url = vite.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
console.log(`SMART Health Link import, local mode: open ${url}`);
console.log(`Local FHIR API ${local.api.origin}/fhir/R4, sample SHL sender ${local.sender.origin}; Ctrl+C stops both.`);

const stop = (): void => {
  void Promise.all([vite.close(), local.close()]).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
