import type KeyvRedis from '@keyv/redis';
import { createKeyv } from '@keyv/redis';
import { Keyv } from 'keyv';
import type { CacheStore } from '../../datasources/cache/store.js';

/** A cache read slower than this counts as a miss: the provider may well be faster than a sick Redis. */
export const DEFAULT_READ_TIMEOUT_MS = 50;
/** Redis connection attempts back off up to this, and keep going: Redis back means caching again. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

export interface ManagedCacheStore extends CacheStore {
  readonly kind: 'redis' | 'memory';
  /** Reachable now (always true for memory); for readiness, never throws. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export interface CacheStoreOptions {
  redisUrl: string | null;
  readTimeoutMs?: number;
  /** Told about every store failure; the caller counts and logs it. */
  onError?: (error: unknown) => void;
}

async function within<T>(
  promise: Promise<T>,
  ms: number,
  fallback: T,
  onError: (e: unknown) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      onError(new Error(`cache store did not answer within ${ms} ms`));
      resolve(fallback);
    }, ms);
  });
  try {
    return await Promise.race([
      promise.catch((error: unknown) => {
        onError(error);
        return fallback;
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function redisKeyv(url: string): Keyv {
  const keyv = createKeyv(
    {
      url,
      // Fail commands at once while disconnected instead of queueing them behind a dead socket.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 1_000,
        reconnectStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, MAX_RECONNECT_DELAY_MS),
      },
    },
    // keyv and the Redis store would both prefix the namespace; createKeyv sets it up once.
    { namespace: 'concord', throwOnErrors: true, throwOnConnectError: false, connectionTimeout: 1_000 },
  );
  return keyv;
}

/** keyv with @keyv/redis when REDIS_URL is set, in-memory keyv otherwise; never throws to callers. */
export function createCacheStore({
  redisUrl,
  readTimeoutMs = DEFAULT_READ_TIMEOUT_MS,
  onError = () => {},
}: CacheStoreOptions): ManagedCacheStore {
  // Our keys already start with `concord:`; a keyv namespace on top mangles them in getMany (the
  // double-prefix trap), so the memory store takes keys as they are.
  const keyv = redisUrl ? redisKeyv(redisUrl) : new Keyv({ useKeyPrefix: false });
  keyv.on('error', onError);
  const writeTimeoutMs = readTimeoutMs * 4;
  return {
    kind: redisUrl ? 'redis' : 'memory',
    getMany: async (keys) => {
      if (keys.length === 0) return [];
      const misses = keys.map(() => undefined);
      const values = await within(keyv.getMany<string>([...keys]), readTimeoutMs, misses, onError);
      return values.map((v) => (typeof v === 'string' ? v : undefined));
    },
    setMany: async (entries) => {
      if (entries.length === 0) return;
      await within(
        keyv
          .setMany(entries.map((e) => ({ key: e.key, value: e.value, ttl: e.ttlMs })))
          .then(() => undefined),
        writeTimeoutMs,
        undefined,
        onError,
      );
    },
    deleteMany: async (keys) => {
      if (keys.length === 0) return;
      await within(
        keyv.deleteMany([...keys]).then(() => undefined),
        writeTimeoutMs,
        undefined,
        onError,
      );
    },
    healthy: async () => {
      if (!redisUrl) return true;
      const store = keyv.store as KeyvRedis<string>;
      try {
        const client = await within(store.getClient(), readTimeoutMs * 4, null, () => {});
        if (!client) return false;
        return (
          (await within(
            client.ping().then(() => true),
            readTimeoutMs * 4,
            false,
            () => {},
          )) === true
        );
      } catch {
        return false;
      }
    },
    close: async () => {
      try {
        await keyv.disconnect();
      } catch {
        // Closing a store that never connected is not worth failing a shutdown over.
      }
    },
  };
}
