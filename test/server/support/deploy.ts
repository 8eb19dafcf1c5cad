/**
 * Runs `npm run deploy` the way an admin does, against the server in the environment, with a
 * temporary copy of medplum.config.json (the repository's copy is never written).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Config {
  bots: { name: string; id?: string }[];
}

/** Deploys (`args` as on the command line; `botId` reused if given) and answers what it printed and the bot id. */
export function runDeploy(args: string[], botId?: string): { output: string; botId: string } {
  const work = mkdtempSync(join(tmpdir(), 'shl-test-server-'));
  try {
    const path = join(work, 'medplum.config.json');
    copyFileSync('medplum.config.json', path);
    if (botId) {
      const config = JSON.parse(readFileSync(path, 'utf8')) as Config;
      config.bots = config.bots.map((b) => (b.name === 'shl-import' ? { ...b, id: botId } : b));
      writeFileSync(path, JSON.stringify(config));
    }
    const output = execFileSync('npm', ['run', '--silent', 'deploy', '--', '--config', path, ...args], {
      encoding: 'utf8',
      env: process.env,
    });
    const id = (JSON.parse(readFileSync(path, 'utf8')) as Config).bots.find((b) => b.name === 'shl-import')?.id;
    if (!id) {
      throw new Error(`npm run deploy did not record a bot id:\n${output}`);
    }
    return { output, botId: id };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
