/**
 * Camera QR scanning (loaded only when staff open the camera): the rear camera by default, a
 * camera picker, the torch where the device has one, and a clear message when there is no
 * camera or permission is denied. Frames are read about ten times a second in the QR reader's
 * worker (qr-reader.ts), one at a time; opening the camera starts loading the reader.
 */
import { Alert, Button, Group, Select, Stack } from '@mantine/core';
import type { JSX } from 'react';
import { useEffect, useRef, useState } from 'react';
import { prepareQrReader, readFrame, READER_UNAVAILABLE } from './qr-reader';

/** A new frame is read this long after the previous one was taken (or as soon as it is read, if later). */
const FRAME_INTERVAL_MS = 100;
/** 720p where the camera has it: the frames the decoder is measured on (`npm run bench:qr`). */
const FRAME_SIZE = { width: { ideal: 1280 }, height: { ideal: 720 } };

/** Whether the camera has a torch (not in every browser's types, nor every browser). */
function hasTorch(track: MediaStreamTrack | undefined): boolean {
  try {
    return (track?.getCapabilities() as { torch?: boolean } | undefined)?.torch === true;
  } catch {
    return false;
  }
}

/** Reads the video's frames one at a time until a code is read (its text) or the camera closes. */
async function scanFrames(
  element: HTMLVideoElement,
  stopped: () => boolean,
  pause: (ms: number) => Promise<void>
): Promise<string | undefined> {
  while (!stopped()) {
    const taken = performance.now();
    if (element.readyState >= element.HAVE_CURRENT_DATA && element.videoWidth > 0) {
      const frame = await createImageBitmap(element).catch(() => undefined);
      const text = frame && (await readFrame(frame));
      if (text && !stopped()) {
        return text;
      }
    }
    await pause(Math.max(0, FRAME_INTERVAL_MS - (performance.now() - taken)));
  }
  return undefined;
}

export default function CameraScanner({ onScan }: { onScan: (text: string) => void }): JSX.Element {
  const video = useRef<HTMLVideoElement>(null);
  const track = useRef<MediaStreamTrack | undefined>(undefined);
  const [cameras, setCameras] = useState<{ id: string; label: string }[]>([]);
  const [cameraId, setCameraId] = useState<string | null>(null);
  const [torch, setTorch] = useState<boolean | undefined>(undefined);
  const [error, setError] = useState<string>();
  const scanned = useRef(onScan);
  scanned.current = onScan;

  useEffect(() => {
    const run = { stopped: false, timer: 0 };
    let stream: MediaStream | undefined;
    prepareQrReader();
    const pause = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        run.timer = window.setTimeout(resolve, ms);
      });
    void (async () => {
      try {
        const constraints = cameraId
          ? { deviceId: { exact: cameraId }, ...FRAME_SIZE }
          : { facingMode: 'environment', ...FRAME_SIZE };
        const media = await navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
        stream = media;
        if (run.stopped) {
          media.getTracks().forEach((t) => t.stop());
          return;
        }
        const devices = await navigator.mediaDevices.enumerateDevices();
        setCameras(devices.filter((d) => d.kind === 'videoinput').map((d) => ({ id: d.deviceId, label: d.label })));
        const [videoTrack] = media.getVideoTracks();
        track.current = videoTrack;
        setTorch(hasTorch(videoTrack) ? false : undefined);
        const element = video.current;
        if (!element) {
          return;
        }
        element.srcObject = media;
        await element.play();
        const text = await scanFrames(element, () => run.stopped, pause);
        if (text) {
          scanned.current(text);
        }
      } catch (err) {
        stream?.getTracks().forEach((t) => t.stop());
        if (!run.stopped) {
          const name = err instanceof Error ? err.name : '';
          const message = err instanceof Error ? err.message : '';
          setError(
            message === READER_UNAVAILABLE
              ? 'The QR reader could not be loaded. Paste the link instead, or reload the page and try again.'
              : name === 'NotFoundError' || name === 'OverconstrainedError'
                ? 'No camera was found. Scan a picture of the QR code, or paste the link instead.'
                : 'The camera could not be used: allow camera access in the browser, or scan a picture or paste the link.'
          );
        }
      }
    })();
    return () => {
      run.stopped = true;
      window.clearTimeout(run.timer);
      stream?.getTracks().forEach((t) => t.stop());
      track.current = undefined;
    };
  }, [cameraId]);

  return (
    <Stack>
      {error && (
        <Alert color="orange" role="alert">
          {error}
        </Alert>
      )}
      <video
        ref={video}
        muted
        playsInline
        aria-label="Camera preview"
        style={{ maxWidth: 400, width: '100%', display: error ? 'none' : undefined }}
      />
      <Group>
        {cameras.length > 1 && (
          <Select
            label="Camera"
            data={cameras.map((c) => ({ value: c.id, label: c.label || c.id }))}
            value={cameraId}
            onChange={setCameraId}
          />
        )}
        {torch !== undefined && (
          <Button
            variant="default"
            aria-pressed={torch}
            onClick={() => {
              const next = !torch;
              void track.current
                ?.applyConstraints({ advanced: [{ torch: next } as MediaTrackConstraintSet] })
                .catch(() => undefined);
              setTorch(next);
            }}
          >
            {torch ? 'Torch off' : 'Torch on'}
          </Button>
        )}
      </Group>
    </Stack>
  );
}
