import type { CacheStore } from '../../store.js';

/** A cache store in memory for the decorators' tests; counts the keys it was asked for. */
export class MapStore implements CacheStore {
  readonly entries = new Map<string, string>();
  keysRead = 0;
  getMany(keys: readonly string[]) {
    this.keysRead += keys.length;
    return Promise.resolve(keys.map((k) => this.entries.get(k)));
  }
  setMany(entries: ReadonlyArray<{ key: string; value: string }>) {
    for (const { key, value } of entries) this.entries.set(key, value);
    return Promise.resolve();
  }
  deleteMany(keys: readonly string[]) {
    for (const k of keys) this.entries.delete(k);
    return Promise.resolve();
  }
}
