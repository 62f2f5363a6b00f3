import { createClient } from '@redis/client';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Viewer } from '../auth/scopes.js';
import { ErrorCode } from '../errors.js';
import { sendErrors } from './respond.js';
import { MemoryBuckets, RedisBuckets, type BucketStore } from './token-bucket.js';

/** Requests a client may make per window: `points` per `durationS` seconds. */
export interface RateLimitSettings {
  points: number;
  durationS: number;
}

/** Keys in Redis start with this, so a shared Redis can tell our counters from the cache's. */
const KEY_PREFIX = 'concord:ratelimit';
/** A Redis that answers slower than this is skipped for the per-replica memory fallback. */
const REDIS_CONNECT_TIMEOUT_MS = 2_000;

export interface RateLimiter {
  middleware: RequestHandler;
  /** Where counts live: shared across replicas (redis) or this process only (memory). */
  store: 'redis' | 'memory';
  close(): Promise<void>;
}

/** Per-client key: the API key's name or the JWT subject; callers without credentials by address. */
function clientKey(viewer: Viewer | null, req: Request): string {
  return viewer ? viewer.id : `anonymous:${req.ip ?? 'unknown'}`;
}

/**
 * A token bucket per client (a burst of `points`, refilled at `points` per `durationS`), in Redis
 * when REDIS_URL is set (so every replica draws from one bucket per client) and in memory
 * otherwise. When Redis fails, each replica falls back to its own buckets rather than refusing
 * everyone or limiting no one.
 */
export async function createRateLimiter(
  settings: RateLimitSettings,
  {
    redisUrl,
    logger,
    viewerOf,
  }: { redisUrl: string | null; logger: Logger; viewerOf: (req: Request) => Viewer | null },
): Promise<RateLimiter> {
  const bucket = { capacity: settings.points, windowS: settings.durationS };
  const memory = new MemoryBuckets();
  let store: BucketStore = memory;
  let close = async (): Promise<void> => {};
  if (redisUrl) {
    const client = createClient({
      url: redisUrl,
      // Fail at once while disconnected (the memory buckets take over) instead of queueing.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
        reconnectStrategy: (n: number) => Math.min(100 * 2 ** n, 2_000),
      },
    });
    client.on('error', (error: unknown) => logger.warn({ err: error }, 'rate-limit Redis error'));
    // Wait a moment for Redis, but never block start-up on it: a Redis that is down must not stop
    // Concord from starting (the memory buckets serve until it is back).
    const connecting = client
      .connect()
      .then(() => undefined)
      .catch((error: unknown) => logger.warn({ err: error }, 'rate-limit Redis not reachable yet'));
    await Promise.race([connecting, new Promise((resolve) => setTimeout(resolve, REDIS_CONNECT_TIMEOUT_MS))]);
    const shared = new RedisBuckets(client, KEY_PREFIX);
    store = {
      take: (key, s) => shared.take(key, s).catch(() => memory.take(key, s)),
    };
    close = async () => {
      if (client.isOpen) await client.close();
    };
  }
  const middleware: RequestHandler = (req, res, next) => {
    store.take(clientKey(viewerOf(req), req), bucket).then(
      (taken) => {
        res.setHeader('X-RateLimit-Limit', String(settings.points));
        res.setHeader('X-RateLimit-Remaining', String(taken.remaining));
        if (taken.allowed) {
          next();
          return;
        }
        const retryAfterS = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
        res.setHeader('Retry-After', String(retryAfterS));
        sendErrors(res, 429, 'Too many requests: slow down and retry after the time in Retry-After.', {
          code: ErrorCode.RATE_LIMITED,
          retryAfterSeconds: retryAfterS,
        });
      },
      (error: unknown) => next(error),
    );
  };
  return { middleware, store: redisUrl ? 'redis' : 'memory', close };
}
