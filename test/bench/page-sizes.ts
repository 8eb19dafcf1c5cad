/**
 * What the pages ship, measured on the output of `npm run build:app` (built here): JavaScript
 * loaded with the page, JavaScript loaded on demand (the camera scanner chunk and the QR reader's
 * worker), and the decoder's .wasm, each raw and gzip-compressed (the .wasm also with Brotli).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'vite';

export interface Asset {
  file: string;
  kb: number;
  gzipKb: number;
}

export interface PageSizes {
  atLoad: Asset[];
  onDemand: Asset[];
  /** The QR reader's worker (part of `onDemand` too). */
  worker: Asset[];
  wasm: (Asset & { brotliKb: number })[];
}

const ASSETS = 'dist/app/assets';

function measure(file: string): Asset {
  const bytes = readFileSync(`${ASSETS}/${file}`);
  return { file, kb: bytes.length / 1024, gzipKb: gzipSync(bytes).length / 1024 };
}

export function total(assets: Pick<Asset, 'kb' | 'gzipKb'>[], key: 'kb' | 'gzipKb' = 'gzipKb'): number {
  return assets.reduce((sum, a) => sum + a[key], 0);
}

export async function buildPageSizes(): Promise<PageSizes> {
  // As staff get it: local mode (set by the UI benchmark's local app) would add the demo links.
  const localMode = process.env.MEDPLUM_LOCAL_MODE;
  delete process.env.MEDPLUM_LOCAL_MODE;
  try {
    await build({ configFile: 'app/vite.config.ts', logLevel: 'silent' });
  } finally {
    if (localMode !== undefined) {
      process.env.MEDPLUM_LOCAL_MODE = localMode;
    }
  }
  const entry = readFileSync('dist/app/index.html', 'utf8');
  const files = readdirSync(ASSETS);
  const scripts = files.filter((f) => f.endsWith('.js')).map(measure);
  return {
    atLoad: scripts.filter((a) => entry.includes(a.file)),
    onDemand: scripts.filter((a) => !entry.includes(a.file)),
    worker: scripts.filter((a) => a.file.startsWith('qr-worker')),
    wasm: files
      .filter((f) => f.endsWith('.wasm'))
      .map((f) => ({
        ...measure(f),
        brotliKb: brotliCompressSync(readFileSync(`${ASSETS}/${f}`)).length / 1024,
      })),
  };
}
