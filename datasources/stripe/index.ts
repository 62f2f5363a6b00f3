import type { ProviderDescriptor } from '../provider-descriptor.js';
import { MAX_PAGE_SIZE, MAX_SEARCH_CLAUSES, STRIPE_PROVIDER } from './client.js';
import { createStripePayments } from './payments.js';
import { stripeQuota } from './quota.js';
import { stripeSettings, DEFAULT_STRIPE_API_VERSION, type StripeSettings } from './settings.js';
import { stripeWebhooks } from './webhooks.js';

/** Stripe as Concord's payments: customers, charges, invoices and subscriptions over API v1. */
export const stripe: ProviderDescriptor<'PAYMENTS', StripeSettings> = {
  name: STRIPE_PROVIDER,
  title: 'Stripe',
  domain: 'PAYMENTS',
  settings: stripeSettings,
  create: (settings, deps) =>
    createStripePayments({
      baseUrl: settings.baseUrl,
      secretKey: settings.secretKey,
      apiVersion: settings.apiVersion,
      timeoutMs: deps.timeoutMs,
      onCall: deps.onCall,
      policy: deps.policy,
    }),
  limits: {
    // No batch retrieve: one-by-one loads still share a tick.
    retrieve: MAX_PAGE_SIZE,
    searchClauses: MAX_SEARCH_CLAUSES,
    // A page of customers at once: the adapter splits it into searches of 10 and answers when all
    // are back, so the payment loads that depend on the accounts batch into the fewest searches.
    accountLookup: 100,
  },
  // Lists page both ways (search only forward, refused clearly); search counts with total_count.
  capabilities: { backwardPaging: true, batchRead: false, totals: true },
  // 8 slots at ~400 ms ≈ 20 calls/s, under search's 20/s and test mode's 25/s.
  transport: { concurrency: 8, queue: 200 },
  quota: stripeQuota,
  changes: stripeWebhooks,
  twin: {
    name: 'stripe',
    settings: (twin) => ({
      baseUrl: twin.url,
      secretKey: String(twin.credentials.secretKey),
      apiVersion: DEFAULT_STRIPE_API_VERSION,
    }),
  },
};
