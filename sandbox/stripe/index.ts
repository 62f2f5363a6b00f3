import type { SimulatorContext } from '../context.js';
import type { ProviderProtocol } from '../http/provider.js';
import type { Reply, RouteDef } from '../http/route.js';
import { authenticateStripe } from './auth.js';
import { apiError, invalidRequest, stripeError } from './errors.js';
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

/** The Stripe v1 simulator: the endpoints Concord reads (and the few it writes), over the seeded data set. */
export function createStripeProtocol(ctx: SimulatorContext): ProviderProtocol {
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

  return {
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
}
