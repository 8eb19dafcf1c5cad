/**
 * zxing-wasm in Node, for the QR benchmark and tests: the reader's .wasm handed over as bytes
 * from node_modules (the library would otherwise fetch it from its CDN).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { prepareZXingModule } from 'zxing-wasm/reader';

let ready: Promise<unknown> | undefined;

export function loadZxingInNode(): Promise<unknown> {
  if (!ready) {
    const wasm = readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'));
    ready = prepareZXingModule({
      overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) },
      fireImmediately: true,
    });
  }
  return ready;
}

/** Frame pixels as the decoders take them (zxing-wasm reads any `{ data, width, height }`). */
export function asImageData(frame: { data: Uint8ClampedArray; width: number; height: number }): ImageData {
  return { data: frame.data, width: frame.width, height: frame.height, colorSpace: 'srgb' } as ImageData;
}
