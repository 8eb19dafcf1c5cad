/**
 * A small (155 px), slightly blurred SHL QR code in a 1280x720 camera picture: what the pages'
 * decoder must read and jsQR (the decoder before it) misses. Shared by the decoder test and the
 * Chromium picture test, which see the same pixels (PNG is lossless).
 */
import { plainScene, renderScene } from '../bench/qr-frames';

const payload = {
  url: 'https://shl.example.org/api/shl/2Ppb3JaJ9Ylt7bXpHTCb1WQBYxBSs0E94Zk7ZvHbn7M',
  key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q',
  exp: 1893456000,
  flag: 'P',
  label: 'Visit summary, Riverside clinic',
  v: 1,
};

export const SMALL_BLURRED_LABEL = payload.label;
export const SMALL_BLURRED_LINK = 'shlink:/' + Buffer.from(JSON.stringify(payload)).toString('base64url');

export function smallBlurredFrame(): { data: Uint8ClampedArray; width: number; height: number } {
  return renderScene(plainScene(SMALL_BLURRED_LINK, 'shlink', { side: 155, blur: 1, noise: 3 }), 0);
}
