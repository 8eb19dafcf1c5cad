/**
 * A Transport over the standard `fetch` (browsers, Node, workers). It cannot see the address a
 * name resolves to, so the bot uses the Node transport instead (`bots/node-platform.ts`), which
 * checks and pins it; this one serves isomorphic callers and tests.
 */
import { ShlError } from './errors';
import type { HttpRequest, HttpResponse, Transport } from './options';

export const fetchTransport: Transport = async (request: HttpRequest): Promise<HttpResponse> => {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort();
  }, request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      credentials: 'omit',
      signal: controller.signal,
    });
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > request.maxBytes) {
      await response.body?.cancel();
      throw tooLarge(request);
    }
    const body = await readCapped(response, request);
    return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, body };
  } catch (err) {
    if (err instanceof ShlError) {
      throw err;
    }
    throw new ShlError(
      'fetch-failed',
      controller.signal.aborted
        ? `${request.url.host} did not answer within ${Math.round(request.timeoutMs / 1000)} s. Try again later.`
        : `Could not reach ${request.url.host}. Check the network connection and try again.`
    );
  } finally {
    clearTimeout(timer);
  }
};

async function readCapped(response: Response, request: HttpRequest): Promise<Uint8Array> {
  if (!response.body) {
    return new Uint8Array(0);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    total += value.byteLength;
    if (total > request.maxBytes) {
      await reader.cancel();
      throw tooLarge(request);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) {
    return chunks[0] as Uint8Array;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(request: HttpRequest): ShlError {
  return new ShlError(
    'too-large',
    `A response from ${request.url.host} is larger than the ${Math.round(request.maxBytes / 1048576)} MB limit.`
  );
}
