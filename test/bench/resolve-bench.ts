/**
 * Resolving a link whose bundle holds 5,000 Observations (about 2.8 MB, zip, served by `location`
 * from a real HTTP sender on 127.0.0.1), alternating in each round:
 * - ours: the built bot (`dist/bots/shl-import.js`) through its handler, unsealing included;
 * - theirs: kill-the-clipboard's `SHLViewer.resolveSHL`;
 * - floor: fetch + WebCrypto AES-GCM + raw inflate + JSON.parse, nothing else.
 */
import { MockClient } from '@medplum/mock';
import { SHLViewer } from 'kill-the-clipboard';
import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import { generateSealingSecret, sealForBot } from '../support/seal';
import { ShlSender } from '../../local/shl-sender';
import { observationBundle } from './fixtures';
import { alternate } from './measure';

export const BOT_DIST = 'dist/bots/shl-import.js';
const OBSERVATIONS = 5000;

type Handler = (
  medplum: unknown,
  event: unknown
) => Promise<{ resources?: unknown[]; jwk?: JsonWebKey & { kid: string } }>;

export interface ResolveFigures {
  megabytes: number;
  observations: number;
  ours: number;
  theirs: number;
  floor: number;
}

export async function benchResolve(rounds: number): Promise<ResolveFigures> {
  const { handler } = createRequire(import.meta.url)(`../../${BOT_DIST}`) as { handler: Handler };
  const sender = await ShlSender.start();
  try {
    const plaintext = JSON.stringify(observationBundle(OBSERVATIONS));
    const contentType = 'application/fhir+json';
    const link = await sender.createLink({
      files: [{ content: plaintext, contentType, cty: contentType, zip: true, delivery: 'location' }],
    });
    const secrets = {
      SHL_IMPORT_KEY: { name: 'SHL_IMPORT_KEY', valueString: await generateSealingSecret() },
      SHL_ALLOW_HOSTS: { name: 'SHL_ALLOW_HOSTS', valueString: sender.host },
    };
    const medplum = new MockClient();
    const { jwk } = await handler(medplum, { input: { operation: 'public-key' }, secrets });
    if (!jwk) {
      throw new Error('public-key failed');
    }
    const sealed = await sealForBot(jwk, { shl: link.shl });
    const recipient = 'Benchmark clinic';
    const medians = await alternate(
      {
        ours: async () =>
          (
            await handler(medplum, {
              bot: { reference: 'Bot/bench' },
              contentType: 'application/json',
              input: { operation: 'resolve', sealed, recipient },
              secrets,
            })
          ).resources?.length,
        theirs: async () => {
          const resolved = await new SHLViewer({ shlinkURI: link.shl }).resolveSHL({ recipient });
          return resolved.fhirResources.flatMap((r) => (r as { entry?: unknown[] }).entry ?? [r]).length;
        },
        floor: () => floor(link.url, link.key, recipient),
      },
      rounds,
      3,
      (name, count) => {
        if (count !== OBSERVATIONS + 1) {
          throw new Error(`${name} returned ${String(count)} resources, expected ${OBSERVATIONS + 1}`);
        }
      }
    );
    return {
      megabytes: plaintext.length / 1048576,
      observations: OBSERVATIONS,
      ours: medians.ours ?? NaN,
      theirs: medians.theirs ?? NaN,
      floor: medians.floor ?? NaN,
    };
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
