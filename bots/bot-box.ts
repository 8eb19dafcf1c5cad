/**
 * What the bot keeps for itself on the server (staged resolve results, links in Tasks) sealed
 * with AES-GCM under a key derived from `SHL_IMPORT_KEY` (`sealing.ts`, `storageKey`). The
 * purpose is the additional authenticated data: a box made for one purpose (say, a review Task)
 * does not open as another (a followed link), so nothing stored for one operation can be used
 * by another. Only the bot can make or open a box: anyone else's is refused.
 */
import { decodeBase64url, decodeUtf8, encodeBase64url, encodeUtf8 } from './shl/base64url';
import { parseJsonObject } from './shl/json';

export type BoxPurpose = 'staged-result' | 'review-task' | 'follow-task';

export interface BoxKey {
  key: CryptoKey;
  subtle: SubtleCrypto;
  randomBytes: (length: number) => Uint8Array<ArrayBuffer>;
}

const IV_BYTES = 12;

/** Seals a JSON value for `purpose`: the IV, then the ciphertext. */
export function sealBox(box: BoxKey, purpose: BoxPurpose, value: object): Promise<Uint8Array<ArrayBuffer>> {
  return sealBoxBytes(box, purpose, encodeUtf8(JSON.stringify(value)));
}

/** Seals bytes for `purpose`: the IV, then the ciphertext. */
export async function sealBoxBytes(
  box: BoxKey,
  purpose: BoxPurpose,
  plaintext: Uint8Array<ArrayBuffer>
): Promise<Uint8Array<ArrayBuffer>> {
  const iv = box.randomBytes(IV_BYTES);
  const ciphertext = new Uint8Array(
    await box.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: additionalData(purpose) }, box.key, plaintext)
  );
  const sealed = new Uint8Array(IV_BYTES + ciphertext.length);
  sealed.set(iv);
  sealed.set(ciphertext, IV_BYTES);
  return sealed;
}

/** Opens a box made for `purpose`; undefined for anything else (another purpose, key or maker). */
export async function openBox(
  box: BoxKey,
  purpose: BoxPurpose,
  sealed: Uint8Array<ArrayBuffer>
): Promise<Record<string, unknown> | undefined> {
  const plaintext = await openBoxBytes(box, purpose, sealed);
  return plaintext && parseJsonObject(decodeUtf8(plaintext));
}

/** The bytes of a box made for `purpose`; undefined for anything else. */
export async function openBoxBytes(
  box: BoxKey,
  purpose: BoxPurpose,
  sealed: Uint8Array<ArrayBuffer>
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (sealed.length <= IV_BYTES) {
    return undefined;
  }
  try {
    return new Uint8Array(
      await box.subtle.decrypt(
        { name: 'AES-GCM', iv: sealed.subarray(0, IV_BYTES), additionalData: additionalData(purpose) },
        box.key,
        sealed.subarray(IV_BYTES)
      )
    );
  } catch {
    return undefined;
  }
}

function additionalData(purpose: BoxPurpose): Uint8Array<ArrayBuffer> {
  return encodeUtf8(`shl-import ${purpose} v1`);
}

/** A box as text (base64url), for a Task input. */
export async function sealBoxText(box: BoxKey, purpose: BoxPurpose, value: object): Promise<string> {
  return encodeBase64url(await sealBox(box, purpose, value));
}

/** Opens a box kept as text. */
export async function openBoxText(
  box: BoxKey,
  purpose: BoxPurpose,
  text: string | undefined
): Promise<Record<string, unknown> | undefined> {
  const bytes = text === undefined ? undefined : decodeBase64url(text);
  return bytes ? openBox(box, purpose, bytes) : undefined;
}
