/**
 * Where token sources of one credential, in every replica, meet: the sealed current access token,
 * the sealed latest refresh token, a refresh lock, and a note of a failed refresh. Values arrive
 * sealed (see sealed.ts); the store never sees a token in clear. Redis in production
 * (src/oauth/redis-token-store.ts), memory for one process.
 */
export interface TokenStore {
  get(key: string): Promise<string | null>;
  /** `ttlMs` null keeps the value until overwritten. */
  set(key: string, value: string, ttlMs: number | null): Promise<void>;
  del(key: string): Promise<void>;
  /** Takes the lock for `owner` for `ms` when nobody holds it. */
  acquire(lock: string, owner: string, ms: number): Promise<boolean>;
  /** Lets go, if `owner` still holds it. */
  release(lock: string, owner: string): Promise<void>;
}

/** One process's store: enough for a single replica and for tests. */
export class MemoryTokenStore implements TokenStore {
  private readonly values = new Map<string, { value: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string): string | null {
    const entry = this.values.get(key);
    if (!entry) return null;
    if (entry.until <= this.now()) {
      this.values.delete(key);
      return null;
    }
    return entry.value;
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.live(key));
  }

  set(key: string, value: string, ttlMs: number | null): Promise<void> {
    this.values.set(key, { value, until: ttlMs === null ? Infinity : this.now() + ttlMs });
    return Promise.resolve();
  }

  del(key: string): Promise<void> {
    this.values.delete(key);
    return Promise.resolve();
  }

  acquire(lock: string, owner: string, ms: number): Promise<boolean> {
    if (this.live(lock) !== null) return Promise.resolve(false);
    this.values.set(lock, { value: owner, until: this.now() + ms });
    return Promise.resolve(true);
  }

  release(lock: string, owner: string): Promise<void> {
    if (this.live(lock) === owner) this.values.delete(lock);
    return Promise.resolve();
  }
}
