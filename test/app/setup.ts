/** What jsdom lacks for Mantine, and one realm for typed arrays, as a browser has. */
import '@testing-library/jest-dom/vitest';
import { TextDecoder as NodeTextDecoder, TextEncoder as NodeTextEncoder } from 'node:util';

if (typeof window !== 'undefined') {
  Object.assign(window, {
    matchMedia: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }),
  });
  Object.assign(globalThis, {
    ResizeObserver: class {
      observe(): void {
        // jsdom does no layout.
      }
      unobserve(): void {
        // jsdom does no layout.
      }
      disconnect(): void {
        // jsdom does no layout.
      }
    },
    // jsdom brings its own Uint8Array while Node's TextEncoder and WebCrypto make Node's, which
    // jose (rightly) tells apart; a browser has one realm, so give the page Node's everywhere.
    Uint8Array: (Object.getPrototypeOf(Buffer.prototype) as { constructor: Uint8ArrayConstructor }).constructor,
    TextEncoder: NodeTextEncoder,
    TextDecoder: NodeTextDecoder,
  });
  Object.assign(window.HTMLElement.prototype, { scrollIntoView: () => undefined });
}
