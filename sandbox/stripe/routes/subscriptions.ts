import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { idParams, list, retrieve, retrieveQuery, search, searchQuery, type Resource } from '../handlers.js';
import { renderSubscription } from '../objects.js';
import { inRange, listParams, rangeParam } from '../params.js';
import type { StripeRuntime } from '../runtime.js';
import type { SearchSchema } from '../search-query.js';
import type { SubscriptionState } from '../store.js';

const TAGS = ['Subscriptions'];
const STATUS_FILTERS = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;
type StatusFilter = (typeof STATUS_FILTERS)[number];

export const subscriptionSearchSchema: SearchSchema<SubscriptionState> = {
  resource: 'subscriptions',
  fields: {
    status: { kind: 'token', get: (s) => s.record.status },
    created: { kind: 'number', get: (s) => s.created },
  },
  metadata: () => ({}),
};

/** Stripe leaves canceled subscriptions out unless asked for them (`status=canceled|ended|all`). */
export function statusMatches(status: string, filter: StatusFilter | undefined): boolean {
  if (filter === undefined) return status !== 'canceled' && status !== 'incomplete_expired';
  if (filter === 'all') return true;
  if (filter === 'ended') return status === 'canceled' || status === 'incomplete_expired';
  return status === filter;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

const listQuery = z
  .object({
    ...listParams,
    created: rangeParam().optional().describe('Created time (unix seconds) or a range created[gte]=…'),
    customer: z.string().optional().describe('Only subscriptions of this customer'),
    price: z.string().optional().describe('Only subscriptions with this price'),
    plan: z.string().optional().describe('Only subscriptions with this plan (same ids as prices)'),
    status: z.enum(STATUS_FILTERS).optional().describe('Status; without it canceled ones are left out'),
    collection_method: z
      .enum(['charge_automatically', 'send_invoice'])
      .optional()
      .describe('How they are paid'),
    current_period_start: rangeParam().optional().describe('Item period start (unix seconds) or a range'),
    current_period_end: rangeParam().optional().describe('Item period end (unix seconds) or a range'),
    test_clock: z.string().optional().describe('Test clock id (the sandbox has none)'),
  })
  .strict();

export function subscriptionRoutes(rt: StripeRuntime): RouteDef[] {
  const resource: Resource<SubscriptionState> = {
    objectType: 'subscription',
    collection: rt.store.subscriptions,
    render: renderSubscription,
    expanders: rt.expanders.subscription,
  };
  return [
    route({
      method: 'GET',
      path: '/v1/subscriptions',
      operationId: 'listSubscriptions',
      summary: 'List subscriptions, newest first (canceled ones only with status)',
      tags: TAGS,
      query: listQuery,
      responses: { 200: 'A list of subscriptions', 400: 'Bad parameter' },
      handle: ({ query }) =>
        list(resource, '/v1/subscriptions', {
          ...query,
          source:
            query.customer === undefined
              ? rt.store.subscriptions.all
              : rt.store.subscriptions.group(query.customer),
          matches: (s) =>
            statusMatches(s.record.status, query.status) &&
            (query.price === undefined || s.price.id === query.price) &&
            (query.plan === undefined || s.price.id === query.plan) &&
            (query.collection_method === undefined || query.collection_method === 'charge_automatically') &&
            inRange(seconds(s.record.currentPeriodStart), query.current_period_start) &&
            inRange(seconds(s.record.currentPeriodEnd), query.current_period_end) &&
            query.test_clock === undefined,
        }),
    }),
    route({
      method: 'GET',
      path: '/v1/subscriptions/search',
      operationId: 'searchSubscriptions',
      summary: 'Search subscriptions with the search query language',
      tags: TAGS,
      query: searchQuery,
      responses: { 200: 'A search result', 400: 'Bad query' },
      handle: ({ query }) => search(resource, subscriptionSearchSchema, rt.pages, query),
    }),
    route({
      method: 'GET',
      path: '/v1/subscriptions/{id}',
      operationId: 'retrieveSubscription',
      summary: 'Retrieve a subscription',
      tags: TAGS,
      params: idParams,
      query: retrieveQuery,
      responses: { 200: 'The subscription', 404: 'No such subscription' },
      handle: ({ params, query }) => retrieve(resource, params.id, query.expand),
    }),
  ];
}
