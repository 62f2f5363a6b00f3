import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { idParams, list, retrieve, retrieveQuery, search, searchQuery, type Resource } from '../handlers.js';
import { listParams, rangeParam } from '../params.js';
import { RenderedTexts } from '../rendered-texts.js';
import type { StripeRuntime } from '../runtime.js';
import type { SearchSchema } from '../search-query.js';
import type { ChargeState } from '../store.js';

const TAGS = ['Charges'];

export const isFullyRefunded = (c: ChargeState): boolean =>
  c.record.amount > 0 && c.amountRefunded >= c.record.amount;

export const chargeSearchSchema: SearchSchema<ChargeState> = {
  resource: 'charges',
  fields: {
    customer: { kind: 'id', get: (c) => c.customerId },
    status: { kind: 'token', get: (c) => c.record.status },
    amount: { kind: 'number', get: (c) => c.record.amount },
    currency: { kind: 'token', get: (c) => c.record.currency },
    created: { kind: 'number', get: (c) => c.created },
    refunded: { kind: 'boolean', get: isFullyRefunded },
    payment_intent: { kind: 'id', get: (c) => c.record.paymentIntentId },
  },
  metadata: () => ({}),
};

const listQuery = z
  .object({
    ...listParams,
    created: rangeParam().optional().describe('Created time (unix seconds) or a range created[gte]=…'),
    customer: z.string().optional().describe('Only charges of this customer'),
    payment_intent: z.string().optional().describe('Only charges of this PaymentIntent'),
    transfer_group: z
      .string()
      .optional()
      .describe('Only charges of this transfer group (the sandbox has none)'),
  })
  .strict();

export function chargeRoutes(rt: StripeRuntime): RouteDef[] {
  const resource: Resource<ChargeState> = {
    objectType: 'charge',
    collection: rt.store.charges,
    render: rt.render.charge,
    expanders: rt.expanders.charge,
    // A refund touches its charge, so the charges' version covers every input of the rendering.
    texts: new RenderedTexts(rt.render.charge),
  };
  return [
    route({
      method: 'GET',
      path: '/v1/charges',
      operationId: 'listCharges',
      summary: 'List charges, newest first',
      tags: TAGS,
      query: listQuery,
      responses: { 200: 'A list of charges', 400: 'Bad parameter' },
      handle: ({ query }) =>
        list(resource, '/v1/charges', {
          ...query,
          source:
            query.customer === undefined ? rt.store.charges.all : rt.store.charges.group(query.customer),
          matches: (c) =>
            (query.payment_intent === undefined || c.record.paymentIntentId === query.payment_intent) &&
            query.transfer_group === undefined,
        }),
    }),
    route({
      method: 'GET',
      path: '/v1/charges/search',
      operationId: 'searchCharges',
      summary: 'Search charges with the search query language',
      tags: TAGS,
      query: searchQuery,
      responses: { 200: 'A search result', 400: 'Bad query' },
      handle: ({ query }) => search(resource, chargeSearchSchema, rt.pages, query, 'customer'),
    }),
    route({
      method: 'GET',
      path: '/v1/charges/{id}',
      operationId: 'retrieveCharge',
      summary: 'Retrieve a charge',
      tags: TAGS,
      params: idParams,
      query: retrieveQuery,
      responses: { 200: 'The charge', 404: 'No such charge' },
      handle: ({ params, query }) => retrieve(resource, params.id, query.expand),
    }),
  ];
}
