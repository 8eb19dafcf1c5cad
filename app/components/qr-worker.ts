/**
 * The QR decoding worker: reads camera frames and pictures off the main thread, so that the page
 * never stalls on a hard frame. The browser's own BarcodeDetector reads first where it supports
 * QR codes; ZXing-C++ (zxing-wasm) reads what it does not, and everywhere else. The .wasm file is
 * imported with Vite's `?url`, so Vite ships it with the pages (dev server, this app's build, or
 * the build of an app that embeds the pages) and it is fetched from the pages' own origin, never
 * from the library's default CDN.
 */
import { prepareZXingModule, purgeZXingModule } from 'zxing-wasm/reader';
import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';
import { FRAME_OPTIONS, PICTURE_OPTIONS, readQrWithZxing } from './qr-zxing';

/** Main thread → worker. A `read` takes over the bitmap (transferred); a Blob is a picture file. */
export type QrRequest =
  { kind: 'prepare' } | { kind: 'read'; id: number; image: ImageBitmap | Blob; purpose: 'frame' | 'picture' };

/** Worker → main thread: the text read, none, or a decoder that could not be loaded. */
export type QrResponse = { id: number; text?: string; unavailable?: true };

/** Frames are read at up to this many pixels on their longest side: a 720p frame as it comes. */
const FRAME_SIDE = 1280;
/** Pictures (phone photos) at up to 1600 px, then at half that: a code missed at one scale may read at another. */
const PICTURE_SIDES = [1600, 800];

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorInstance {
  detect(image: ImageBitmapSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorInstance;
  getSupportedFormats(): Promise<string[]>;
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<QrRequest>) => void) | null;
  postMessage: (message: QrResponse) => void;
};

let native: Promise<BarcodeDetectorInstance | undefined> | undefined;
let zxing: Promise<unknown> | undefined;

/** The browser's BarcodeDetector when it exists here and reads QR codes (Chrome on Android, macOS, ChromeOS). */
function nativeDetector(): Promise<BarcodeDetectorInstance | undefined> {
  native ??= (async () => {
    const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
    const formats = Detector ? await Detector.getSupportedFormats().catch(() => []) : [];
    return Detector && formats.includes('qr_code') ? new Detector({ formats: ['qr_code'] }) : undefined;
  })();
  return native;
}

/** Starts fetching and compiling the .wasm (once; again after a failure), from the URL Vite gave it on this origin. */
function loadZxing(): Promise<unknown> {
  zxing ??= prepareZXingModule({
    overrides: {
      locateFile: (path: string, prefix: string) =>
        path.endsWith('.wasm') ? new URL(wasmUrl, self.location.href).href : prefix + path,
    },
    fireImmediately: true,
  }).catch((err: unknown) => {
    // Not kept: the next read tries again (the network may be back).
    zxing = undefined;
    purgeZXingModule();
    throw err;
  });
  return zxing;
}

let canvas: OffscreenCanvasRenderingContext2D | null | undefined;

/** The bitmap's pixels at up to `side` on its longest side. */
function pixels(bitmap: ImageBitmap, side: number): ImageData | undefined {
  const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  canvas ??= new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!canvas) {
    return undefined;
  }
  if (canvas.canvas.width !== width || canvas.canvas.height !== height) {
    canvas.canvas.width = width;
    canvas.canvas.height = height;
  }
  canvas.drawImage(bitmap, 0, 0, width, height);
  return canvas.getImageData(0, 0, width, height);
}

/** Native first, then ZXing. Throws only when neither decoder could run. */
async function decode(image: ImageData, purpose: 'frame' | 'picture'): Promise<string | undefined> {
  const detector = await nativeDetector();
  if (detector) {
    const [found] = await detector.detect(image).catch(() => []);
    if (found?.rawValue) {
      return found.rawValue;
    }
  }
  try {
    await loadZxing();
  } catch (err) {
    if (detector) {
      return undefined;
    }
    throw err;
  }
  return readQrWithZxing(image, purpose === 'frame' ? FRAME_OPTIONS : PICTURE_OPTIONS);
}

async function read(image: ImageBitmap | Blob, purpose: 'frame' | 'picture'): Promise<string | undefined> {
  const bitmap = image instanceof Blob ? await createImageBitmap(image).catch(() => undefined) : image;
  if (!bitmap) {
    return undefined; // not an image the browser can decode
  }
  try {
    for (const side of purpose === 'frame' ? [FRAME_SIDE] : PICTURE_SIDES) {
      const data = pixels(bitmap, side);
      const text = data && (await decode(data, purpose));
      if (text) {
        return text;
      }
    }
    return undefined;
  } finally {
    bitmap.close();
  }
}

scope.onmessage = (event) => {
  const request = event.data;
  if (request.kind === 'prepare') {
    void nativeDetector();
    loadZxing().catch(() => undefined); // a failure is reported by the read that needs it
    return;
  }
  read(request.image, request.purpose).then(
    (text) => scope.postMessage(text ? { id: request.id, text } : { id: request.id }),
    () => scope.postMessage({ id: request.id, unavailable: true })
  );
};
