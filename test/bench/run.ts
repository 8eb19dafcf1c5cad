/**
 * `npm run bench`: resolve figures measured side by side in one process.
 *
 * A link whose bundle holds 5,000 Observations (about 2 MB, zip, served by `location` from a
 * real HTTP sender on 127.0.0.1) is resolved, alternating in each round:
 * - ours: the built bot (`dist/bots/shl-import.js`) through its handler, unsealing included;
 * - theirs: kill-the-clipboard's `SHLViewer.resolveSHL`;
 * - floor: fetch + WebCrypto AES-GCM + raw inflate + JSON.parse, nothing else.
 * Prints medians and the ratios ours/theirs and ours/floor, and the built bot's size.
 */
import { MockClient } from '@medplum/mock';
import { SHLViewer } from 'kill-the-clipboard';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { gzipSync, inflateRawSync } from 'node:zlib';
import { generateSealingSecret, sealForBot } from '../support/seal';
import { ShlSender } from '../support/shl-sender';
import { observationBundle } from './fixtures';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 41);
const WARMUP = 3;
const OBSERVATIONS = 5000;
const DIST = 'dist/bots/shl-import.js';

type Handler = (medplum: unknown, event: unknown) => Promise<{ resources?: unknown[]; error?: unknown }>;

async function main(): Promise<void> {
  const { handler } = createRequire(import.meta.url)(`../../${DIST}`) as { handler: Handler };
  const sender = await ShlSender.start();
  try {
    const plaintext = JSON.stringify(observationBundle(OBSERVATIONS));
    const link = await sender.createLink({
      files: [
        {
          content: plaintext,
          contentType: 'application/fhir+json',
          cty: 'application/fhir+json',
          zip: true,
          delivery: 'location',
        },
      ],
    });
    const secret = await generateSealingSecret();
    const secrets = {
      SHL_IMPORT_KEY: { name: 'SHL_IMPORT_KEY', valueString: secret },
      SHL_ALLOW_HOSTS: { name: 'SHL_ALLOW_HOSTS', valueString: sender.host },
    };
    const medplum = new MockClient();
    const publicKey = (await handler(medplum, { input: { operation: 'public-key' }, secrets })) as unknown as {
      jwk: JsonWebKey & { kid: string };
    };
    const sealed = await sealForBot(publicKey.jwk, { shl: link.shl });
    const recipient = 'Benchmark clinic';
    const expected = OBSERVATIONS + 1;

    const runners: Record<'ours' | 'theirs' | 'floor', () => Promise<number>> = {
      ours: async () => {
        const result = await handler(medplum, {
          bot: { reference: 'Bot/bench' },
          contentType: 'application/json',
          input: { operation: 'resolve', sealed, recipient },
          secrets,
        });
        return result.resources?.length ?? -1;
      },
      theirs: async () => {
        const resolved = await new SHLViewer({ shlinkURI: link.shl }).resolveSHL({ recipient });
        return resolved.fhirResources.flatMap((r) => (r as { entry?: unknown[] }).entry ?? [r]).length;
      },
      floor: () => floor(link.url, link.key, recipient),
    };

    const times: Record<keyof typeof runners, number[]> = { ours: [], theirs: [], floor: [] };
    const names = Object.keys(runners) as (keyof typeof runners)[];
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length] as keyof typeof runners);
      for (const name of order) {
        const start = performance.now();
        const count = await runners[name]();
        const elapsed = performance.now() - start;
        if (count !== expected) {
          throw new Error(`${name} returned ${count} resources, expected ${expected}`);
        }
        if (round >= WARMUP) {
          times[name].push(elapsed);
        }
      }
    }

    const ours = median(times.ours);
    const theirs = median(times.theirs);
    const floorMs = median(times.floor);
    const bytes = statSync(DIST).size;
    const gzip = gzipSync(readFileSync(DIST)).length;
    console.log(
      `Resolve of a ${OBSERVATIONS}-Observation link (${(plaintext.length / 1048576).toFixed(2)} MB, zip, location), ${ROUNDS} rounds, medians:`
    );
    console.log(`  ours (bot handler)              ${ours.toFixed(1)} ms`);
    console.log(`  kill-the-clipboard resolveSHL   ${theirs.toFixed(1)} ms`);
    console.log(`  floor (fetch+AES-GCM+inflate+parse) ${floorMs.toFixed(1)} ms`);
    console.log(`  ours / theirs = ${(ours / theirs).toFixed(2)} (target <= 1.0)`);
    console.log(`  ours / floor  = ${(ours / floorMs).toFixed(2)} (target <= 1.3)`);
    console.log(
      `Built bot ${DIST}: ${(bytes / 1024).toFixed(1)} KB minified, ${(gzip / 1024).toFixed(1)} KB gzip (target <= 200 KB)`
    );
  } finally {
    await sender.close();
  }
}

/** The least any receiver must do: fetch the manifest and the file, decrypt, inflate, parse. */
async function floor(url: string, keyText: string, recipient: string): Promise<number> {
  const manifest = (await (
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipient }),
    })
  ).json()) as { files: { location: string }[] };
  const jwe = await (await fetch((manifest.files[0] as { location: string }).location)).text();
  const [header = '', , iv = '', ciphertext = '', tag = ''] = jwe.split('.');
  const key = await crypto.subtle.importKey('raw', Buffer.from(keyText, 'base64url'), 'AES-GCM', false, ['decrypt']);
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: Buffer.from(iv, 'base64url'), additionalData: Buffer.from(header) },
    key,
    Buffer.concat([Buffer.from(ciphertext, 'base64url'), Buffer.from(tag, 'base64url')])
  );
  const bundle = JSON.parse(inflateRawSync(Buffer.from(plaintext)).toString('utf8')) as { entry: unknown[] };
  return bundle.entry.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

await main();
