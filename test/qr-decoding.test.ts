/**
 * The pages' QR decoder (zxing-wasm with app/components/qr-zxing.ts's options) on generated
 * camera frames: what jsQR missed, light-on-dark codes, long health cards, frames without a
 * code; and the frame generator's determinism, which the benchmark's figures rest on.
 */
import jsQR from 'jsqr';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { FRAME_OPTIONS, PICTURE_OPTIONS, readQrWithZxing } from '../app/components/qr-zxing';
import { degradedFrames, plainScene, renderScene } from './bench/qr-frames';
import { seededRandom } from './support/patient-generator';
import { SMALL_BLURRED_LINK, smallBlurredFrame } from './support/small-blurred-code';
import { asImageData, loadZxingInNode } from './support/zxing-node';

beforeAll(async () => {
  await loadZxingInNode();
});

function jsQrText(frame: { data: Uint8ClampedArray; width: number; height: number }): string | undefined {
  return jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'attemptBoth' })?.data;
}

describe('QR decoding', () => {
  test('a small, blurred code: the pages read it, as a camera frame and as a picture; jsQR does not', async () => {
    const frame = smallBlurredFrame();
    expect(jsQrText(frame)).toBeUndefined();
    expect(await readQrWithZxing(asImageData(frame), FRAME_OPTIONS)).toBe(SMALL_BLURRED_LINK);
    expect(await readQrWithZxing(asImageData(frame), PICTURE_OPTIONS)).toBe(SMALL_BLURRED_LINK);
  });

  test('a light-on-dark code is read', async () => {
    const frame = renderScene(plainScene(SMALL_BLURRED_LINK, 'shlink', { inverted: true }), 1);
    expect(await readQrWithZxing(asImageData(frame), FRAME_OPTIONS)).toBe(SMALL_BLURRED_LINK);
  });

  test('a 1,200-digit shc:/ health card (byte and numeric segments) is read back exactly', async () => {
    const random = seededRandom(7);
    const card =
      'shc:/' + Array.from({ length: 600 }, () => String(Math.floor(random() * 78)).padStart(2, '0')).join('');
    const frame = renderScene(plainScene(card, 'shc', { ecLevel: 'L', side: 480 }), 2);
    expect(await readQrWithZxing(asImageData(frame), FRAME_OPTIONS)).toBe(card);
  });

  test('grainy, cluttered frames without a code give no read', async () => {
    for (const frame of degradedFrames(11, 0, 3)) {
      expect(frame.scene.text).toBeUndefined();
      expect(await readQrWithZxing(asImageData(frame), FRAME_OPTIONS)).toBeUndefined();
    }
  });

  test('frames are the same for the same seed, and differ for another', () => {
    const digest = (seed: number): string => {
      const [frame] = degradedFrames(seed, 1, 0);
      return createHash('sha256')
        .update(frame?.data ?? new Uint8Array())
        .digest('hex');
    };
    expect(digest(5)).toBe(digest(5));
    expect(digest(5)).not.toBe(digest(6));
  });
});
