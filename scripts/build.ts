// Bundles the bot into one CommonJS file that runs in Medplum's awslambda and vmcontext runtimes.
// Only what both runtimes provide stays external (Node built-ins, @medplum/core, @medplum/ccda); the footer
// copies esbuild's module.exports onto the `exports` object vmcontext reads.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const config = JSON.parse(readFileSync(new URL('../medplum.config.json', import.meta.url), 'utf8')) as {
  bots: { name: string; source: string; dist: string }[];
};

// The package is ESM; the bundles are CommonJS (vmcontext runs them as scripts).
mkdirSync('dist', { recursive: true });
writeFileSync('dist/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');

for (const bot of config.bots) {
  await build({
    entryPoints: [bot.source],
    outfile: bot.dist,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    // Provided by every Medplum bot runtime; @medplum/ccda is loaded only when staff convert a C-CDA.
    external: ['@medplum/core', '@medplum/ccda'],
    footer: { js: 'Object.assign(exports, module.exports);' },
    logLevel: 'warning',
  });
  const bytes = statSync(bot.dist).size;
  const gzip = gzipSync(readFileSync(bot.dist)).length;
  console.log(`${bot.dist}: ${(bytes / 1024).toFixed(1)} KB minified, ${(gzip / 1024).toFixed(1)} KB gzip`);
}
