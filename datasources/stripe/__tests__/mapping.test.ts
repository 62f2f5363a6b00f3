import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { Payment } from '../../model.js';
import { BucketSums, bucketIndex } from '../buckets.js';
import {
  ChargeSchema,
  CustomerSchema,
  InvoiceSchema,
  SubscriptionSchema,
  classifyStripeError,
  isLiveKey,
  metadataClause,
  orQueries,
  quoteSearchValue,
  type StripeCharge,
  type StripeSubscription,
} from '../client.js';
import { decodeSearchCursor, encodeSearchCursor, listPage, statusSearch } from '../paging.js';
import { lifetimeValue } from '../../lifetime-value.js';
import {
  capturedRevenue,
  chargeToPayment,
  customerToAccount,
  dashboardUrl,
  invoiceToModel,
  oldestCustomer,
  paymentStatus,
  periodAmount,
  subscriptionToModel,
} from '../mapping.js';
import { parseQuery } from '../../../sandbox/stripe/search-query.js';

/** Stripe's own example objects (from its OpenAPI fixtures), so the schemas match the real shapes. */
const fixtures = (
  JSON.parse(
    readFileSync(new URL('../../../test/fixtures/stripe/fixtures.json', import.meta.url), 'utf8'),
  ) as {
    resources: Record<string, unknown>;
  }
).resources;

const test = { livemode: false };
const charge = (overrides: Partial<StripeCharge> = {}): StripeCharge => ({
  ...ChargeSchema.parse(fixtures.charge),
  ...overrides,
});

describe('Stripe fixtures parse with our schemas', () => {
  it.each(['charge', 'customer', 'invoice', 'subscription'] as const)('%s', (name) => {
    const schema = {
      charge: ChargeSchema,
      customer: CustomerSchema,
      invoice: InvoiceSchema,
      subscription: SubscriptionSchema,
    }[name];
    expect(schema.safeParse(fixtures[name]).success).toBe(true);
  });
});

describe('charge → Payment', () => {
  it('maps the fixture charge', () => {
    const payment = chargeToPayment(charge(), test);
    expect(payment).toEqual({
      id: 'ch_1PgafuB7WZ01zgkWXYmPNZs8',
      accountId: null,
      amount: { minor: 100n, currency: 'USD' },
      amountRefunded: { minor: 0n, currency: 'USD' },
      status: 'SUCCEEDED',
      providerStatus: 'succeeded',
      description: 'My First Test Charge (created for API docs)',
      failureReason: null,
      createdAt: new Date(1234567890 * 1000),
      card: { brand: 'visa', last4: '4242', expiryMonth: 8, expiryYear: 2030, country: 'US' },
      ref: {
        domain: 'PAYMENTS',
        provider: 'stripe',
        externalId: 'ch_1PgafuB7WZ01zgkWXYmPNZs8',
        url: 'https://dashboard.stripe.com/test/payments/ch_1PgafuB7WZ01zgkWXYmPNZs8',
      },
    });
  });

  it.each([
    ['succeeded', 1000, 0, 'SUCCEEDED'],
    ['succeeded', 1000, 1000, 'REFUNDED'],
    ['succeeded', 1000, 400, 'PARTIALLY_REFUNDED'],
    ['pending', 1000, 0, 'PENDING'],
    ['failed', 1000, 0, 'FAILED'],
    ['some_future_status', 1000, 0, 'PENDING'],
  ] as const)('status %s, amount %i, refunded %i → %s', (status, amount, refunded, expected) => {
    expect(paymentStatus({ status, amount, amount_refunded: refunded })).toBe(expected);
  });

  it('takes the customer id from an id or an expanded object, and the failure reason from Stripe', () => {
    expect(chargeToPayment(charge({ customer: { id: 'cus_1' } }), test).accountId).toBe('cus_1');
    const failed = charge({
      status: 'failed',
      failure_code: 'card_declined',
      failure_message: 'Your card was declined.',
    });
    expect(chargeToPayment(failed, test).failureReason).toBe('Your card was declined.');
    expect(chargeToPayment({ ...failed, failure_message: null }, test).failureReason).toBe('card_declined');
  });

  it('has no card for other payment methods, and a live dashboard link for live objects', () => {
    const p = chargeToPayment(charge({ payment_method_details: null, livemode: true }), test);
    expect(p.card).toBeNull();
    expect(p.ref.url).toBe('https://dashboard.stripe.com/payments/ch_1PgafuB7WZ01zgkWXYmPNZs8');
  });

  it('counts captured money of succeeded charges as revenue', () => {
    expect(capturedRevenue(charge({ amount_captured: 0 }))).toBeNull();
    expect(capturedRevenue(charge({ amount_captured: 100 }))).toEqual({ minor: 100n, currency: 'USD' });
    expect(capturedRevenue(charge({ status: 'failed', amount_captured: 100 }))).toBeNull();
  });
});

