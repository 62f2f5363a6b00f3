import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { LocalTier } from '../../datasources/cache/local-tier.js';
import { DEFAULT_REDIS_CONNECT_TIMEOUT_MS, type RedisConnection } from '../redis/client.js';

/** The channel on which every replica announces the cache keys an invalidation removed. */
export const INVALIDATION_CHANNEL = 'concord:cache:invalidations';

/** Carries invalidations to every replica's local tier. */
export interface InvalidationFeed {
  publish(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** `keys`: these entries changed; `all`: everything may have (Redis was flushed by hand); `ping`: see below. */
type Message = { keys: string[] } | { all: true } | { ping: string };

function parse(text: string): Message | null {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object') {
      const { keys, ping, all } = value as { keys?: unknown; ping?: unknown; all?: unknown };
      if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) return { keys: keys as string[] };
      if (all === true) return { all: true };
      if (typeof ping === 'string') return { ping };
    }
  } catch {
    // Not ours: ignored.
  }
  return null;
}

/**
 * Redis pub/sub for the local tier. The tier stays off until this replica has heard its own ping
 * on the channel (so it is surely subscribed), and goes off again, emptied, whenever the
 * subscriber connection drops: a replica that cannot hear invalidations keeps no local copies.
 */
export async function openInvalidationFeed(
  publisher: RedisConnection,
  local: LocalTier,
  logger: Logger,
  connectTimeoutMs = DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
): Promise<InvalidationFeed> {
  local.setEnabled(false);
  /** The ping this replica waits to hear before it keeps local copies again; null once heard. */
  let waitingFor: string | null = null;
  let subscribed = false;
  const ping = () => {
    waitingFor = randomUUID();
    publisher.publish(INVALIDATION_CHANNEL, JSON.stringify({ ping: waitingFor })).catch(() => {
      // Not reachable yet: pinged again below.
    });
  };
  const listener = (text: string) => {
    const message = parse(text);
    if (!message) return;
    if ('keys' in message) local.delete(message.keys);
    else if ('all' in message) local.clear();
    else if (message.ping === waitingFor) {
      waitingFor = null;
      local.setEnabled(true);
    }
  };
  const off = () => {
    local.setEnabled(false);
    waitingFor = 'reconnecting';
  };
  // On a cluster, a sharded channel: invalidations go to its shard, not over the whole cluster bus.
  const subscription = publisher.subscribe({
    channel: INVALIDATION_CHANNEL,
    onMessage: listener,
    onReady: () => {
      subscribed = true;
      ping();
    },
    onLost: off,
  });
  // Until the ping comes back (a resubscription may land after 'ready'), ask again every second.
  const retry = setInterval(() => {
    if (waitingFor !== null && subscribed) ping();
  }, 1_000);
  retry.unref();
  const connecting = subscription.subscribed.then((ok) => {
    if (!ok) logger.warn('cache invalidation feed not connected yet: local cache tier off');
  });
  await Promise.race([connecting, new Promise((resolve) => setTimeout(resolve, connectTimeoutMs).unref())]);
  return {
    publish: async (keys) => {
      if (keys.length === 0) return;
      try {
        await publisher.publish(INVALIDATION_CHANNEL, JSON.stringify({ keys }));
      } catch (error) {
        // Other replicas keep their copies until these entries' freshness ends; say so.
        logger.warn({ err: error, keys: keys.length }, 'could not announce a cache invalidation');
      }
    },
    close: async () => {
      clearInterval(retry);
      local.setEnabled(false);
      await subscription.close();
    },
  };
}
