import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { CacheStore } from '../../datasources/cache/store.js';
import type { Caching } from '../cache/index.js';
import { createSourceThrottle, sendRateLimited, type RateLimitSettings } from '../http/rate-limit.js';
import type { RedisConnection } from '../redis/client.js';
import { verifyHubSpotSignature } from './hubspot-signature.js';
import { distinctEvents } from '../subscriptions/events.js';
import type { EventBus } from '../subscriptions/bus.js';
import {
  hubspotChanges,
  hubspotInvalidations,
  stripeChanges,
  stripeInvalidations,
  type Invalidation,
} from './invalidations.js';
import { readHubSpotBatch, readStripeEvent } from './payloads.js';
import { verifyStripeSignature } from './stripe-signature.js';

/** Providers retry a webhook for days; an event id is remembered this long to ignore its replays. */
export const DEFAULT_REPLAY_WINDOW_MS = 7 * 86_400_000;
/** One event (Stripe) or a batch of up to 100 (HubSpot) is a few KB to tens of KB; bigger is not a provider's. */
export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 256 * 1024;
/** Per source address, before the body is read: room for a provider's bursts, not for a flood. */
export const DEFAULT_WEBHOOK_RATE_LIMIT: RateLimitSettings = { points: 300, durationS: 60 };

export interface WebhookSettings {
  stripeSecrets: readonly string[];
  hubspotSecrets: readonly string[];
  /** The public origin providers call (behind a proxy, Concord's own view of the URL differs). */
  publicUrl: string | null;
  /** Larger bodies get 413 unread (WEBHOOK_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Requests per source address, counted before the body is read or the signature checked; null: off. */
  rateLimit: RateLimitSettings | null;
}

export interface WebhookDeps {
  settings: WebhookSettings;
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

async function apply(caching: Caching, invalidations: readonly Invalidation[]): Promise<void> {
  const { crm, payments } = caching.invalidate;
  for (const item of invalidations) {
    if (item.kind === 'contact') await crm?.invalidateContact(item.id);
    else if (item.kind === 'company') await crm?.invalidateCompany(item.id);
    else if (item.kind === 'deal') await crm?.invalidateDeal(item.id);
    else if (item.kind === 'account') await payments?.invalidateAccount(item.id, item.contactId);
    else await payments?.invalidatePayments(item.accountId, item.paymentIds);
  }
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
 * POST /webhooks/stripe and /webhooks/hubspot: count the request against its source address (429
 * past WEBHOOK_RATE_LIMIT, body unread), read at most WEBHOOK_MAX_BODY_BYTES (413), verify the
 * signature over the raw bytes, refuse (400, nothing changed) when it fails or the body is not an
 * event, ignore replays, and invalidate what the event names.
 */
export function webhookRouter({
  settings,
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

  router.post('/stripe', async (req: Request, res: Response) => {
    if (settings.stripeSecrets.length === 0) return refuse(res, 'Stripe webhooks are not configured');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifyStripeSignature(
      req.header('stripe-signature'),
      raw,
      settings.stripeSecrets,
      Math.floor(now() / 1000),
    );
    if (!verdict.ok) return refuse(res, verdict.reason);
    const event = readStripeEvent(raw);
    if (!event) return refuse(res, 'not a Stripe event');
    if (!(await firstSighting(seen, 'stripe', [event.id]))) {
      res.json({ received: true, replay: true });
      return;
    }
    const invalidations = stripeInvalidations(event);
    await apply(caching, invalidations);
    // Announced after the invalidation, so a subscriber reading the record gets the new state.
    await bus.publish(stripeChanges(event));
    logger.info(
      { provider: 'stripe', event: event.id, type: event.type, invalidated: invalidations.length },
      'webhook',
    );
    res.json({ received: true, invalidated: invalidations.length });
  });

  router.post('/hubspot', async (req: Request, res: Response) => {
    if (settings.hubspotSecrets.length === 0) return refuse(res, 'HubSpot webhooks are not configured');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const origin = settings.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const verdict = verifyHubSpotSignature(
      {
        method: req.method,
        uri: `${origin.replace(/\/$/, '')}${req.originalUrl}`,
        rawBody: raw,
        signature: req.header('x-hubspot-signature-v3'),
        timestamp: req.header('x-hubspot-request-timestamp'),
      },
      settings.hubspotSecrets,
      now(),
    );
    if (!verdict.ok) return refuse(res, verdict.reason);
    const events = readHubSpotBatch(raw);
    if (!events) return refuse(res, 'not a HubSpot event batch');
    const ids = events.map((e) => String(e.eventId));
    if (!(await firstSighting(seen, 'hubspot', ids))) {
      res.json({ received: true, replay: true });
      return;
    }
    const invalidations = hubspotInvalidations(events);
    await apply(caching, invalidations);
    await bus.publish(distinctEvents(hubspotChanges(events)));
    logger.info({ provider: 'hubspot', events: ids.length, invalidated: invalidations.length }, 'webhook');
    res.json({ received: true, invalidated: invalidations.length });
  });
  router.use(bodyErrors(logger, settings.maxBodyBytes));
  return router;
}
