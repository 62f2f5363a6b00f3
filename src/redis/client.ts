import type { Logger } from 'pino';
import { createSharedRedis, type SharedRedis } from './shared-redis.js';
import { parseRedisUrl } from './target.js';

/** Start-up waits this long for Redis, then goes on: a Redis that is down must not stop Concord starting. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect attempts back off up to this, and never stop: Redis back means shared state again. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/** One server or a cluster (REDIS_URL says which); features use the commands of SharedRedis only. */
export type RedisConnection = SharedRedis;

/**
 * A Redis client that fails commands at once while disconnected (callers fall back or refuse)
 * instead of queueing them behind a dead socket, and keeps reconnecting in the background.
 */
export async function connectRedis(
  url: string,
  logger: Logger,
  purpose: string,
  connectTimeoutMs = DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
): Promise<RedisConnection> {
  let lastLogged = 0;
  const client = createSharedRedis(parseRedisUrl(url), {
    connectTimeoutMs,
    maxReconnectDelayMs: MAX_RECONNECT_DELAY_MS,
    onError: (error: unknown) => {
      // A dead Redis errors on every reconnect attempt; one line every few seconds says enough.
      if (Date.now() - lastLogged < 5_000) return;
      lastLogged = Date.now();
      logger.warn({ err: error }, `${purpose} Redis error`);
    },
  });
  const connecting = client.connected.then((ok) => {
    if (!ok) logger.warn(`${purpose} Redis not reachable yet`);
  });
  await Promise.race([connecting, new Promise((resolve) => setTimeout(resolve, connectTimeoutMs).unref())]);
  return client;
}

/** Closes a client whether or not it ever connected. */
export async function closeRedis(client: RedisConnection): Promise<void> {
  await client.close();
}
