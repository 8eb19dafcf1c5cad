/**
 * `npm start`: the product in local mode, one command, no account, no network. Starts the local
 * API and sender, then the app (Vite) pointed at them, and prints the URL to open.
 */
import { startLocalMode } from './local-mode';
import { startLocalApp } from './vite-app';

const local = await startLocalMode(Number(process.env.LOCAL_API_PORT ?? 0));
const { vite, url } = await startLocalApp(local, Number(process.env.PORT ?? 5173));
console.log(`SMART Health Link import, local mode: open ${url}`);
console.log(`Local FHIR API ${local.api.origin}/fhir/R4, sample SHL sender ${local.sender.origin}; Ctrl+C stops both.`);

const stop = (): void => {
  void Promise.all([vite.close(), local.close()]).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
