import { createClient } from '@redis/client';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Viewer } from '../auth/scopes.js';
import { ErrorCode } from '../errors.js';
import { sendErrors } from './respond.js';

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
 * Fixed-window counts per client from rate-limiter-flexible, in Redis when REDIS_URL is set (so
 * every replica shares one budget per client) and in memory otherwise. When Redis fails, each
 * replica falls back to its own memory counts rather than refusing everyone or limiting no one.
 */
export async function createRateLimiter(
  settings: RateLimitSettings,
  {
    redisUrl,
    logger,
    viewerOf,
  }: { redisUrl: string | null; logger: Logger; viewerOf: (req: Request) => Viewer | null },
): Promise<RateLimiter> {
  const options = { points: settings.points, duration: settings.durationS, keyPrefix: KEY_PREFIX };
  const memory = new RateLimiterMemory(options);
  let limiter: RateLimiterAbstract = memory;
  let close = async (): Promise<void> => {};
  if (redisUrl) {
    const client = createClient({ url: redisUrl, socket: { connectTimeout: REDIS_CONNECT_TIMEOUT_MS } });
    client.on('error', (error: unknown) => logger.warn({ err: error }, 'rate-limit Redis error'));
    await client.connect();
    limiter = new RateLimiterRedis({
      ...options,
      storeClient: client,
      useRedisPackage: true,
      insuranceLimiter: memory,
    });
    close = async () => {
      await client.close();
    };
  }
  const middleware: RequestHandler = (req, res, next) => {
    limiter.consume(clientKey(viewerOf(req), req)).then(
      (ok) => {
        res.setHeader('X-RateLimit-Limit', String(settings.points));
        res.setHeader('X-RateLimit-Remaining', String(ok.remainingPoints));
        next();
      },
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) {
          next(rejection);
          return;
        }
        const retryAfterS = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        res.setHeader('Retry-After', String(retryAfterS));
        res.setHeader('X-RateLimit-Limit', String(settings.points));
        res.setHeader('X-RateLimit-Remaining', '0');
        sendErrors(res, 429, 'Too many requests: slow down and retry after the time in Retry-After.', {
          code: ErrorCode.RATE_LIMITED,
          retryAfterSeconds: retryAfterS,
        });
      },
    );
  };
  return { middleware, store: redisUrl ? 'redis' : 'memory', close };
}
