import type { Request, RequestHandler, Response } from 'express';
import type { Viewer } from '../auth/scopes.js';
import { ErrorCode } from '../errors/concord-error.js';
import type { RedisConnection } from '../redis/client.js';
import { sendErrors } from './respond.js';
import { MemoryBuckets, RedisBuckets, type BucketStore, type TakeResult } from './token-bucket.js';

/** Requests a client may make per window: `points` per `durationS` seconds. */
export interface RateLimitSettings {
  points: number;
  durationS: number;
}

/** Keys in Redis start with this, so a shared Redis can tell our counters from the cache's. */
const KEY_PREFIX = 'concord:ratelimit';

export interface RateLimiter {
  middleware: RequestHandler;
  /** Where counts live: shared across replicas (redis) or this process only (memory). */
  store: 'redis' | 'memory';
}

/** Per-client key: the API key's name or the JWT subject; callers without credentials by address. */
function clientKey(viewer: Viewer | null, req: Request): string {
  return viewer ? viewer.id : `anonymous:${req.ip ?? 'unknown'}`;
}

/**
 * Buckets in Redis when there is one (every replica draws from the same bucket per key), falling
 * back to this process's own while Redis fails rather than refusing everyone or limiting no one.
 */
export function bucketStore(redis: RedisConnection | null, prefix: string): BucketStore {
  const memory = new MemoryBuckets();
  if (!redis) return memory;
  // The connection fails at once while Redis is down (see redis-client.ts): memory takes over until it is back.
  const shared = new RedisBuckets(redis, prefix);
  return { take: (key, s) => shared.take(key, s).catch(() => memory.take(key, s)) };
}

/** HTTP 429 with Retry-After (whole seconds, at least 1) and a GraphQL-shaped RATE_LIMITED error. */
export function sendRateLimited(res: Response, retryAfterMs: number): void {
  const retryAfterS = Math.max(1, Math.ceil(retryAfterMs / 1000));
  res.setHeader('Retry-After', String(retryAfterS));
  sendErrors(res, 429, 'Too many requests: slow down and retry after the time in Retry-After.', {
    code: ErrorCode.RATE_LIMITED,
    retryAfterSeconds: retryAfterS,
  });
}

/** A token bucket per source address, for what one address may do however it identifies itself. */
export interface SourceThrottle {
  /** Takes one token from the bucket of the source address (an HTTP request's, or a socket's). */
  take(source: { ip?: string | undefined }): Promise<TakeResult>;
}

/** `settings.points` per `settings.durationS` per source address, under its own `name` in the store. */
export function createSourceThrottle(
  settings: RateLimitSettings,
  { redis, name }: { redis: RedisConnection | null; name: string },
): SourceThrottle {
  const store = bucketStore(redis, `${KEY_PREFIX}:${name}`);
  const bucket = { capacity: settings.points, windowS: settings.durationS };
  return { take: (source) => store.take(source.ip ?? 'unknown', bucket) };
}

/**
 * A token bucket per client (a burst of `points`, refilled at `points` per `durationS`), in Redis
 * when REDIS_URL is set (so every replica draws from one bucket per client) and in memory
 * otherwise. When Redis fails, each replica falls back to its own buckets rather than refusing
 * everyone or limiting no one.
 */
export function createRateLimiter(
  settings: RateLimitSettings,
  { redis, viewerOf }: { redis: RedisConnection | null; viewerOf: (req: Request) => Viewer | null },
): RateLimiter {
  const bucket = { capacity: settings.points, windowS: settings.durationS };
  const store = bucketStore(redis, KEY_PREFIX);
  const middleware: RequestHandler = (req, res, next) => {
    store.take(clientKey(viewerOf(req), req), bucket).then(
      (taken) => {
        res.setHeader('X-RateLimit-Limit', String(settings.points));
        res.setHeader('X-RateLimit-Remaining', String(taken.remaining));
        if (taken.allowed) {
          next();
          return;
        }
        sendRateLimited(res, taken.retryAfterMs);
      },
      (error: unknown) => next(error),
    );
  };
  return { middleware, store: redis ? 'redis' : 'memory' };
}
