import { EventEmitter, on } from 'node:events';
import type { Logger } from 'pino';
import { DEFAULT_REDIS_CONNECT_TIMEOUT_MS, type RedisConnection } from '../redis/client.js';
import { parseChangeEvent, type ChangeEvent } from './events.js';

/** The Redis channel every replica publishes to and listens on. */
export const DEFAULT_CHANNEL = 'concord:changes';

/** Carries change events to every subscriber: of this process (memory) or of every replica (Redis). */
export interface EventBus {
  readonly kind: 'redis' | 'memory';
  publish(events: readonly ChangeEvent[]): Promise<void>;
  /**
   * Every event from the moment of the call (not of the first `next()`), until `signal` aborts or
   * the iterator is returned.
   */
  listen(signal?: AbortSignal): AsyncIterableIterator<ChangeEvent>;
  /** Listeners open on this replica. */
  listening(): number;
  close(): Promise<void>;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * `on()` registers its listener at once and buffers, so nothing published after the call is lost.
 * A plain iterator, not an async generator: a generator's `return()` waits behind its pending
 * `next()`, so a subscriber that leaves while no event comes would keep its listener for good.
 */
function fromEmitter(emitter: EventEmitter, signal?: AbortSignal): AsyncIterableIterator<ChangeEvent> {
  const source = on(emitter, 'change', signal ? { signal } : {});
  return {
    async next() {
      try {
        const result = await source.next();
        return result.done ? DONE : { done: false, value: (result.value as [ChangeEvent])[0] };
      } catch (error) {
        // An aborted listen simply ends.
        if ((error as { name?: string }).name === 'AbortError') return DONE;
        throw error;
      }
    },
    async return() {
      // Removes the listener and ends a pending `next()` at once.
      await source.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function localEmitter(): EventEmitter {
  const emitter = new EventEmitter();
  // One listener per open subscription: many is normal, not a leak.
  emitter.setMaxListeners(0);
  return emitter;
}

export function memoryBus(): EventBus {
  const emitter = localEmitter();
  return {
    kind: 'memory',
    publish: (events) => {
      for (const event of events) emitter.emit('change', event);
      return Promise.resolve();
    },
    listen: (signal) => fromEmitter(emitter, signal),
    listening: () => emitter.listenerCount('change'),
    close: () => {
      emitter.removeAllListeners();
      return Promise.resolve();
    },
  };
}

/**
 * Redis pub/sub: a publish reaches every replica's subscribers, this one's included (through its
 * own subscription). When Redis cannot take a publish, this replica's subscribers still hear it.
 */
export async function redisBus(
  publisher: RedisConnection,
  logger: Logger,
  channel = DEFAULT_CHANNEL,
): Promise<EventBus> {
  const emitter = localEmitter();
  const deliver = (message: string): void => {
    const event = parseChangeEvent(message);
    if (event) emitter.emit('change', event);
  };
  // Its own connection (a subscribing one can do nothing else); sharded pub/sub on a cluster.
  // After a reconnect the client subscribes again by itself.
  const subscription = publisher.subscribe({
    channel,
    onMessage: deliver,
    onError: (error: unknown) => logger.debug({ err: error }, 'events subscriber Redis error'),
  });
  await Promise.race([
    subscription.subscribed.then((ok) => {
      if (!ok) logger.warn('events Redis not reachable yet');
    }),
    new Promise((resolve) => setTimeout(resolve, DEFAULT_REDIS_CONNECT_TIMEOUT_MS).unref()),
  ]);
  return {
    kind: 'redis',
    publish: async (events) => {
      for (const event of events) {
        try {
          await publisher.publish(channel, JSON.stringify(event));
        } catch (error) {
          logger.warn({ err: error }, 'events: Redis publish failed, told this replica only');
          emitter.emit('change', event);
        }
      }
    },
    listen: (signal) => fromEmitter(emitter, signal),
    listening: () => emitter.listenerCount('change'),
    close: async () => {
      emitter.removeAllListeners();
      await subscription.close();
    },
  };
}

/** Redis pub/sub when REDIS_URL is set, so every replica's subscribers hear each event; else in-process. */
export function openEventBus(redis: RedisConnection | null, logger: Logger): Promise<EventBus> {
  return redis ? redisBus(redis, logger) : Promise.resolve(memoryBus());
}
