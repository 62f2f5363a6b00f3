import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { CacheStore } from '../../datasources/cache/store.js';
import type { Caching } from '../cache/index.js';
import { createSourceThrottle, sendRateLimited, type RateLimitSettings } from '../http/rate-limit.js';
import type { RedisConnection } from '../redis/client.js';
import type { WebhookSource } from '../../datasources/provider-descriptor.js';
import type { EventBus } from '../subscriptions/bus.js';
import { applyModelChanges } from './model-changes.js';

/** Providers retry a webhook for days; an event id is remembered this long to ignore its replays. */
export const DEFAULT_REPLAY_WINDOW_MS = 7 * 86_400_000;
/** One event (Stripe) or a batch of up to 100 (HubSpot) is a few KB to tens of KB; bigger is not a provider's. */
export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 256 * 1024;
/** Per source address, before the body is read: room for a provider's bursts, not for a flood. */
export const DEFAULT_WEBHOOK_RATE_LIMIT: RateLimitSettings = { points: 300, durationS: 60 };

export interface WebhookSettings {
  /** Each provider's signing secrets, by provider name (several during a rotation; none: refused). */
  secrets: Readonly<Record<string, readonly string[]>>;
  /** The public origin providers call (behind a proxy, Concord's own view of the URL differs). */
  publicUrl: string | null;
  /** Larger bodies get 413 unread (WEBHOOK_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Requests per source address, counted before the body is read or the signature checked; null: off. */
  rateLimit: RateLimitSettings | null;
}

/** A provider that signs webhooks, as its descriptor describes it. */
export interface WebhookProvider {
  name: string;
  title: string;
  webhook: WebhookSource;
}

export interface WebhookDeps {
  settings: WebhookSettings;
  /** Mounted at `POST /webhooks/<name>` each. */
  providers: readonly WebhookProvider[];
  caching: Caching;
  logger: Logger;
  /** Where seen event ids live (Redis when shared, so every replica ignores the same replays). */
  seen: CacheStore;
  /** Where verified changes are announced to GraphQL subscriptions (after the cache forgot them). */
  events: EventBus;
  /** Where the per-address counts live (shared when there is Redis). */
  redis: RedisConnection | null;
  /** The verifiers' clock (epoch ms); tests fix it to check the tolerance edges exactly. */
  now?: () => number;
}

/** True the first time an event id is seen; replays answer 200 (so the provider stops) and change nothing. */
async function firstSighting(seen: CacheStore, provider: string, ids: readonly string[]): Promise<boolean> {
  const keys = ids.map((id) => `concord:webhook-seen:${provider}:${id}`);
  const found = await seen.getMany(keys);
  if (found.every((v) => v !== undefined)) return false;
  await seen.setMany(keys.map((key) => ({ key, value: '1', ttlMs: DEFAULT_REPLAY_WINDOW_MS })));
  return true;
}

function refuse(res: Response, reason: string): void {
  res.status(400).json({ error: 'invalid webhook', reason });
}

/** A body too large or unreadable is the sender's fault (4xx); anything else fails closed as 500, said in JSON. */
function bodyErrors(logger: Logger, maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const status = typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : 0;
    if (status === 413) {
      res.setHeader('connection', 'close');
      res.status(413).json({ error: 'invalid webhook', reason: `body larger than ${maxBodyBytes} bytes` });
    } else if (typeof status === 'number' && status >= 400 && status < 500) {
      refuse(res, 'unreadable body');
    } else {
      logger.error({ err: error }, 'webhook failed');
      // The provider retries later; by then the cache or Redis may be back.
      res.status(500).json({ error: 'webhook failed' });
    }
  };
}

/**
 * POST /webhooks/<provider> for each provider that signs webhooks: count the request against its source address (429
 * past WEBHOOK_RATE_LIMIT, body unread), read at most WEBHOOK_MAX_BODY_BYTES (413), verify the
 * signature over the raw bytes, refuse (400, nothing changed) when it fails or the body is not an
 * event, ignore replays, and invalidate what the event names.
 */
export function webhookRouter({
  settings,
  providers,
  caching,
  logger,
  seen,
  events: bus,
  redis,
  now = Date.now,
}: WebhookDeps): Router {
  const router = express.Router();
  const throttle = settings.rateLimit
    ? createSourceThrottle(settings.rateLimit, { redis, name: 'webhooks' })
    : null;
  if (throttle) {
    router.use((req, res, next) => {
      throttle.take(req).then(
        (taken) => {
          if (taken.allowed) return next();
          // The body stays unread: closing the connection spares reading (and discarding) it.
          res.setHeader('connection', 'close');
          sendRateLimited(res, taken.retryAfterMs);
        },
        (error: unknown) => next(error),
      );
    });
  }
  router.use(express.raw({ type: () => true, limit: settings.maxBodyBytes }));

  for (const provider of providers) {
    const { name, title, webhook } = provider;
    router.post(`/${name}`, async (req: Request, res: Response) => {
      const secrets = settings.secrets[name] ?? [];
      if (secrets.length === 0) return refuse(res, `${title} webhooks are not configured`);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const origin = settings.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
      const verdict = webhook.verify(
        {
          method: req.method,
          url: `${origin.replace(/\/$/, '')}${req.originalUrl}`,
          rawBody: raw,
          header: (header) => req.header(header),
        },
        secrets,
        now(),
      );
      if (!verdict.ok) return refuse(res, verdict.reason);
      const delivery = webhook.read(raw);
      if (!delivery) return refuse(res, `not ${webhook.expected}`);
      if (!(await firstSighting(seen, name, delivery.eventIds))) {
        res.json({ received: true, replay: true });
        return;
      }
      const invalidated = delivery.changes.invalidations.length;
      await applyModelChanges(caching, bus, delivery.changes);
      logger.info({ provider: name, ...delivery.log, invalidated }, 'webhook');
      res.json({ received: true, invalidated });
    });
  }
  router.use(bodyErrors(logger, settings.maxBodyBytes));
  return router;
}
