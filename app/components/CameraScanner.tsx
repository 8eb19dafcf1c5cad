/**
 * Camera QR scanning (loaded only when staff open the camera): the rear camera by default, a
 * camera picker, the torch where the device has one, and a clear message when there is no
 * camera or permission is denied. Frames are read with jsQR about ten times a second.
 */
import { Alert, Button, Group, Select, Stack } from '@mantine/core';
import type { JSX } from 'react';
import { useEffect, useRef, useState } from 'react';
import { createFrameCanvas, loadJsQr, readQr } from './qr-decode';

/** Frames are read at up to this size: enough for a code held up to the camera, cheap per frame. */
const MAX_FRAME_SIDE = 800;
const FRAME_INTERVAL_MS = 100;

/** Whether the camera has a torch (not in every browser's types, nor every browser). */
function hasTorch(track: MediaStreamTrack | undefined): boolean {
  try {
    return (track?.getCapabilities() as { torch?: boolean } | undefined)?.torch === true;
  } catch {
    return false;
  }
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
    void (async () => {
      try {
        const constraints = cameraId ? { deviceId: { exact: cameraId } } : { facingMode: 'environment' };
        const [jsQR, media] = await Promise.all([
          loadJsQr(),
          navigator.mediaDevices.getUserMedia({ video: constraints, audio: false }),
        ]);
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
        const context = createFrameCanvas();
        if (!element || !context) {
          return;
        }
        element.srcObject = media;
        await element.play();
        const tick = (): void => {
          if (run.stopped) {
            return;
          }
          if (element.readyState >= element.HAVE_CURRENT_DATA && element.videoWidth > 0) {
            const text = readQr(jsQR, context, element, element.videoWidth, element.videoHeight, MAX_FRAME_SIDE);
            if (text) {
              scanned.current(text);
              return;
            }
          }
          run.timer = window.setTimeout(tick, FRAME_INTERVAL_MS);
        };
        tick();
      } catch (err) {
        if (!run.stopped) {
          const name = err instanceof Error ? err.name : '';
          setError(
            name === 'NotFoundError' || name === 'OverconstrainedError'
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
