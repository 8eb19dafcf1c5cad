/**
 * Reading QR codes with jsQR (loaded on demand), for pictures and camera frames alike: it reads
 * the dense codes SHLs make reliably, where html5-qrcode's ZXing missed about a third of them.
 * A frame is drawn at up to `maxSide` pixels on its longest side, keeping memory bounded.
 */
type JsQr = (typeof import('jsqr'))['default'];

let loading: Promise<JsQr> | undefined;

/** jsQR, imported once. */
export function loadJsQr(): Promise<JsQr> {
  loading ??= import('jsqr').then((m) => m.default);
  return loading;
}

/** A canvas to draw frames into, reused across frames. */
export function createFrameCanvas(): CanvasRenderingContext2D | null {
  return document.createElement('canvas').getContext('2d', { willReadFrequently: true });
}

/** The text of the QR code in `source` (width x height), drawn at up to `maxSide`; undefined if none. */
export function readQr(
  jsQR: JsQr,
  context: CanvasRenderingContext2D,
  source: CanvasImageSource,
  width: number,
  height: number,
  maxSide: number
): string | undefined {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = context.canvas;
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  context.drawImage(source, 0, 0, w, h);
  const code = jsQR(context.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'attemptBoth' });
  return code?.data || undefined;
}
