/**
 * Resolving each shape of link (`link-shapes.ts`) served by a real HTTP sender on 127.0.0.1,
 * alternating in each round:
 * - ours: the built bot (`dist/bots/shl-import.js`) through its handler, as a caller sees it:
 *   sealed input unsealed, the link resolved, matching against a MockClient, the result staged
 *   (encrypted and written as Binaries, deleted again after the round, outside the timing);
 * - ours, write free: the same, with a stand-in server that answers the staged Binary's write at
 *   once without keeping it: the bot's own work alone (how long a real server takes to store the
 *   Binary is its own; MockClient's in-memory repository is no measure of it);
 * - theirs: kill-the-clipboard's `SHLViewer.resolveSHL`;
 * - floor: `resolve-floor.ts`.
 */
import type { MedplumClient } from '@medplum/core';
import { MockClient } from '@medplum/mock';
import { SHLViewer } from 'kill-the-clipboard';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ShlSender } from '../../local/shl-sender';
import { generateSealingSecret, sealForBot } from '../support/seal';
import type { ServedShape, ShapeName } from './link-shapes';
import { serveShape } from './link-shapes';
import { alternate } from './measure';
import { floorResolve } from './resolve-floor';

export const BOT_DIST = 'dist/bots/shl-import.js';
const RECIPIENT = 'Benchmark clinic';

/** The built bot's handler, as the benches call it. */
export type BotHandler = (
  medplum: unknown,
  event: unknown
) => Promise<{
  resources?: unknown[];
  files?: { status: string }[];
  staged?: string;
  jwk?: JsonWebKey & { kid: string };
  error?: { code: string };
}>;

export type Runner = 'ours' | 'oursWriteFree' | 'theirs' | 'floor';

export interface ShapeFigures {
  shape: ServedShape;
  /** Medians in ms. */
  medians: Record<Runner, number>;
}

/** A MockClient that answers Binary writes at once and keeps nothing. */
class FreeBinaryClient extends MockClient {
  override post(url: URL | string, body: unknown, contentType?: string, options?: RequestInit): Promise<never> {
    if (String(url).endsWith('/Binary')) {
      return Promise.resolve({ resourceType: 'Binary', id: 'bench' } as never);
    }
    return super.post(url, body, contentType, options);
  }
}

/** One shape, served, with a runner for each reader; each runner answers the resources it read. */
export async function prepareShape(
  sender: ShlSender,
  name: ShapeName
): Promise<{ shape: ServedShape; runners: Record<Runner, () => Promise<number>>; cleanup: () => Promise<void> }> {
  const { handler } = createRequire(import.meta.url)(`../../${BOT_DIST}`) as { handler: BotHandler };
  const shape = await serveShape(sender, name);
  const secrets = {
    SHL_IMPORT_KEY: { name: 'SHL_IMPORT_KEY', valueString: await generateSealingSecret() },
    SHL_ALLOW_HOSTS: { name: 'SHL_ALLOW_HOSTS', valueString: sender.host },
  };
  const medplum = new MockClient();
  const writeFree = new FreeBinaryClient();
  const { jwk } = await handler(medplum, { input: { operation: 'public-key' }, secrets });
  if (!jwk) {
    throw new Error('public-key failed');
  }
  const sealed = await sealForBot(jwk, { shl: shape.link.shl });
  const staged: string[] = [];
  const runBot = async (client: MedplumClient): Promise<number> => {
    const output = await handler(client, {
      bot: { reference: 'Bot/bench' },
      contentType: 'application/json',
      input: { operation: 'resolve', sealed, recipient: RECIPIENT },
      secrets,
      requester: { reference: 'Practitioner/bench' },
    });
    if (output.error) {
      throw new Error(`the bot answered ${output.error.code}`);
    }
    if (!output.staged) {
      throw new Error('the bot did not stage its result');
    }
    if (client === medplum) {
      staged.push(output.staged);
    }
    return output.resources?.length ?? 0;
  };
  const issuerKey =
    shape.issuerJwk &&
    (await crypto.subtle.importKey('jwk', shape.issuerJwk, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
  return {
    shape,
    runners: {
      ours: () => runBot(medplum),
      oursWriteFree: () => runBot(writeFree),
      theirs: async () => {
        const resolved = await new SHLViewer({ shlinkURI: shape.link.shl }).resolveSHL({
          recipient: RECIPIENT,
          ...(issuerKey && { shcReaderConfig: { publicKey: issuerKey } }),
        });
        let count = 0;
        for (const resource of resolved.fhirResources) {
          count += (resource as { entry?: unknown[] }).entry?.length ?? 1;
        }
        for (const card of resolved.smartHealthCards) {
          count += card.getOriginalBundle().entry?.length ?? 0;
        }
        return count;
      },
      floor: () => floorResolve(shape.link.url, shape.link.key, RECIPIENT, shape.issuerJwk),
    },
    // What import would do with a staged result: delete it (outside the timing).
    cleanup: async () => {
      for (const piece of staged.splice(0).flatMap((handle) => handle.split(','))) {
        await medplum.deleteResource('Binary', piece.slice('Binary/'.length));
      }
    },
  };
}

/** Every shape, each reader alternating with the others, medians over `rounds`. */
export async function benchResolve(shapes: readonly ShapeName[], rounds: number): Promise<ShapeFigures[]> {
  const sender = await ShlSender.start();
  try {
    const figures: ShapeFigures[] = [];
    for (const name of shapes) {
      const { shape, runners, cleanup } = await prepareShape(sender, name);
      const medians = await alternate(runners, rounds, 3, async (runner, count) => {
        if (count !== shape.resources) {
          throw new Error(`${name}: ${runner} returned ${String(count)} resources, expected ${shape.resources}`);
        }
        await cleanup();
      });
      figures.push({ shape, medians });
    }
    return figures;
  } finally {
    await sender.close();
  }
}

export interface PeakHeap {
  /** Bytes of V8 heap above the heap in use before the resolve. */
  heap: number;
  /** Bytes outside the V8 heap (buffers, Node's external strings), likewise. */
  external: number;
  plaintextBytes: number;
}

/** Peak heap of one resolve by `runner`, measured in a process of its own (`heap-probe.ts`). */
export function peakHeap(shape: ShapeName, runner: Runner): PeakHeap {
  return runProbe(
    'test/bench/heap-probe.ts',
    [shape, runner],
    ['--expose-gc', '--max-semi-space-size=1', '--gc-global']
  ) as PeakHeap;
}

/** Runs a probe file in a Node process of its own and answers the JSON of its last line (the bot logs before it). */
export function runProbe(file: string, args: readonly string[], nodeFlags: readonly string[] = []): unknown {
  const output = execFileSync(process.execPath, [...nodeFlags, '--import', 'tsx', file, ...args], {
    encoding: 'utf8',
  });
  return JSON.parse(output.trimEnd().split('\n').at(-1) ?? '');
}
