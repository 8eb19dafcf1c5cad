/** Y4M videos for Chromium's fake camera (`--use-file-for-fake-video-capture`): a QR code, or a given frame. */
import QRCode from 'qrcode';
import { writeFileSync } from 'node:fs';

/** Ten frames of grey `luma` (width x height), full-range 4:2:0 with neutral chroma. */
function writeGreyVideo(luma: Uint8Array, width: number, height: number, path: string): void {
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: 10 }, () => frame)]));
}

export function writeQrVideo(text: string, path: string, width = 640, height = 480): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const scale = Math.floor(Math.min(width, height) / (size + 8));
  const left = Math.floor((width - size * scale) / 2);
  const top = Math.floor((height - size * scale) / 2);
  const luma = Buffer.alloc(width * height, 255);
  for (let y = 0; y < size * scale; y++) {
    for (let x = 0; x < size * scale; x++) {
      if (qr.modules.get(Math.floor(y / scale), Math.floor(x / scale))) {
        luma[(top + y) * width + left + x] = 0;
      }
    }
  }
  writeGreyVideo(luma, width, height, path);
}

/** A video showing `frame` (RGBA) in grey. */
export function writeFrameVideo(frame: { data: Uint8ClampedArray; width: number; height: number }, path: string): void {
  const luma = Buffer.alloc(frame.width * frame.height);
  for (let i = 0; i < luma.length; i++) {
    const r = frame.data[i * 4] as number;
    const g = frame.data[i * 4 + 1] as number;
    const b = frame.data[i * 4 + 2] as number;
    luma[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  writeGreyVideo(luma, frame.width, frame.height, path);
}
