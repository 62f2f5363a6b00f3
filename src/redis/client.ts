import { createClient } from '@redis/client';
import type { Logger } from 'pino';

/** Start-up waits this long for Redis, then goes on: a Redis that is down must not stop Concord starting. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect attempts back off up to this, and never stop: Redis back means shared state again. */
const MAX_RECONNECT_DELAY_MS = 2_000;

function newClient(url: string, connectTimeoutMs: number) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, MAX_RECONNECT_DELAY_MS),
    },
  });
}

export type RedisConnection = ReturnType<typeof newClient>;

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
  const client = newClient(url, connectTimeoutMs);
  let lastLogged = 0;
  client.on('error', (error: unknown) => {
    // A dead Redis errors on every reconnect attempt; one line every few seconds says enough.
    if (Date.now() - lastLogged < 5_000) return;
    lastLogged = Date.now();
    logger.warn({ err: error }, `${purpose} Redis error`);
  });
  const connecting = client
    .connect()
    .then(() => undefined)
    .catch((error: unknown) => logger.warn({ err: error }, `${purpose} Redis not reachable yet`));
  await Promise.race([connecting, new Promise((resolve) => setTimeout(resolve, connectTimeoutMs))]);
  return client;
}

/** Closes a client whether or not it ever connected. */
export async function closeRedis(client: RedisConnection): Promise<void> {
  if (client.isOpen) await client.close();
  else client.destroy();
}
