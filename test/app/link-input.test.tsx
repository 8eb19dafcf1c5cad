// @vitest-environment jsdom
/**
 * The link step: scanning without losing input (the field focused, typed text opened once the
 * field is idle and only once, pasted text waiting for Enter, a kept link not reopened, keys
 * typed while nothing is focused caught), a health card in several QR codes collected part by
 * part, a huge paste refused in words; and picture scanning, with the reader given as
 * `scanImage`: a code read fills the field, and each way it can go wrong has its own message
 * (no code, reader not loaded, picture too large). jsdom has no Worker: the button must still
 * open the file dialog.
 */
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import { IDLE_MS, LinkInput } from '../../app/components/LinkInput';
import { shcCodes } from '../../local/health-card-issuer';
import { encodeShlink } from '../../local/shl-sender';

const LINK = encodeShlink({
  url: 'https://sender.example/m',
  key: 'rxTgYlOaKJPFtcEd0qcceN8wEU4p94SqAwIWQe6uX7Q',
  label: 'Visit summary',
});

afterEach(cleanup);

function renderWith(scanImage: (file: File) => Promise<string | undefined>): { scanned: File[] } {
  const scanned: File[] = [];
  render(
    <MantineProvider>
      <LinkInput
        onSubmit={() => undefined}
        scanImage={(file) => {
          scanned.push(file);
          return scanImage(file);
        }}
      />
    </MantineProvider>
  );
  return { scanned };
}

function choosePicture(file: File): void {
  const input = document.querySelector('input[type=file]');
  if (!input) {
    throw new Error('no file input');
  }
  fireEvent.change(input, { target: { files: [file] } });
}

const picture = (): File => new File([new Uint8Array(16)], 'qr.png', { type: 'image/png' });

describe('scanning a picture', () => {
  test('the button opens the file dialog, even where the reader cannot start (no Worker in jsdom)', () => {
    renderWith(() => Promise.resolve(LINK));
    let opened = false;
    document.querySelector('input[type=file]')?.addEventListener('click', () => (opened = true));
    fireEvent.click(screen.getByRole('button', { name: 'Scan a picture' }));
    expect(opened).toBe(true);
  });

  test('a code read fills the field and shows what the link says', async () => {
    renderWith(() => Promise.resolve(LINK));
    choosePicture(picture());
    expect(await screen.findByText('Visit summary')).toBeInTheDocument();
    expect(screen.getByLabelText('SMART Health Link')).toHaveValue(LINK);
  });

  test('no code in the picture', async () => {
    renderWith(() => Promise.resolve(undefined));
    choosePicture(picture());
    expect(await screen.findByRole('alert')).toHaveTextContent('No QR code was found in that picture');
  });

  test('the reader could not be loaded', async () => {
    renderWith(() => Promise.reject(new Error('worker failed')));
    choosePicture(picture());
    expect(await screen.findByRole('alert')).toHaveTextContent('The QR reader could not be loaded');
  });

  test('a picture over 40 MB is refused before reading', async () => {
    const { scanned } = renderWith(() => Promise.resolve(LINK));
    const large = picture();
    Object.defineProperty(large, 'size', { value: 41 * 1024 * 1024 });
    choosePicture(large);
    expect(await screen.findByRole('alert')).toHaveTextContent('That picture is too large to read');
    expect(scanned).toHaveLength(0);
  });
});

/** A JWS shaped like a signed card (ES256: an 86-character signature). */
const CARD = `eyJhbGciOiJFUzI1NiIsInppcCI6IkRFRiJ9.${'x'.repeat(400)}.${'s'.repeat(86)}`;

interface Opened {
  links: string[];
  cards: string[][];
}

function renderField(props: { initialValue?: string } = {}): Opened {
  const opened: Opened = { links: [], cards: [] };
  render(
    <MantineProvider>
      <LinkInput
        {...props}
        onSubmit={(shl) => opened.links.push(shl)}
        onSubmitCard={(codes) => opened.cards.push(codes)}
        scanImage={() => Promise.resolve(undefined)}
      />
    </MantineProvider>
  );
  return opened;
}

function field(): HTMLTextAreaElement {
  return screen.getByLabelText('SMART Health Link');
}

/** What a keyboard-wedge scanner does: text arrives as typed input (here all at once, the slowest machine's case). */
function scannerTypes(value: string): void {
  const input = field();
  act(() => {
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set?.call(input, value);
    input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: value.slice(-1) }));
  });
}

