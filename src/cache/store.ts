import type { CacheStore } from '../../datasources/cache/store.js';
import { DEFAULT_REDIS_CONNECT_TIMEOUT_MS } from '../redis/client.js';
import { createSharedRedis } from '../redis/shared-redis.js';
import { parseRedisUrl } from '../redis/target.js';

/** A cache read slower than this counts as a miss: the provider may well be faster than a sick Redis. */
export const DEFAULT_READ_TIMEOUT_MS = 50;
/** Redis connection attempts back off up to this, and keep going: Redis back means caching again. */
export const MAX_RECONNECT_DELAY_MS = 2_000;
/** JSON megabytes of decoded entries each process keeps in front of the store (0: none). */
export const DEFAULT_LOCAL_MAX_MB = 32;
/** The longest a process keeps a decoded entry, whatever its freshness: a bound on a missed invalidation. */
export const DEFAULT_LOCAL_MAX_AGE_S = 60;
/** How long start-up waits for the cache's Redis before it goes on without it. */
export const CONNECT_WAIT_MS = 2_000;
/** Entries the in-memory store (no REDIS_URL) holds before it forgets the least recently used. */
export const DEFAULT_MEMORY_MAX_ENTRIES = 50_000;

export interface ManagedCacheStore extends CacheStore {
  readonly kind: 'redis' | 'memory';
  /**
   * Settles once the store first answers, or after `CONNECT_WAIT_MS` (a Redis that is down at start
   * is a run of misses, not a failed start). Start-up waits for it, so the first requests can hit.
   */
  readonly connected: Promise<void>;
  /** Reachable now (always true for memory); for readiness, never throws. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface CacheStoreOptions {
  redisUrl: string | null;
  readTimeoutMs?: number;
  /** Told about every store failure; the caller counts and logs it. */
  onError?: (error: unknown) => void;
  memoryMaxEntries?: number;
}

/**
 * `promise`, or `fallback` once Redis has had `ms` to answer and has not. A timer alone cannot tell
 * a slow Redis from a busy process: after a long task it fires overdue, while the command may only
 * just have been written or its answer be waiting unread in the socket. So an overdue timer starts
 * the wait again (at most twice), and the last one gives up only after the loop has read its
 * sockets once more (setImmediate runs after that phase).
 */
export function within<T>(
  promise: Promise<T>,
  ms: number,
  fallback: T,
  onError: (e: unknown) => void,
): Promise<T> {
  return new Promise<T>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (value: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const giveUp = () => {
      if (settled) return;
      onError(new Error(`cache store did not answer within ${ms} ms`));
      settle(fallback);
    };
    const arm = (rearms: number) => {
      const due = performance.now() + ms;
      timer = setTimeout(() => {
        const overdue = performance.now() - due > ms / 2;
        if (overdue && rearms > 0) arm(rearms - 1);
        else setImmediate(giveUp);
      }, ms);
    };
    arm(2);
    promise.then(settle, (error: unknown) => {
      if (!settled) onError(error);
      settle(fallback);
    });
  });
}

function redisStore(url: string, readTimeoutMs: number, onError: (e: unknown) => void): ManagedCacheStore {
  // One server or a cluster (REDIS_URL says which): on a cluster an MGET is split per slot, the
  // parts sent at once; on one server it stays one MGET.
  const client = createSharedRedis(parseRedisUrl(url), {
    // The shared connection's options exactly: @redis/client builds its ~500-command client class once per
    // distinct options (~20 MiB of young generation held as RSS).
    connectTimeoutMs: DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
    maxReconnectDelayMs: MAX_RECONNECT_DELAY_MS,
    onError,
  });
  // Connects in the background; `connected` lets start-up wait a little for it.
  const connected = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CONNECT_WAIT_MS);
    timer.unref();
    void client.connected.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  const writeTimeoutMs = readTimeoutMs * 4;
  return {
    kind: 'redis',
    connected,
    getMany: async (keys) => {
      if (keys.length === 0) return [];
      if (!client.isReady) return keys.map(() => undefined);
      const values = await within(
        client.mGet([...keys]),
        readTimeoutMs,
        keys.map(() => null),
        onError,
      );
      return values.map((v) => (typeof v === 'string' ? v : undefined));
    },
    setMany: async (entries) => {
      if (entries.length === 0 || !client.isReady) return;
      await within(
        client.setMany(entries.map(({ key, value, ttlMs }) => ({ key, value, px: ttlMs }))),
        writeTimeoutMs,
        undefined,
        onError,
      );
    },
    deleteMany: async (keys) => {
      if (keys.length === 0 || !client.isReady) return;
      await within(
        client.unlink([...keys]).then(() => undefined),
        writeTimeoutMs,
        undefined,
        onError,
      );
    },
    healthy: async () =>
      client.isReady &&
      (await within(
        client.ping().then(() => true),
        writeTimeoutMs,
        false,
        () => {},
      )),
    close: () => client.close(),
  };
}

/** One process's store: a bounded map, least recently used forgotten first, expired on read. */
function memoryStore(maxEntries: number, now: () => number = Date.now): ManagedCacheStore {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    kind: 'memory',
    connected: Promise.resolve(),
    getMany: async (keys) =>
      keys.map((key) => {
        const entry = entries.get(key);
        if (!entry) return undefined;
        entries.delete(key);
        if (entry.expiresAt <= now()) return undefined;
        entries.set(key, entry);
        return entry.value;
      }),
    setMany: async (items) => {
      for (const { key, value, ttlMs } of items) {
        entries.delete(key);
        entries.set(key, { value, expiresAt: now() + ttlMs });
      }
      for (const key of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(key);
      }
    },
    deleteMany: async (keys) => {
      for (const key of keys) entries.delete(key);
    },
    healthy: async () => true,
    close: async () => {
      entries.clear();
    },
  };
}

/** Redis (@redis/client, one encoding: our own JSON) when REDIS_URL is set, else memory; never throws to callers. */
export function createCacheStore({
  redisUrl,
  readTimeoutMs = DEFAULT_READ_TIMEOUT_MS,
  onError = () => {},
  memoryMaxEntries = DEFAULT_MEMORY_MAX_ENTRIES,
}: CacheStoreOptions): ManagedCacheStore {
  return redisUrl ? redisStore(redisUrl, readTimeoutMs, onError) : memoryStore(memoryMaxEntries);
}
