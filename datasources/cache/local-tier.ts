/**
 * Decoded cache entries kept in this process, in front of the shared store: a warm read then needs
 * neither a Redis round trip nor a decode. Bounded by the size the entries had as JSON, least
 * recently used forgotten first, roughly ("second chance": a read only marks an entry; making room
 * skips a marked entry once, unmarked, to the back of the order; a warm dashboard reads ~270
 * entries a request, so a read must cost no more than a Map lookup). Entries are frozen: every
 * request of the process shares them.
 *
 * Consistency: an entry is served only until the freshness it had in the store (or `maxAgeMs`,
 * whichever is first). Invalidations (writes, webhooks) delete it here and, through the gateway's
 * feed, on every other replica; while that feed is down the tier is off and empty, so a replica
 * never misses an invalidation it could not hear.
 */
export interface LocalTierOptions {
  /** Sum of the entries' JSON sizes kept at most. */
  maxBytes: number;
  /** No entry is kept longer than this, whatever its freshness. */
  maxAgeMs: number;
  now?: () => number;
}

interface Held {
  value: unknown;
  expiresAt: number;
  bytes: number;
  /** Read since it was put at the back of the order: spared once when room is made. */
  read: boolean;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

export class LocalTier {
  private readonly held = new Map<string, Held>();
  private bytes = 0;
  private deleted = 0;
  private enabled = true;
  private readonly now: () => number;

  constructor(private readonly options: LocalTierOptions) {
    this.now = options.now ?? Date.now;
  }

  get(key: string): unknown {
    const held = this.held.get(key);
    if (!held) return undefined;
    if (held.expiresAt <= this.now()) {
      this.forget(key, held);
      return undefined;
    }
    held.read = true;
    return held.value;
  }

  set(key: string, value: unknown, bytes: number, freshUntil: number): void {
    if (!this.enabled || bytes > this.options.maxBytes) return;
    const expiresAt = Math.min(freshUntil, this.now() + this.options.maxAgeMs);
    if (expiresAt <= this.now()) return;
    deepFreeze(value);
    const old = this.held.get(key);
    if (old) this.forget(key, old);
    this.held.set(key, { value, expiresAt, bytes, read: false });
    this.bytes += bytes;
    // A Map iterates in insertion order, so the first key is the least recently put at the back. A
    // read one goes to the back, unmarked, instead of out; the iteration then meets it again, so
    // this ends even when every entry was read.
    for (const [oldest, entry] of this.held) {
      if (this.bytes <= this.options.maxBytes) break;
      // The entry just put is not what makes room for itself.
      if (oldest === key) continue;
      if (entry.read) {
        entry.read = false;
        this.held.delete(oldest);
        this.held.set(oldest, entry);
        continue;
      }
      this.forget(oldest, entry);
    }
  }

  /**
   * Counts invalidations (delete, clear): a write prepared before one and not yet made (the
   * read-through's deferred writes) is dropped, so it cannot bring back what was invalidated.
   */
  get deletions(): number {
    return this.deleted;
  }

  delete(keys: Iterable<string>): void {
    this.deleted += 1;
    for (const key of keys) {
      const held = this.held.get(key);
      if (held) this.forget(key, held);
    }
  }

  /** Off while invalidations cannot arrive; on again (empty) once they can. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.clear();
  }

  clear(): void {
    this.deleted += 1;
    this.held.clear();
    this.bytes = 0;
  }

  size(): { entries: number; bytes: number } {
    return { entries: this.held.size, bytes: this.bytes };
  }

  private forget(key: string, held: Held): void {
    this.held.delete(key);
    this.bytes -= held.bytes;
  }
}