const wait = (ms: number): Promise<void> =>
  act(async () => {
    await new Promise((resolve) => setTimeout(resolve, ms));
  });

describe('scanning into the field', () => {
  test('the field has the focus on load', () => {
    renderField();
    expect(document.activeElement).toBe(field());
  });

  test('a link typed by a scanner without Enter opens once the field has been idle, and only once', async () => {
    const opened = renderField();
    scannerTypes(LINK);
    await wait(IDLE_MS / 4);
    expect(opened.links).toEqual([]);
    await waitFor(() => expect(opened.links).toEqual([LINK]));
    // Idle again with the same text: not opened twice.
    await wait(IDLE_MS * 2);
    expect(opened.links).toEqual([LINK]);
  });

  test('a scan cut short (a stall mid-scan) is not opened', async () => {
    const opened = renderField();
    scannerTypes(LINK.slice(0, LINK.length - 7));
    await wait(IDLE_MS * 2);
    expect(opened.links).toEqual([]);
  });

  test('a pasted link waits for Enter, so staff see what it is first', async () => {
    const opened = renderField();
    fireEvent.change(field(), { target: { value: LINK } });
    expect(await screen.findByText('Visit summary')).toBeInTheDocument();
    await wait(IDLE_MS * 2);
    expect(opened.links).toEqual([]);
    fireEvent.keyDown(field(), { key: 'Enter' });
    expect(opened.links).toEqual([LINK]);
  });

  test('a link kept from a failed open is shown selected (a new scan replaces it), not opened by itself', async () => {
    const opened = renderField({ initialValue: LINK });
    expect(field()).toHaveValue(LINK);
    expect([field().selectionStart, field().selectionEnd]).toEqual([0, LINK.length]);
    await wait(IDLE_MS * 2);
    expect(opened.links).toEqual([]);
  });

  test('keys typed while nothing has the focus bring it back to the field', () => {
    renderField();
    act(() => field().blur());
    expect(document.activeElement).toBe(document.body);
    fireEvent.keyDown(window, { key: 's' });
    expect(document.activeElement).toBe(field());
  });

  test('a 2 MB paste is refused in words, without reading it as a link', async () => {
    renderField();
    fireEvent.change(field(), { target: { value: 'shlink:/' + 'A'.repeat(2 * 1024 * 1024) } });
    expect(
      await screen.findByText(/far longer than any health link or QR code \(2,097,160 characters\)/)
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open link' })).toBeDisabled();
  });
});

describe('health-card QR codes', () => {
  test('a card in one code opens at once; one cut short is refused', async () => {
    const opened = renderField();
    const [code = ''] = shcCodes(CARD);
    scannerTypes(code.slice(0, -20));
    expect(await screen.findByText('This is not a complete health card QR code. Scan it again.')).toBeInTheDocument();
    scannerTypes(code);
    await waitFor(() => expect(opened.cards).toEqual([[code]]));
  });

  test('a card in three codes is collected part by part, whatever the order, then handed on whole and in order', async () => {
    const opened = renderField();
    const parts = shcCodes(CARD, 3);
    scannerTypes(parts[1] ?? '');
    expect(
      await screen.findByText('Health card: part 2 of 3 scanned (1 of 3 in all). Scan part 1.')
    ).toBeInTheDocument();
    // The field is cleared for the next part.
    expect(field()).toHaveValue('');
    scannerTypes(parts[1] ?? '');
    expect(await screen.findByText('Part 2 was already scanned.')).toBeInTheDocument();
    scannerTypes(parts[0] ?? '');
    expect(
      await screen.findByText('Health card: part 1 of 3 scanned (2 of 3 in all). Scan part 3.')
    ).toBeInTheDocument();
    expect(opened.cards).toEqual([]);
    fireEvent.change(field(), { target: { value: parts[2] } });
    fireEvent.keyDown(field(), { key: 'Enter' });
    expect(opened.cards).toEqual([parts]);
    expect(screen.queryByLabelText('Health card parts')).toBeNull();
  });

  test('a part of another card starts the collection again with it', async () => {
    renderField();
    scannerTypes(shcCodes(CARD, 3)[0] ?? '');
    await screen.findByText(/part 1 of 3 scanned/);
    scannerTypes(shcCodes(CARD, 2)[0] ?? '');
    expect(
      await screen.findByText('That code belongs to another health card: starting again with it.')
    ).toBeInTheDocument();
    expect(screen.getByText(/part 1 of 2 scanned/)).toBeInTheDocument();
  });
});