describe('customer → PaymentAccount', () => {
  it('links the CRM contact from metadata', () => {
    const parsed = CustomerSchema.parse(fixtures.customer);
    expect(customerToAccount(parsed, test)).toEqual({
      id: 'cus_QXg1o8vcGmoR32',
      contactId: null,
      currency: 'USD',
      createdAt: new Date(1234567890 * 1000),
      ref: {
        domain: 'PAYMENTS',
        provider: 'stripe',
        externalId: 'cus_QXg1o8vcGmoR32',
        url: 'https://dashboard.stripe.com/test/customers/cus_QXg1o8vcGmoR32',
      },
    });
    const linked = { ...parsed, metadata: { crm_contact_id: '101' }, currency: null };
    expect(customerToAccount(linked, test)).toMatchObject({ contactId: '101', currency: null });
  });

  it('picks the oldest of several customers', () => {
    const a = { id: 'cus_b', created: 5 };
    const b = { id: 'cus_a', created: 5 };
    const c = { id: 'cus_c', created: 9 };
    expect(oldestCustomer([c, a, b])).toBe(a);
    expect(oldestCustomer([])).toBeNull();
  });
});

describe('invoice → Invoice', () => {
  it('maps the fixture and reads the subscription from `parent` (current versions)', () => {
    const invoice = invoiceToModel(InvoiceSchema.parse(fixtures.invoice), test);
    expect(invoice).toMatchObject({
      id: 'in_1Pgc6tB7WZ01zgkWu9fdqL6I',
      accountId: 'cus_QXg1o8vcGmoR32',
      subscriptionId: 'subscription',
      number: null,
      status: 'DRAFT',
      providerStatus: 'draft',
      amountDue: { minor: 1000n, currency: 'USD' },
      amountPaid: { minor: 0n, currency: 'USD' },
      dueDate: new Date(1234567890 * 1000),
    });
    expect(invoice.ref.url).toBe('https://dashboard.stripe.com/test/invoices/in_1Pgc6tB7WZ01zgkWu9fdqL6I');
  });

  it('falls back to the top-level subscription of older versions', () => {
    const parsed = { ...InvoiceSchema.parse(fixtures.invoice), parent: null, subscription: 'sub_old' };
    expect(invoiceToModel(parsed, test).subscriptionId).toBe('sub_old');
  });
});

