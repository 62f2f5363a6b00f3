import type express from 'express';
import type { SimulatorContext } from '../context.js';
import type { ProviderProtocol } from '../http/provider.js';
import type { Reply, RouteDef } from '../http/route.js';
import { createAdminCharge, stripeAdminRoutes, type AdminChargeInput } from './admin.js';
import { authenticateStripe } from './auth.js';
import { apiError, invalidRequest, stripeError } from './errors.js';
import type { StripeObject } from './objects.js';
import { validationReply } from './params.js';
import { RequestIds, stampRequestId } from './request-id.js';
import { chargeRoutes } from './routes/charges.js';
import { customerRoutes } from './routes/customers.js';
import { invoiceRoutes } from './routes/invoices.js';
import { priceRoutes } from './routes/prices.js';
import { paymentRoutes } from './routes/payments.js';
import { refundRoutes } from './routes/refunds.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { createRuntime } from './runtime.js';
import { requestedVersion, searchUnsupported } from './version.js';
import { stripeWebhookEffects } from './webhooks.js';

export type { AdminChargeInput } from './admin.js';

/** The Stripe simulator plus what only the sandbox itself may do (the Dashboard's side of Stripe). */
export interface StripeSimulator {
  protocol: ProviderProtocol;
  /** Creates a charge as from the Dashboard and announces it; throws on an unknown customer or bad amount. */
  createCharge(input: AdminChargeInput): StripeObject;
  /** Admin routes (`POST /charges`) to mount under `/__sandbox`. */
  admin(router: express.Router): void;
}

const STRIPE_TEST_MODE_LIMIT = { name: 'test_mode', limit: 25, windowMs: 1000 } as const;

/** Stripe names the version it answered with; stripe-node reads it into `lastResponse.apiVersion`. */
function withVersion(reply: Reply, version: string): Reply {
  return { ...reply, headers: { ...reply.headers, 'Stripe-Version': version } };
}

/** The Stripe v1 simulator: the endpoints Concord reads (and the few it writes), over the seeded data set. */
export function createStripeProtocol(ctx: SimulatorContext): ProviderProtocol {
  return createStripeSimulator(ctx).protocol;
}

/** The Stripe simulator with its admin side: Dashboard-made charges, announced by webhook. */
export function createStripeSimulator(ctx: SimulatorContext): StripeSimulator {
  const runtime = createRuntime(ctx.dataset);
  const requestIds = new RequestIds(ctx.dataset.seed);
  const stamp = (reply: Reply): Reply => stampRequestId(reply, requestIds.next());

  const announce = stripeWebhookEffects(runtime, ctx.webhooks);
  const routes: RouteDef[] = [
    ...customerRoutes(runtime),
    ...chargeRoutes(runtime),
    ...refundRoutes(runtime),
    ...invoiceRoutes(runtime),
    ...subscriptionRoutes(runtime),
    ...priceRoutes(runtime),
    ...paymentRoutes(runtime),
  ].map((def) => ({
    ...def,
    handle: async (input) => {
      const version = requestedVersion(input.headers);
      if (!version.ok) return stamp(version.reply);
      const refused = def.operationId.startsWith('search') ? searchUnsupported(version.version) : undefined;
      if (refused) return withVersion(stamp(refused), version.version);
      const before = announce.before(def.operationId, input);
      const reply = stamp(await def.handle(input));
      announce.after(def.operationId, input, reply, before);
      return withVersion(reply, version.version);
    },
  }));

  const protocol: ProviderProtocol = {
    name: 'stripe',
    title: 'Stripe API v1',
    routes,
    authenticate: (headers) => {
      const outcome = authenticateStripe(headers, ctx.credentials.stripeSecretKey);
      return outcome.ok ? outcome : { ok: false, reply: stamp(outcome.reply) };
    },
    invalid: (issues) => stamp(validationReply(issues)),
    unknownRoute: (method, path) =>
      stamp(
        invalidRequest(
          `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
          undefined,
          undefined,
          404,
        ),
      ),
    serverError: () => stamp(apiError(500)),
    unavailable: () => stamp(apiError(503)),
    // No Stripe-Should-Retry: Stripe sends it with lock timeouts only, so its libraries do not retry a rate limit.
    rateLimited: () =>
      stamp(
        stripeError(429, {
          type: 'invalid_request_error',
          code: 'rate_limit',
          message:
            'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
        }),
      ),
    // Test mode: 25 requests a second in all, search 20 reads a second (FACTS §1).
    documentedLimits: (route) =>
      route.operationId.startsWith('search')
        ? [STRIPE_TEST_MODE_LIMIT, { name: 'search', limit: 20, windowMs: 1000 }]
        : [STRIPE_TEST_MODE_LIMIT],
    malformedBody: () => stamp(invalidRequest('Invalid request: the request body could not be parsed.')),
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'Secret key: Authorization: Bearer sk_test_…',
      },
      basicAuth: {
        type: 'http',
        scheme: 'basic',
        description: 'Secret key as the user name, empty password',
      },
    },
  };
  return {
    protocol,
    createCharge: (input) => {
      const outcome = createAdminCharge(runtime, ctx.webhooks, input);
      if (!outcome.ok) throw new Error(`sandbox createCharge: ${outcome.error}`);
      return outcome.charge;
    },
    admin: stripeAdminRoutes(runtime, ctx.webhooks),
  };
}
