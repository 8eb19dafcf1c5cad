/**
 * Reading a QR code from RGBA pixels with ZXing-C++ compiled to WebAssembly (`zxing-wasm`): the
 * options the pages use, shared by the decoding worker and the benchmark so that both measure
 * the same thing. Where the .wasm comes from is the caller's business (`prepareZXingModule`).
 */
import type { ReaderOptions } from 'zxing-wasm/reader';
import { readBarcodes } from 'zxing-wasm/reader';

/**
 * Camera frames: QR codes only, dark-on-light and light-on-dark, the first symbol found ends the
 * search. No extra effort: a frame that is not read is followed by the next one 100 ms later.
 */
export const FRAME_OPTIONS: ReaderOptions = {
  formats: ['QRCode'],
  tryHarder: false,
  tryInvert: true,
  tryRotate: false,
  tryDownscale: true,
  maxNumberOfSymbols: 1,
};

/** A picture is read once: worth ZXing's extra effort. */
export const PICTURE_OPTIONS: ReaderOptions = { ...FRAME_OPTIONS, tryHarder: true };

/** The text of the QR code in `image` (RGBA, row by row), or undefined when none is read. */
export async function readQrWithZxing(image: ImageData, options: ReaderOptions): Promise<string | undefined> {
  const [result] = await readBarcodes(image, options);
  return result?.text || undefined;
}
