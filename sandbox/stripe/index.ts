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
import { refundRoutes } from './routes/refunds.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { createRuntime } from './runtime.js';
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
  ].map((def) => ({
    ...def,
    handle: async (input) => {
      const before = announce.before(def.operationId, input);
      const reply = stamp(await def.handle(input));
      announce.after(def.operationId, input, reply, before);
      return reply;
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
    rateLimited: () =>
      stamp(
        stripeError(
          429,
          {
            type: 'invalid_request_error',
            code: 'rate_limit',
            message:
              'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
          },
          { 'Stripe-Should-Retry': 'true' },
        ),
      ),
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
