/**
 * The first step: a link arrives by paste, by a USB or Bluetooth QR scanner typing into the
 * focused field (submitted on Enter, or once a complete link has arrived in one fast burst), by a photo of
 * the QR code, or by the camera. What the link says (label, flags, expiry) is shown, parsed in
 * the page, before anything is sent.
 */
import { Alert, Badge, Button, FileButton, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import type { JSX } from 'react';
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { isShlError } from '../../bots/shl/errors';
import type { ParsedLink } from '../../bots/shl/link';
import { parseShl } from '../../bots/shl/link';
import { prepareQrReader, readPicture } from './qr-reader';

const CameraScanner = lazy(() => import('./CameraScanner'));

/** Keyboard-wedge scanners type far faster than people: at least this many keys… */
const SCANNER_MIN_KEYS = 20;
/** …each within this many milliseconds of the previous one. */
const SCANNER_MAX_GAP_MS = 35;
/** A scanned link is submitted once input has been idle this long (scanners may send no Enter). */
const SCANNER_IDLE_MS = 300;
/** Pictures larger than this are refused before decoding (a phone photo is a few MB). */
const MAX_PICTURE_BYTES = 40 * 1024 * 1024;

export interface LinkInputProps {
  onSubmit: (shl: string, preview: ParsedLink) => void;
  /**
   * Scan an image file for a QR code: its text, undefined when there is none, a rejection when
   * the reader cannot run (the QR reader's worker by default; tests give their own).
   */
  scanImage?: (file: File) => Promise<string | undefined>;
}

export interface LinkPreview {
  parsed?: ParsedLink;
  error?: string;
}

export function previewLink(text: string): LinkPreview {
  if (!text.trim()) {
    return {};
  }
  try {
    return { parsed: parseShl(text) };
  } catch (err) {
    return { error: isShlError(err) ? err.message : 'This is not a SMART Health Link.' };
  }
}

export function LinkInput({ onSubmit, scanImage = readPicture }: LinkInputProps): JSX.Element {
  const [text, setText] = useState('');
  const [camera, setCamera] = useState(false);
  const [scanError, setScanError] = useState<string>();
  const field = useRef<HTMLTextAreaElement>(null);
  const preview = useMemo(() => previewLink(text), [text]);
  const burst = useRef({ keys: 0, last: 0 });

  useEffect(() => {
    field.current?.focus();
  }, []);

  const submit = (value = text): void => {
    const result = previewLink(value);
    if (result.parsed) {
      onSubmit(value, result.parsed);
    }
  };

  // A complete link typed in one fast burst came from a scanner: submit it when the burst ends.
  useEffect(() => {
    if (!preview.parsed || burst.current.keys < SCANNER_MIN_KEYS) {
      return undefined;
    }
    const timer = setTimeout(() => {
      burst.current.keys = 0;
      submit();
    }, SCANNER_IDLE_MS);
    return () => clearTimeout(timer);
  });

  return (
    <Stack>
      <Textarea
        ref={field}
        label="SMART Health Link"
        description="Paste the link, or scan the patient's QR code with a scanner while this field is focused."
        placeholder="shlink:/… or https://…#shlink:/…"
        autosize
        minRows={2}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            burst.current.keys = 0;
            submit();
            return;
          }
          const now = e.timeStamp;
          burst.current.keys = now - burst.current.last <= SCANNER_MAX_GAP_MS ? burst.current.keys + 1 : 1;
          burst.current.last = now;
        }}
        error={preview.error}
      />
      {preview.parsed && <LinkSummary link={preview.parsed} />}
      <Group>
        <Button onClick={() => submit()} disabled={!preview.parsed}>
          Open link
        </Button>
        <Button variant="default" onClick={() => setCamera((on) => !on)} aria-pressed={camera}>
          {camera ? 'Stop camera' : 'Scan with camera'}
        </Button>
        <FileButton
          accept="image/*"
          onChange={(file) => {
            if (file) {
              setScanError(undefined);
              if (file.size > MAX_PICTURE_BYTES) {
                setScanError(
                  'That picture is too large to read (over 40 MB). Take a smaller photo, or paste the link.'
                );
                return;
              }
              scanImage(file)
                .then((value) => {
                  if (value) {
                    setText(value);
                  } else {
                    setScanError('No QR code was found in that picture. Try a sharper photo, or paste the link.');
                  }
                })
                .catch(() => {
                  setScanError('The QR reader could not be loaded. Paste the link instead, or try again.');
                });
            }
          }}
        >
          {(props) => (
            <Button
              variant="default"
              {...props}
              onClick={() => {
                // The reader loads while staff choose the picture.
                prepareQrReader();
                props.onClick();
              }}
            >
              Scan a picture
            </Button>
          )}
        </FileButton>
      </Group>
      {scanError && (
        <Alert color="orange" role="alert">
          {scanError}
        </Alert>
      )}
      {camera && (
        <Suspense fallback={<Text>Starting the camera…</Text>}>
          <CameraScanner
            onScan={(value) => {
              setCamera(false);
              setText(value);
            }}
          />
        </Suspense>
      )}
    </Stack>
  );
}

/** Label, flags and expiry of a link, before anything is sent. */
export function LinkSummary({ link }: { link: ParsedLink }): JSX.Element {
  const { payload, flags } = link;
  const expired = payload.exp !== undefined && payload.exp * 1000 < Date.now();
  return (
    <Paper withBorder p="sm" aria-label="Link details">
      <Stack gap={4}>
        <Text fw={600}>{payload.label ?? 'Untitled link'}</Text>
        <Group gap="xs">
          {flags.has('P') && <Badge color="grape">Passcode</Badge>}
          {flags.has('L') && <Badge color="blue">Long-lived</Badge>}
          {flags.has('U') && <Badge color="gray">Single file</Badge>}
          <Text size="sm" c="dimmed">
            from {new URL(payload.url).host}
          </Text>
        </Group>
        {payload.exp !== undefined && (
          <Text size="sm" c={expired ? 'red' : undefined}>
            {expired ? 'Expired' : 'Expires'} {new Date(payload.exp * 1000).toLocaleString()}
            {expired && ' — you may still try: the sender decides.'}
          </Text>
        )}
        {link.warnings.map((w) => (
          <Text key={w} size="sm" c="orange">
            {w}
          </Text>
        ))}
      </Stack>
    </Paper>
  );
}
