import { z } from 'zod';

/** Operations one connection may have open at once: each holds a listener and loads per event. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 25;
/** Subscriptions one client (API key name or JWT subject) may have open on one replica, over all its connections. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT = 50;
/**
 * Subscribers whose event is being resolved at once on one replica: an event heard by hundreds
 * queues their reads instead of running them all in one burst that starves every other request.
 * Measured (bench/subscription-fanout.ts, 50 subscriptions of cost 22,000, one event): /healthz
 * stalled 1.6–2.0 s unbounded, 0.5–1.3 s at 8, 0.25 s at 4, 0.13–0.16 s at 1–2; 4 keeps
 * subscribers that wait on a provider from queueing behind each other for long.
 */
export const DEFAULT_EVENT_CONCURRENCY = 4;
/** graphql-ws's own default: a socket that has not sent `connection_init` by then is closed (4408). */
export const DEFAULT_WS_INIT_TIMEOUT_MS = 3_000;
/** A ping this often; a socket that has not answered the previous one by the next is cut. */
export const DEFAULT_WS_KEEPALIVE_MS = 12_000;
/** Bytes queued for a client that does not read; past this its connection is closed (1013), not buffered on. */
export const DEFAULT_WS_MAX_BUFFERED_BYTES = 1024 * 1024;

export interface SubscriptionSettings {
  maxPerConnection: number;
  maxPerClient: number;
  eventConcurrency: number;
  initTimeoutMs: number;
  keepAliveMs: number;
  maxBufferedBytes: number;
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** The variables this feature reads, for src/config.ts's one environment schema. */
export const SubscriptionEnv = {
  SUBSCRIPTIONS_PER_CONNECTION: int(1, 10_000).optional(),
  SUBSCRIPTIONS_PER_CLIENT: int(1, 100_000).optional(),
  SUBSCRIPTION_EVENT_CONCURRENCY: int(1, 10_000).optional(),
  WS_INIT_TIMEOUT_MS: int(100, 600_000).optional(),
  WS_KEEPALIVE_MS: int(1_000, 600_000).optional(),
  WS_MAX_BUFFERED_BYTES: int(1024, 1024 * 1024 * 1024).optional(),
};

type SubscriptionValues = { [K in keyof typeof SubscriptionEnv]?: number | undefined };

export function buildSubscriptionSettings(e: SubscriptionValues): SubscriptionSettings {
  return {
    maxPerConnection: e.SUBSCRIPTIONS_PER_CONNECTION ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxPerClient: e.SUBSCRIPTIONS_PER_CLIENT ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT,
    eventConcurrency: e.SUBSCRIPTION_EVENT_CONCURRENCY ?? DEFAULT_EVENT_CONCURRENCY,
    initTimeoutMs: e.WS_INIT_TIMEOUT_MS ?? DEFAULT_WS_INIT_TIMEOUT_MS,
    keepAliveMs: e.WS_KEEPALIVE_MS ?? DEFAULT_WS_KEEPALIVE_MS,
    maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES ?? DEFAULT_WS_MAX_BUFFERED_BYTES,
  };
}
