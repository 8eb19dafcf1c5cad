// @vitest-environment jsdom
/**
 * The link step's picture scanning, with the reader given as `scanImage`: a code read fills the
 * field, and each way it can go wrong has its own message (no code, reader not loaded, picture
 * too large). jsdom has no Worker: the button must still open the file dialog.
 */
import { MantineProvider } from '@mantine/core';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import { LinkInput } from '../../app/components/LinkInput';
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
