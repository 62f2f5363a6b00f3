import { z } from 'zod';
import { json, route, type RouteDef } from '../../http/route.js';
import { invalidRequest, resourceMissing } from '../errors.js';
import { applyExpand, planExpand } from '../expand.js';
import { idParams, list, retrieve, retrieveQuery, type Resource } from '../handlers.js';
import { formatMoney, renderRefund } from '../objects.js';
import { expandParam, intParam, listParams, metadataParam, rangeParam } from '../params.js';
import type { StripeRuntime } from '../runtime.js';
import { paymentMethodIdOf, type ChargeState, type RefundState } from '../store.js';

const TAGS = ['Refunds'];

const listQuery = z
  .object({
    ...listParams,
    created: rangeParam().optional().describe('Created time (unix seconds) or a range created[gte]=…'),
    charge: z.string().optional().describe('Only refunds of this charge'),
    payment_intent: z.string().optional().describe('Only refunds of this PaymentIntent'),
  })
  .strict();

const createBody = z
  .object({
    charge: z.string().optional().describe('The charge to refund'),
    payment_intent: z.string().optional().describe('The PaymentIntent whose charge to refund'),
    amount: intParam({ min: 1 }).optional().describe('Minor units; defaults to all that is left'),
    reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional().describe('Why'),
    metadata: metadataParam,
    expand: expandParam,
  })
  .strict();
type CreateBody = z.output<typeof createBody>;

export function refundRoutes(rt: StripeRuntime): RouteDef[] {
  const { store } = rt;
  const resource: Resource<RefundState> = {
    objectType: 'refund',
    collection: store.refunds,
    render: renderRefund,
    expanders: rt.expanders.refund,
  };
  // PaymentIntent ids are needed only by refund filters, so that index is built on first use
  // (and again once charges were added, e.g. by the `/__sandbox/charges` admin call).
  let chargeByIntent: Map<string, ChargeState> | null = null;
  const chargeOfIntent = (id: string): ChargeState | undefined => {
    if (chargeByIntent?.size !== store.charges.all.length)
      chargeByIntent = new Map(store.charges.all.map((c) => [c.record.paymentIntentId, c]));
    return chargeByIntent.get(id);
  };

  const create = (body: CreateBody) => {
    const plan = planExpand(body.expand, resource.expanders, 'object');
    if (!plan.ok) return plan.reply;
    if (body.charge === undefined && body.payment_intent === undefined) {
      return invalidRequest(
        'One of `charge` or `payment_intent` is required.',
        'charge',
        'parameter_missing',
      );
    }
    const charge =
      body.charge !== undefined ? store.charges.get(body.charge) : chargeOfIntent(body.payment_intent ?? '');
    if (!charge) {
      return body.charge !== undefined
        ? resourceMissing('charge', body.charge, 'charge', 400)
        : invalidRequest(
            `No such payment_intent: '${body.payment_intent}'`,
            'payment_intent',
            'resource_missing',
          );
    }
    if (
      body.charge !== undefined &&
      body.payment_intent !== undefined &&
      charge.record.paymentIntentId !== body.payment_intent
    ) {
      return invalidRequest(
        `Charge ${charge.id} does not belong to PaymentIntent ${body.payment_intent}.`,
        'payment_intent',
      );
    }
    const { amount: total, currency, status } = charge.record;
    if (status !== 'succeeded') {
      return invalidRequest(
        `Charge ${charge.id} has a status of ${status} and cannot be refunded.`,
        'charge',
        'charge_not_refundable',
      );
    }
    const remaining = total - charge.amountRefunded;
    if (remaining <= 0) {
      return invalidRequest(
        `Charge ${charge.id} has already been refunded.`,
        'charge',
        'charge_already_refunded',
      );
    }
    const amount = body.amount ?? remaining;
    if (amount > remaining) {
      return invalidRequest(
        `Refund amount (${formatMoney(amount, currency)}) is greater than unrefunded amount on charge (${formatMoney(remaining, currency)})`,
        'amount',
        'amount_too_large',
      );
    }
    const { id, created } = store.mint('re');
    const refund: RefundState = {
      id,
      created,
      chargeId: charge.id,
      amount,
      currency,
      reason: body.reason ?? null,
      metadata: Object.fromEntries(Object.entries(body.metadata ?? {}).filter(([, v]) => v !== '')),
      customerId: charge.customerId,
      paymentIntentId: charge.record.paymentIntentId,
      paymentMethodId: paymentMethodIdOf(charge.id),
    };
    store.refunds.insert(refund);
    charge.amountRefunded += amount;
    store.charges.touch();
    return json(200, applyExpand(renderRefund(refund), plan.fields, resource.expanders));
  };

  return [
    route({
      method: 'GET',
      path: '/v1/refunds',
      operationId: 'listRefunds',
      summary: 'List refunds, newest first',
      tags: TAGS,
      query: listQuery,
      responses: { 200: 'A list of refunds', 400: 'Bad parameter' },
      handle: ({ query }) =>
        list(resource, '/v1/refunds', {
          ...query,
          source: query.charge === undefined ? store.refunds.all : store.refunds.group(query.charge),
          matches: (r) => query.payment_intent === undefined || r.paymentIntentId === query.payment_intent,
        }),
    }),
    route({
      method: 'GET',
      path: '/v1/refunds/{id}',
      operationId: 'retrieveRefund',
      summary: 'Retrieve a refund',
      tags: TAGS,
      params: idParams,
      query: retrieveQuery,
      responses: { 200: 'The refund', 404: 'No such refund' },
      handle: ({ params, query }) => retrieve(resource, params.id, query.expand),
    }),
    route({
      method: 'POST',
      path: '/v1/refunds',
      operationId: 'createRefund',
      summary: 'Refund all or part of a charge (never more than is left)',
      tags: TAGS,
      body: createBody,
      bodyEncoding: 'form',
      responses: { 200: 'The refund', 400: 'Bad parameter or amount over what is left' },
      handle: (input) => rt.idempotency.run(input, () => create(input.body)),
    }),
  ];
}
