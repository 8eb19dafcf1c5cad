/**
 * The pages' QR reader, for camera frames and pictures alike: a Web Worker (qr-worker.ts: the
 * browser's BarcodeDetector where it reads QR codes, else ZXing-C++ in WebAssembly) started on
 * demand, shared by the camera and picture scanning, so decoding never runs on the main thread.
 * At most one camera frame is in flight: a frame offered while one is being read is dropped.
 */
import type { QrRequest, QrResponse } from './qr-worker';

/** A read that takes longer has failed (the first read also waits for the .wasm to arrive). */
const READ_TIMEOUT_MS = 20_000;

/** The reader could not run: the worker or its .wasm did not load, or it stopped answering. */
export const READER_UNAVAILABLE = 'The QR reader could not be loaded.';

interface Pending {
  resolve: (text: string | undefined) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

let worker: Worker | undefined;
let nextId = 0;
let frameInFlight = false;
const pending = new Map<number, Pending>();

function failAll(): void {
  for (const [id, request] of pending) {
    clearTimeout(request.timer);
    request.reject(new Error(READER_UNAVAILABLE));
    pending.delete(id);
  }
}

function startWorker(): Worker {
  if (!worker) {
    const started = new Worker(new URL('./qr-worker.ts', import.meta.url), { type: 'module', name: 'qr-reader' });
    started.onmessage = (event: MessageEvent<QrResponse>) => {
      const { id, text, unavailable } = event.data;
      const request = pending.get(id);
      if (request) {
        pending.delete(id);
        clearTimeout(request.timer);
        if (unavailable) {
          request.reject(new Error(READER_UNAVAILABLE));
        } else {
          request.resolve(text);
        }
      }
    };
    started.onerror = () => {
      // The worker script itself did not load: a later read starts a new one.
      worker = undefined;
      started.terminate();
      failAll();
    };
    worker = started;
  }
  return worker;
}

/** Starts the worker and the .wasm download, when a scan view opens, so the first read is quick. */
export function prepareQrReader(): void {
  try {
    startWorker().postMessage({ kind: 'prepare' } satisfies QrRequest);
  } catch {
    // No workers here: the read that needs one says so.
  }
}

function request(image: ImageBitmap | Blob, purpose: 'frame' | 'picture'): Promise<string | undefined> {
  const id = nextId++;
  return new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A worker that stopped answering is replaced by the next read.
      worker?.terminate();
      worker = undefined;
      failAll();
    }, READ_TIMEOUT_MS);
    pending.set(id, { resolve, reject, timer });
    const message: QrRequest = { kind: 'read', id, image, purpose };
    try {
      startWorker().postMessage(message, image instanceof Blob ? [] : [image]);
    } catch {
      pending.delete(id);
      clearTimeout(timer);
      reject(new Error(READER_UNAVAILABLE));
    }
  });
}

/**
 * The text of the QR code in a camera frame, or undefined. The frame is taken over (transferred to
 * the worker); while another frame is being read it is dropped and undefined returned at once.
 * Rejects with READER_UNAVAILABLE when the reader cannot run.
 */
export async function readFrame(frame: ImageBitmap): Promise<string | undefined> {
  if (frameInFlight) {
    frame.close();
    return undefined;
  }
  frameInFlight = true;
  try {
    return await request(frame, 'frame');
  } finally {
    frameInFlight = false;
  }
}

/** The text of the QR code in a picture file, or undefined (also for a file that is not an image). */
export function readPicture(file: Blob): Promise<string | undefined> {
  return request(file, 'picture');
}