describe('subscription → Subscription', () => {
  const base = (): StripeSubscription => SubscriptionSchema.parse(fixtures.subscription);

  it('maps the fixture with the period from its first item', () => {
    const sub = subscriptionToModel(base(), test);
    expect(sub).toMatchObject({
      id: 'sub_1Pgc6rB7WZ01zgkWNy0Cn5nw',
      accountId: 'cus_QXg1o8vcGmoR32',
      status: 'ACTIVE',
      providerStatus: 'active',
      planName: null,
      quantity: 1,
      amount: { minor: 2000n, currency: 'USD' },
      interval: 'MONTH',
      currentPeriodStart: new Date(1896570518 * 1000),
      currentPeriodEnd: new Date(976287773 * 1000),
      canceledAt: new Date(1234567890 * 1000),
    });
  });

  it('multiplies by quantity, sums items billed alike, and gives up on tiered prices', () => {
    const [item] = base().items.data;
    if (!item) throw new Error('fixture has an item');
    const seats = { ...item, quantity: 3, price: { ...item.price, unit_amount: 1500, nickname: 'Team' } };
    expect(periodAmount([seats, item])).toEqual({ minor: 6500n, currency: 'USD' });
    expect(periodAmount([{ ...item, price: { ...item.price, unit_amount: null } }])).toBeNull();
    const yearly = { ...item, price: { ...item.price, recurring: { interval: 'year', interval_count: 1 } } };
    expect(subscriptionToModel({ ...base(), items: { data: [yearly] } }, test).interval).toBeNull();
    expect(subscriptionToModel({ ...base(), items: { data: [seats] } }, test).planName).toBe('Team');
  });

  it('reads incomplete_expired as canceled and keeps the label', () => {
    const sub = subscriptionToModel({ ...base(), status: 'incomplete_expired' }, test);
    expect(sub).toMatchObject({ status: 'CANCELED', providerStatus: 'incomplete_expired' });
  });
});

describe('dashboard links and keys', () => {
  it('tells test from live keys', () => {
    expect(isLiveKey('sk_live_abc')).toBe(true);
    expect(isLiveKey('rk_live_abc')).toBe(true);
    expect(isLiveKey('sk_test_abc')).toBe(false);
    expect(dashboardUrl('customers', 'cus_1', true)).toBe('https://dashboard.stripe.com/customers/cus_1');
  });
});

describe('search queries', () => {
  it('quotes values so that quotes and backslashes stay inside one literal', () => {
    const hostile = String.raw`x' OR status:'failed \'`;
    const query = metadataClause('crm_contact_id', hostile);
    const parsed = parseQuery(query);
    expect(parsed.clauses).toHaveLength(1);
    expect(parsed.clauses[0]).toMatchObject({
      metadataKey: 'crm_contact_id',
      value: { kind: 'string', text: hostile },
    });
    expect(quoteSearchValue(String.raw`a\b`)).toBe(String.raw`'a\\b'`);
  });

  it('splits into OR queries of at most 10 clauses and 5000 characters', () => {
    const ids = Array.from({ length: 23 }, (_, i) => `cus_${i}`);
    const queries = orQueries(ids, (id) => `customer:'${id}'`);
    expect(queries.map((q) => q.values.length)).toEqual([10, 10, 3]);
    expect(parseQuery(queries[0]?.query ?? '').clauses).toHaveLength(10);
    const long = orQueries(['a'.repeat(3000), 'b'.repeat(3000)], (v) => `name:'${v}'`);
    expect(long).toHaveLength(2);
    expect(orQueries([], (v: string) => v)).toEqual([]);
  });

  it('reads status filters as search clauses', () => {
    expect(statusSearch('REFUNDED')).toEqual({
      clauses: ["status:'succeeded'", "refunded:'true'"],
      exact: true,
    });
    expect(statusSearch('SUCCEEDED').exact).toBe(false);
  });
});

describe('paging helpers', () => {
  it('gives list pages their neighbours in both directions', () => {
    const forward = listPage(['a', 'b'], ['ch_a', 'ch_b'], true, { backward: false, fromCursor: false });
    expect(forward).toMatchObject({ nextCursor: 'ch_b', previousCursor: null, cursors: ['ch_a', 'ch_b'] });
    const middle = listPage(['a', 'b'], ['ch_a', 'ch_b'], false, { backward: false, fromCursor: true });
    expect(middle).toMatchObject({ nextCursor: null, previousCursor: 'ch_a' });
    const back = listPage(['a', 'b'], ['ch_a', 'ch_b'], false, { backward: true, fromCursor: true });
    expect(back).toMatchObject({ nextCursor: 'ch_b', previousCursor: null });
  });

  it('round-trips search cursors, tokens of any shape included', () => {
    for (const token of [null, 'page_abc:def', 'x']) {
      expect(decodeSearchCursor(encodeSearchCursor(token, 42))).toEqual({ pageToken: token, skip: 42 });
    }
    expect(() => decodeSearchCursor('ch_123')).toThrow(TypeError);
  });
});

