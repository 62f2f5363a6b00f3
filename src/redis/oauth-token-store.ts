import type { TokenStore } from '../../datasources/transport/oauth/token-store.js';
import type { RedisConnection } from './client.js';

/** Compare-and-delete in one step on the server, so a holder whose lease lapsed never frees the next one's lock. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * OAuth token state in Redis, shared by every replica: values arrive sealed (AES-256-GCM) from the
 * token source, the lock is `SET NX PX` (Redis's clock ends a lease). Commands fail at once while
 * Redis is down (the connection has no offline queue); the token source then refreshes alone.
 */
export class RedisTokenStore implements TokenStore {
  constructor(private readonly client: RedisConnection) {}

  get(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async set(key: string, value: string, ttlMs: number | null): Promise<void> {
    await this.client.set(key, value, ttlMs === null ? {} : { px: Math.max(1, Math.ceil(ttlMs)) });
  }

  async del(key: string): Promise<void> {
    await this.client.del([key]);
  }

  async acquire(lock: string, owner: string, ms: number): Promise<boolean> {
    return this.client.set(lock, owner, { nx: true, px: Math.max(1, Math.ceil(ms)) });
  }

  async release(lock: string, owner: string): Promise<void> {
    await this.client.eval<number>(RELEASE, [lock], [owner]);
  }
}
