/**
 * Medplum's key-value store (`/keyvalue/v1/:key`) in memory, for local mode: one user, with the
 * server's rules (keys of letters, digits, `-` and `_` up to 255, values up to 8 KB, at most 10
 * keys). The local API serves it to the pages over HTTP, and the bot's in-memory client is given
 * the same store as its `keyValue`, as a real server gives both the user's store.
 */
import type { MedplumClient } from '@medplum/core';

const KEY = /^[A-Za-z0-9_-]{1,255}$/;
const MAX_VALUE_LENGTH = 8192;
const MAX_ITEMS = 10;

export class KeyValueRefused extends Error {}

export class MemoryKeyValueStore {
  private readonly values = new Map<string, string>();

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(check(key)));
  }

  set(key: string, value: string): Promise<void> {
    if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) {
      return Promise.reject(new KeyValueRefused('Value too long'));
    }
    if (!this.values.has(check(key)) && this.values.size >= MAX_ITEMS) {
      return Promise.reject(new KeyValueRefused('Max items exceeded'));
    }
    this.values.set(key, value);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.values.delete(check(key));
    return Promise.resolve();
  }

  /** Makes this the store of `medplum.keyValue` (the bot's in-memory client). */
  attachTo(medplum: MedplumClient): void {
    Object.defineProperty(medplum, 'keyValue', { value: this });
  }
}

function check(key: string): string {
  if (!KEY.test(key)) {
    throw new KeyValueRefused('Invalid key');
  }
  return key;
}