describe('error classification', () => {
  it('reads rate limits, missing objects, auth and Stripe-Should-Retry', () => {
    const rate = { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'slow down' } };
    // A rate limit without the header is repeated only after Stripe's one-second window.
    expect(classifyStripeError(400, rate, {})).toEqual({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 1_000,
      providerCode: 'rate_limit',
    });
    expect(classifyStripeError(429, rate, {})).toMatchObject({ retryable: true, retryAfterMs: 1_000 });
    expect(classifyStripeError(429, rate, { 'stripe-should-retry': 'false' })).toEqual({
      code: 'RATE_LIMITED',
      retryable: false,
      providerCode: 'rate_limit',
    });
    // A lock timeout says retry: on the usual backoff, no forced wait.
    const lock = { error: { type: 'invalid_request_error', code: 'lock_timeout' } };
    expect(classifyStripeError(429, lock, { 'stripe-should-retry': 'true' })).toEqual({
      code: 'RATE_LIMITED',
      retryable: true,
      providerCode: 'lock_timeout',
    });
    const missing = {
      error: { type: 'invalid_request_error', code: 'resource_missing', message: "No such charge: 'x'" },
    };
    expect(classifyStripeError(404, missing, {})).toEqual({
      code: 'NOT_FOUND',
      providerCode: 'resource_missing',
    });
    expect(classifyStripeError(404, { error: { type: 'invalid_request_error' } }, {})).toMatchObject({
      code: 'REJECTED',
    });
    expect(
      classifyStripeError(401, { error: { type: 'invalid_request_error', code: 'api_key_invalid' } }, {}),
    ).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(
      classifyStripeError(503, { error: { type: 'api_error' } }, { 'stripe-should-retry': 'true' }),
    ).toEqual({
      providerCode: 'api_error',
      retryable: true,
    });
    expect(classifyStripeError(409, 'not json', { 'stripe-should-retry': 'true' })).toEqual({
      retryable: true,
    });
  });
});

describe('lifetimeValue and buckets', () => {
  const pay = (
    status: Payment['status'],
    amount: number,
    refunded: number,
    currency = 'USD',
    at = 0,
  ): Payment => ({
    ...chargeToPayment(charge(), test),
    status,
    amount: { minor: BigInt(amount), currency },
    amountRefunded: { minor: BigInt(refunded), currency },
    createdAt: new Date(at),
  });

  it('sums paid amounts net of refunds in the account currency', () => {
    const payments = [
      pay('SUCCEEDED', 1000, 0),
      pay('PARTIALLY_REFUNDED', 1000, 300),
      pay('REFUNDED', 500, 500),
      pay('FAILED', 9999, 0),
      pay('PENDING', 9999, 0),
      pay('SUCCEEDED', 7000, 0, 'EUR', 10),
    ];
    expect(lifetimeValue(payments, 'usd')).toEqual({ minor: 1700n, currency: 'USD' });
    expect(lifetimeValue(payments, 'EUR')).toEqual({ minor: 7000n, currency: 'EUR' });
    expect(lifetimeValue([pay('FAILED', 100, 0)], 'USD')).toBeNull();
    expect(lifetimeValue([], 'USD')).toBeNull();
  });

  it('puts times in the last bucket that started at or before them', () => {
    const starts = [new Date(100), new Date(200), new Date(300)];
    expect([50, 100, 199, 200, 1000].map((t) => bucketIndex(starts, new Date(t)))).toEqual([-1, 0, 0, 1, 2]);
    const sums = new BucketSums(starts);
    sums.add(new Date(150), { minor: 5n, currency: 'USD' });
    sums.add(new Date(160), { minor: 7n, currency: 'EUR' });
    sums.add(new Date(170), { minor: 1n, currency: 'USD' });
    sums.add(new Date(50), { minor: 99n, currency: 'USD' });
    expect(sums.result()).toEqual([
      [
        { minor: 7n, currency: 'EUR' },
        { minor: 6n, currency: 'USD' },
      ],
      [],
      [],
    ]);
  });
});
