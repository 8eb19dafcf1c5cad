/**
 * The first step: a link or a bare health card's QR code arrives by a USB or Bluetooth scanner
 * typing into the field (focused on load, and fetched back when keys arrive while nothing is
 * focused), by paste, by a photo of the code, or by the camera. What a link says (label, flags,
 * expiry) is shown, parsed in the page, before anything is sent.
 *
 * Scanners that send no Enter: typed text is opened once the field has been idle for
 * `IDLE_MS` and holds a complete, parseable link or card, once per distinct value. No per-key
 * timing, which a busy machine distorts; a scan cut short by a stall is not a parseable link.
 * Pasted text waits for Enter or "Open link", so staff see what the link is first. A card printed
 * in several QR codes (`shc:/1/3/…`) is collected part by part here ("part 2 of 3 scanned"),
 * then handed on whole.
 */
import { Alert, Badge, Button, FileButton, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import type { JSX } from 'react';
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { isShlError } from '../../bots/shl/errors';
import type { ParsedLink } from '../../bots/shl/link';
import { parseShl } from '../../bots/shl/link';
import type { ShcPart } from '../../bots/shl/shc';
import { jwsFromShc, looksLikeShc, parseShcPart } from '../../bots/shl/shc';
import { prepareQrReader, readPicture } from './qr-reader';

const CameraScanner = lazy(() => import('./CameraScanner'));

/** Typed text is opened once the field has been idle this long (scanners may send no Enter). */
export const IDLE_MS = 400;
/** Pictures larger than this are refused before decoding (a phone photo is a few MB). */
const MAX_PICTURE_BYTES = 40 * 1024 * 1024;
/** Far longer than any link or QR code: not read at all, and said so. */
const MAX_TEXT_CHARS = 10_000;
/** A compact ES256 JWS: header, payload and a 64-byte signature (86 base64url characters). */
const COMPLETE_JWS = /^[\w-]+\.[\w-]+\.[\w-]{86}$/;

export interface LinkInputProps {
  onSubmit: (shl: string, preview: ParsedLink) => void;
  /** A bare health card, every one of its QR codes scanned. Without it, health-card codes are refused. */
  onSubmitCard?: (codes: string[]) => void;
  /** The link kept from a failed open: shown and selected (a new scan replaces it), not opened by itself. */
  initialValue?: string;
  /** Who reads the screen: staff (the default), or a patient at a kiosk (plain words, no sender address). */
  audience?: 'staff' | 'patient';
  /**
   * Scan an image file for a QR code: its text, undefined when there is none, a rejection when
   * the reader cannot run (the QR reader's worker by default; tests give their own).
   */
  scanImage?: (file: File) => Promise<string | undefined>;
}

export interface LinkPreview {
  parsed?: ParsedLink;
  /** A health card's QR code (one part of it, or the whole). */
  card?: ShcPart;
  error?: string;
}

/** What the field's text is: a link, a health card's QR code, or why it is neither. */
export function previewLink(text: string, cards = true): LinkPreview {
  if (!text.trim()) {
    return {};
  }
  if (text.length > MAX_TEXT_CHARS) {
    return {
      error: `This is far longer than any health link or QR code (${text.length.toLocaleString()} characters). Clear the field and paste only the link.`,
    };
  }
  if (looksLikeShc(text)) {
    const card = parseShcPart(text);
    if (!cards) {
      return { error: 'This is a health card QR code; it cannot be read here.' };
    }
    if (!card || (card.total === 1 && !isWholeCard(text))) {
      return { error: 'This is not a complete health card QR code. Scan it again.' };
    }
    return { card };
  }
  try {
    return { parsed: parseShl(text) };
  } catch (err) {
    return { error: isShlError(err) ? err.message : 'This is not a SMART Health Link.' };
  }
}

/** Whether a card's codes decode into a whole signed card (not one cut short). */
function isWholeCard(...codes: string[]): boolean {
  try {
    return COMPLETE_JWS.test(jwsFromShc(codes));
  } catch {
    return false;
  }
}

/** The parts of a multi-part card scanned so far, and the last one scanned. */
interface CardParts {
  total: number;
  codes: Map<number, string>;
  last: number;
}

const WORDS = {
  staff: {
    label: 'SMART Health Link',
    description:
      "Scan the patient's QR code with the scanner (this field is ready for it), paste the link, or scan a picture.",
    open: 'Open link',
  },
  patient: {
    label: 'Your health link or QR code',
    description: 'Hold the QR code on your phone under the scanner. It is read by itself.',
    open: 'Check in',
  },
} as const;

export function LinkInput({
  onSubmit,
  onSubmitCard,
  initialValue = '',
  audience = 'staff',
  scanImage = readPicture,
}: LinkInputProps): JSX.Element {
  const words = WORDS[audience];
  const [text, setText] = useState(initialValue);
  const [camera, setCamera] = useState(false);
  const [scanError, setScanError] = useState<string>();
  const [card, setCard] = useState<CardParts>();
  const [cardNote, setCardNote] = useState<string>();
  const field = useRef<HTMLTextAreaElement>(null);
  const preview = useMemo(() => previewLink(text, onSubmitCard !== undefined), [text, onSubmitCard]);
  /** Whether the text came from typing (a scanner), as opposed to a paste or a scan in the page. */
  const typed = useRef(false);
  /** The last value opened: each distinct value is opened by itself at most once. */
  const opened = useRef(initialValue);

  useEffect(() => {
    field.current?.focus();
    if (initialValue) {
      field.current?.select();
    }
    // Keys typed while nothing is focused (a scan right after a click elsewhere) go to the field.
    const refocus = (event: KeyboardEvent): void => {
      const active = document.activeElement;
      const idle = !active || active === document.body || active.getAttribute('tabindex') === '-1';
      if (idle && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
        field.current?.focus();
      }
    };
    window.addEventListener('keydown', refocus);
    return () => window.removeEventListener('keydown', refocus);
    // Once, on load: a kept link is selected only then.
  }, []);

  const addPart = (code: string, part: ShcPart): void => {
    const same = card?.total === part.total;
    const codes = new Map(same ? card.codes : []);
    setCardNote(
      card && !same
        ? 'That code belongs to another health card: starting again with it.'
        : codes.has(part.index)
          ? `Part ${part.index} was already scanned.`
          : undefined
    );
    codes.set(part.index, code);
    // The field is emptied for the next part: scanning a part again is a new scan.
    setText('');
    opened.current = '';
    if (codes.size < part.total) {
      setCard({ total: part.total, codes, last: part.index });
      return;
    }
    setCard(undefined);
    const ordered = [...codes.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
    if (isWholeCard(...ordered)) {
      onSubmitCard?.(ordered);
    } else {
      setCardNote('The parts did not make a complete health card. Scan every part again.');
    }
  };

  /** Opens what the text holds, if it is complete: a link, or a health card (part). */
  const accept = (value: string): void => {
    opened.current = value;
    const result = previewLink(value, onSubmitCard !== undefined);
    if (result.parsed) {
      onSubmit(value.trim(), result.parsed);
    } else if (result.card) {
      if (result.card.total === 1) {
        onSubmitCard?.([value.trim()]);
      } else {
        addPart(value.trim(), result.card);
      }
    }
  };

  // Typed text (a scanner without Enter) opens once the field has been idle, once per value.
  useEffect(() => {
    if (!typed.current || text === opened.current || (!preview.parsed && !preview.card)) {
      return undefined;
    }
    const timer = setTimeout(() => accept(text), IDLE_MS);
    return () => clearTimeout(timer);
  });

  /** Text read from a picture or the camera: a card's part is taken at once, a link is shown first. */
  const scannedInPage = (value: string): void => {
    typed.current = false;
    const result = previewLink(value, onSubmitCard !== undefined);
    if (result.card) {
      accept(value);
    } else {
      setText(value);
    }
  };

  const nextPart = card ? Array.from({ length: card.total }, (_, i) => i + 1).find((i) => !card.codes.has(i)) : 0;
  return (
    <Stack>
      <Textarea
        ref={field}
        label={words.label}
        description={words.description}
        placeholder="shlink:/…, https://…#shlink:/… or shc:/…"
        autosize
        minRows={2}
        maxRows={6}
        value={text}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => {
          const inputType = (e.nativeEvent as InputEvent).inputType as string | undefined;
          typed.current = inputType === 'insertText' || inputType === 'insertLineBreak';
          setText(e.currentTarget.value);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            accept(text);
          }
        }}
        error={preview.error}
      />
      {preview.parsed && audience === 'staff' && <LinkSummary link={preview.parsed} />}
      {card && (
        <Paper withBorder p="sm" role="status" aria-label="Health card parts">
          <Text fw={600}>
            Health card: part {card.last} of {card.total} scanned ({card.codes.size} of {card.total} in all). Scan part{' '}
            {nextPart}.
          </Text>
          <Group gap="xs" mt="xs">
            {Array.from({ length: card.total }, (_, i) => (
              <Badge key={i} color={card.codes.has(i + 1) ? 'green' : 'gray'} variant="light">
                Part {i + 1}: {card.codes.has(i + 1) ? 'scanned' : 'waiting'}
              </Badge>
            ))}
          </Group>
          <Button size="xs" variant="subtle" mt="xs" onClick={() => setCard(undefined)}>
            Clear the scanned parts
          </Button>
        </Paper>
      )}
      {cardNote && (
        <Text size="sm" c="orange" role="status">
          {cardNote}
        </Text>
      )}
      <Group>
        <Button onClick={() => accept(text)} disabled={!preview.parsed && !preview.card}>
          {words.open}
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
                    scannedInPage(value);
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
              scannedInPage(value);
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
