import { json, route, type RouteDef } from '../../http/route.js';
import { resourceMissing } from '../errors.js';
import { applyExpand, planExpand, type Expanders } from '../expand.js';
import { idParams, retrieveQuery } from '../handlers.js';
import type { StripeObject } from '../objects.js';
import type { StripeRuntime } from '../runtime.js';

function retrieveBy(
  objectType: string,
  find: (id: string) => StripeObject | undefined,
  expanders: Expanders,
  id: string,
  expand: string[] | undefined,
) {
  const plan = planExpand(expand, expanders, 'object');
  if (!plan.ok) return plan.reply;
  const object = find(id);
  if (!object) return resourceMissing(objectType, id);
  return json(200, applyExpand(object, plan.fields, expanders));
}

/** The PaymentIntent and balance transaction a charge points at, read-only (the sandbox takes no payments). */
export function paymentRoutes(rt: StripeRuntime): RouteDef[] {
  return [
    route({
      method: 'GET',
      path: '/v1/payment_intents/{id}',
      operationId: 'retrievePaymentIntent',
      summary: "Retrieve the PaymentIntent behind a charge (a charge's payment_intent)",
      tags: ['PaymentIntents'],
      params: idParams,
      query: retrieveQuery,
      responses: { 200: 'The PaymentIntent', 404: 'No such payment_intent' },
      handle: ({ params, query }) =>
        retrieveBy(
          'payment_intent',
          (id) => rt.payments.paymentIntent(id),
          rt.expanders.paymentIntent,
          params.id,
          query.expand,
        ),
    }),
    route({
      method: 'GET',
      path: '/v1/balance_transactions/{id}',
      operationId: 'retrieveBalanceTransaction',
      summary: "Retrieve a charge's or refund's balance transaction",
      tags: ['Balance'],
      params: idParams,
      query: retrieveQuery,
      responses: { 200: 'The balance transaction', 404: 'No such balance transaction' },
      handle: ({ params, query }) =>
        retrieveBy(
          'balance_transaction',
          (id) => rt.payments.balanceTransaction(id),
          rt.expanders.balanceTransaction,
          params.id,
          query.expand,
        ),
    }),
  ];
}
