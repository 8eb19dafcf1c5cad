/**
 * Camera QR scanning with html5-qrcode (loaded only when staff open the camera): the rear camera
 * by default, a camera picker, the torch where the device has one, and a clear message when
 * there is no camera or permission is denied.
 */
import { Alert, Button, Group, Select, Stack } from '@mantine/core';
import type { Html5Qrcode } from 'html5-qrcode';
import type { JSX } from 'react';
import { useEffect, useId, useRef, useState } from 'react';

export default function CameraScanner({ onScan }: { onScan: (text: string) => void }): JSX.Element {
  const id = `shl-camera-${useId().replace(/:/g, '')}`;
  const scanner = useRef<Html5Qrcode | undefined>(undefined);
  const [cameras, setCameras] = useState<{ id: string; label: string }[]>([]);
  const [cameraId, setCameraId] = useState<string | null>(null);
  const [torch, setTorch] = useState<boolean | undefined>(undefined);
  const [error, setError] = useState<string>();
  const scanned = useRef(onScan);
  scanned.current = onScan;

  useEffect(() => {
    const run = { stopped: false };
    void (async () => {
      try {
        const { Html5Qrcode } = await import('html5-qrcode');
        const found = await Html5Qrcode.getCameras();
        if (run.stopped) {
          return;
        }
        if (found.length === 0) {
          setError('No camera was found. Scan a picture of the QR code, or paste the link instead.');
          return;
        }
        setCameras(found);
        const instance = new Html5Qrcode(id);
        scanner.current = instance;
        await instance.start(
          cameraId ? { deviceId: { exact: cameraId } } : { facingMode: 'environment' },
          { fps: 10, qrbox: 250 },
          (text) => {
            scanned.current(text);
          },
          undefined
        );
        const capabilities = instance.getRunningTrackCameraCapabilities();
        setTorch(capabilities.torchFeature().isSupported() ? false : undefined);
      } catch {
        if (!run.stopped) {
          setError(
            'The camera could not be used: allow camera access in the browser, or scan a picture or paste the link.'
          );
        }
      }
    })();
    return () => {
      run.stopped = true;
      const instance = scanner.current;
      scanner.current = undefined;
      if (instance?.isScanning) {
        void instance.stop().catch(() => undefined);
      }
    };
  }, [id, cameraId]);

  return (
    <Stack>
      {error && (
        <Alert color="orange" role="alert">
          {error}
        </Alert>
      )}
      <div id={id} style={{ maxWidth: 400 }} aria-label="Camera preview" />
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
              void scanner.current?.getRunningTrackCameraCapabilities().torchFeature().apply(next);
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
