import { REVENUE_SLICES } from '../payments.js';
import { lifetimeValue } from '../../lifetime-value.js';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { ChargeRecord, CustomerRecord, Dataset } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createStripeProtocol } from '../../../sandbox/stripe/index.js';
import { UnsupportedPagingError, type Page, type Payment, type PaymentStatus } from '../../model.js';
import { MAX_SEARCH_CALLS_PER_PAGE, createStripePayments, type StripePayments } from '../payments.js';
import { providerFailure } from '../../../test/support/provider-failure.js';
import { CachedPayments } from '../../cache/cached-payments.js';
import { ReadThroughCache } from '../../cache/read-through.js';
import { CacheStats } from '../../cache/stats.js';
import { MapStore } from '../../cache/__tests__/support/map-store.js';
import { DEFAULT_TTL_SECONDS, type CacheKind } from '../../cache/ttl.js';

/** The adapter against the Stripe simulator over real HTTP, checked against the dataset itself. */

const API_VERSION = '2026-10-28.endive';
const KEY = DEFAULT_SANDBOX_CREDENTIALS.stripeSecretKey;
const DAY = 86_400_000;

let dataset: Dataset;
let server: SimulatorServer;
let knobs: KnobBoard;
let counters: RequestCounters;
let stripe: StripePayments;

const secs = (ms: number): number => Math.floor(ms / 1000);
/** Stripe's list order: newest first by second, ties by id. */
const newestFirst = (
  a: { stripeId: string; createdAt: number },
  b: { stripeId: string; createdAt: number },
) =>
  secs(b.createdAt) - secs(a.createdAt) || (a.stripeId < b.stripeId ? -1 : a.stripeId > b.stripeId ? 1 : 0);

function chargesOf(customer: number): ChargeRecord[] {
  return dataset.charges.filter((c) => c.customer === customer).sort(newestFirst);
}

function modelStatus(c: ChargeRecord): PaymentStatus {
  if (c.status === 'failed') return 'FAILED';
  if (c.status === 'pending') return 'PENDING';
  if (c.amountRefunded >= c.amount) return 'REFUNDED';
  return c.amountRefunded > 0 ? 'PARTIALLY_REFUNDED' : 'SUCCEEDED';
}

/** Requests the simulator saw per endpoint while `run` ran. */
async function countCalls<T>(run: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  const before = counters.snapshot().byEndpoint.stripe;
  const result = await run();
  const after = counters.snapshot().byEndpoint.stripe;
  const calls: Record<string, number> = {};
  for (const [endpoint, n] of Object.entries(after)) {
    const diff = n - (before[endpoint] ?? 0);
    if (diff > 0) calls[endpoint] = diff;
  }
  return { result, calls };
}

/** The customer (by index) with the most charges: enough to page through several times. */
function busiestCustomer(): number {
  const counts = new Map<number, number>();
  for (const c of dataset.charges) counts.set(c.customer, (counts.get(c.customer) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
}

beforeAll(async () => {
  dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  knobs = new KnobBoard();
  counters = new RequestCounters();
  server = await serveSimulator({
    protocol: createStripeProtocol({ dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS }),
    knobs,
    counters,
  });
  stripe = createStripePayments({
    baseUrl: server.url,
    secretKey: KEY,
    apiVersion: API_VERSION,
    timeoutMs: 5000,
  });
});

afterEach(() => {
  knobs.reset();
});

afterAll(async () => {
  await stripe.close();
  await server.close();
});

describe('accountsOfContacts', () => {
  it('answers 50 contacts with 5 searches, in order, null for contacts without a customer', async () => {
    const contacts = dataset.contacts.slice(100, 150);
    const customerOf = new Map<number, CustomerRecord>();
    for (const c of dataset.customers) customerOf.set(c.contact, c);
    const { result, calls } = await countCalls(() => stripe.accountsOfContacts(contacts.map((c) => c.crmId)));
    expect(calls).toEqual({ 'GET /v1/customers/search': 5 });
    const expected = contacts.map((_, i) => customerOf.get(100 + i) ?? null);
    expect(expected.some((c) => c === null)).toBe(true);
    expect(result.map((a) => a?.id ?? null)).toEqual(expected.map((c) => c?.stripeId ?? null));
    result.forEach((account, i) => {
      const customer = expected[i];
      if (!account || !customer) return;
      expect(account).toMatchObject({
        contactId: contacts[i]?.crmId,
        currency: customer.currency.toUpperCase(),
        createdAt: new Date(secs(customer.createdAt) * 1000),
      });
      expect(account.ref.url).toBe(`https://dashboard.stripe.com/test/customers/${customer.stripeId}`);
    });
  });

  it('keeps a value with quotes or backslashes inside its clause', async () => {
    const real = dataset.customers[0] as CustomerRecord;
    const realContact = dataset.contacts[real.contact]?.crmId as string;
    const hostile = [`x' OR metadata['crm_contact_id']:'${realContact}`, String.raw`a\'b\\`, `"quoted"`];
    const result = await stripe.accountsOfContacts([...hostile, realContact]);
    expect(result.map((a) => a?.id ?? null)).toEqual([null, null, null, real.stripeId]);
  });
});

describe('getAccounts', () => {
  it('retrieves accounts by id, in order, null for unknown ids', async () => {
    const wanted = [dataset.customers[3], dataset.customers[1]] as CustomerRecord[];
    const ids = [wanted[0]?.stripeId as string, 'cus_DoesNotExist0', wanted[1]?.stripeId as string];
    const { result, calls } = await countCalls(() => stripe.getAccounts(ids));
    expect(calls).toEqual({ 'GET /v1/customers/{id}': 3 });
    expect(result.map((a) => a?.id ?? null)).toEqual([ids[0], null, ids[2]]);
    expect(result[0]?.contactId).toBe(dataset.contacts[wanted[0]?.contact as number]?.crmId);
  });
});

describe('paymentsOfAccounts and lifetimeValue', () => {
  const customers = (): CustomerRecord[] => dataset.customers.slice(0, 25);

  it('returns every charge per account, newest first, with the floor of calls', async () => {
    const ids = customers().map((c) => c.stripeId);
    const { result, calls } = await countCalls(() => stripe.paymentsOfAccounts(ids));
    // One search per 10 accounts, plus one per further 100 charges of that chunk.
    const expectedCalls = [0, 10, 20]
      .map((from) => customers().slice(from, from + 10))
      .map((chunk) => {
        const n = chunk.reduce((sum, c) => sum + chargesOf(dataset.customers.indexOf(c)).length, 0);
        return Math.max(1, Math.ceil(n / 100));
      })
      .reduce((a, b) => a + b, 0);
    expect(expectedCalls).toBeGreaterThan(3);
    expect(calls).toEqual({ 'GET /v1/charges/search': expectedCalls });
    result.forEach((payments, i) => {
      const records = chargesOf(i);
      expect(payments.map((p) => p.id)).toEqual(records.map((c) => c.stripeId));
      payments.forEach((p, j) => {
        const c = records[j] as ChargeRecord;
        expect(p).toMatchObject({
          accountId: ids[i],
          amount: { minor: BigInt(c.amount), currency: c.currency.toUpperCase() },
          amountRefunded: { minor: BigInt(c.amountRefunded), currency: c.currency.toUpperCase() },
          status: modelStatus(c),
          providerStatus: c.status,
          card: { last4: c.card.last4, brand: c.card.brand },
        });
      });
    });
  });

  it('answers in the order asked, with repeats and unknown accounts', async () => {
    const [a, b] = customers();
    const result = await stripe.paymentsOfAccounts([
      b?.stripeId ?? '',
      'cus_unknown',
      a?.stripeId ?? '',
      b?.stripeId ?? '',
    ]);
    expect(result.map((list) => list.length)).toEqual([
      chargesOf(1).length,
      0,
      chargesOf(0).length,
      chargesOf(1).length,
    ]);
  });

  it('lifetime value equals the dataset sum of succeeded charges net of refunds', async () => {
    const ids = customers().map((c) => c.stripeId);
    const [payments, accounts] = await Promise.all([
      stripe.paymentsOfAccounts(ids),
      stripe.accountsOfContacts(customers().map((c) => dataset.contacts[c.contact]?.crmId ?? '')),
    ]);
    customers().forEach((customer, i) => {
      const paid = chargesOf(i).filter((c) => c.status === 'succeeded');
      const expected =
        paid.length === 0
          ? null
          : {
              minor: paid.reduce((sum, c) => sum + BigInt(c.amount - c.amountRefunded), 0n),
              currency: customer.currency.toUpperCase(),
            };
      expect(lifetimeValue(payments[i] ?? [], accounts[i]?.currency ?? 'USD')).toEqual(expected);
    });
  });
});

describe('behind the cache: summaries and histories', () => {
  const cached = () => {
    const ttlMs = Object.fromEntries(
      Object.entries(DEFAULT_TTL_SECONDS).map(([k, s]) => [k, s * 1000]),
    ) as Record<CacheKind, number>;
    const cache = new ReadThroughCache({
      store: new MapStore(),
      stats: new CacheStats(),
      policy: { ttlMs, staleMs: 60_000 },
      provider: 'stripe',
      credentialFingerprint: 'fp',
    });
    return { cache, payments: new CachedPayments(stripe, cache) };
  };

  it('reads each history once: the summary first, then paging through the history, asks Stripe nothing more', async () => {
    const customer = busiestCustomer();
    const id = dataset.customers[customer]?.stripeId as string;
    const direct = await stripe.paymentsOfAccounts([id]);
    const { cache, payments } = cached();
    const first = await countCalls(() => payments.paymentSummaries([id]));
    expect(first.calls['GET /v1/charges/search']).toBeGreaterThan(0);
    // The summary entry stays small: the history is kept beside it, not in it.
    expect(first.result[0]).not.toHaveProperty('history');
    expect(first.result[0]?.count).toBe(chargesOf(customer).length);
    await cache.writesSettled();
    const walk = await countCalls(() => payments.paymentsOfAccounts([id]));
    expect(walk.calls).toEqual({});
    expect(walk.result).toEqual(direct);
  });

  it('makes the summaries from histories it read, with no second read', async () => {
    const ids = dataset.customers.slice(0, 12).map((c) => c.stripeId);
    const direct = await stripe.paymentSummaries(ids);
    const { cache, payments } = cached();
    await payments.paymentsOfAccounts(ids);
    await cache.writesSettled();
    const summaries = await countCalls(() => payments.paymentSummaries(ids));
    expect(summaries.calls).toEqual({});
    expect(summaries.result).toEqual(direct.map(({ history: _history, ...summary }) => summary));
  });
});

describe('listPayments', () => {
  const walkForward = async (filter: { accountId?: string; status?: PaymentStatus }, limit: number) => {
    const pages: Array<Page<Payment>> = [];
    let after: string | null = null;
    do {
      const page: Page<Payment> = await stripe.listPayments({ limit, after }, filter);
      pages.push(page);
      expect(page.cursors).toHaveLength(page.items.length);
      after = page.nextCursor;
    } while (after !== null && pages.length < 200);
    return pages;
  };

  it('walks one customer forward to the end and backward from the end, each charge once, in order', async () => {
    const index = busiestCustomer();
    const accountId = dataset.customers[index]?.stripeId as string;
    const expected = chargesOf(index).map((c) => c.stripeId);
    expect(expected.length).toBeGreaterThan(30);

    const forward = await walkForward({ accountId }, 7);
    const forwardIds = forward.flatMap((p) => p.items.map((i) => i.id));
    expect(forwardIds).toEqual(expected);
    expect(forward.flatMap((p) => p.cursors)).toEqual(expected);
    expect(forward[0]?.previousCursor).toBeNull();
    expect(forward[1]?.previousCursor).toBe(expected[7]);

    // Backward from the oldest charge: each page comes before the one after it.
    const oldest = expected[expected.length - 1] as string;
    const backwardPages: Array<Page<Payment>> = [];
    let before: string | null = oldest;
    while (before !== null) {
      const page: Page<Payment> = await stripe.listPayments({ limit: 7, before }, { accountId });
      backwardPages.unshift(page);
      expect(page.nextCursor).toBe(page.cursors[page.cursors.length - 1]);
      before = page.previousCursor;
    }
    expect([...backwardPages.flatMap((p) => p.items.map((i) => i.id)), oldest]).toEqual(expected);
  });

  it('filters by status through search, forward only', async () => {
    const index = busiestCustomer();
    const accountId = dataset.customers[index]?.stripeId as string;
    for (const status of ['SUCCEEDED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED'] as const) {
      const expected = chargesOf(index)
        .filter((c) => modelStatus(c) === status)
        .map((c) => c.stripeId);
      expect(expected.length).toBeGreaterThan(0);
      const pages = await walkForward({ accountId, status }, 4);
      expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(expected);
      expect(pages.flatMap((p) => p.items).every((p) => p.status === status)).toBe(true);
      if (status === 'FAILED' || status === 'REFUNDED') expect(pages[0]?.totalCount).toBe(expected.length);
      else expect(pages[0]?.totalCount).toBeNull();
    }
    // A per-item cursor continues right after that item.
    const first = await stripe.listPayments({ limit: 5 }, { accountId, status: 'SUCCEEDED' });
    const resumed = await stripe.listPayments(
      { limit: 2, after: first.cursors[1] ?? null },
      { accountId, status: 'SUCCEEDED' },
    );
    expect(resumed.items.map((p) => p.id)).toEqual(first.items.slice(2, 4).map((p) => p.id));

    await expect(
      stripe.listPayments({ limit: 5, before: first.cursors[1] ?? null }, { accountId, status: 'FAILED' }),
    ).rejects.toBeInstanceOf(UnsupportedPagingError);
  });

  it('fills a page of a rare status across several search pages, resuming mid-page', async () => {
    const expected = [...dataset.charges]
      .sort(newestFirst)
      .filter((c) => modelStatus(c) === 'PARTIALLY_REFUNDED')
      .slice(0, 15)
      .map((c) => c.stripeId);
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const { result, calls } = await countCalls(() =>
        stripe.listPayments({ limit: 5, after }, { status: 'PARTIALLY_REFUNDED' }),
      );
      expect(calls['GET /v1/charges/search']).toBeLessThanOrEqual(MAX_SEARCH_CALLS_PER_PAGE);
      seen.push(...result.items.map((p) => p.id));
      after = result.nextCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('lists all charges newest first without an account', async () => {
    const page = await stripe.listPayments({ limit: 10 }, {});
    const expected = [...dataset.charges]
      .sort(newestFirst)
      .slice(0, 10)
      .map((c) => c.stripeId);
    expect(page.items.map((p) => p.id)).toEqual(expected);
    expect(page.totalCount).toBeNull();
  });
});

describe('retrieves, invoices and subscriptions', () => {
  it('gets payments, invoices and subscriptions by id, one GET per distinct id, null when missing', async () => {
    const charges = dataset.charges.slice(0, 3).map((c) => c.stripeId);
    const { result, calls } = await countCalls(() =>
      stripe.getPayments([
        charges[0] ?? '',
        'ch_missing',
        charges[1] ?? '',
        charges[0] ?? '',
        '',
        'search',
        charges[2] ?? '',
      ]),
    );
    expect(result.map((p) => p?.id ?? null)).toEqual([
      charges[0],
      null,
      charges[1],
      charges[0],
      null,
      null,
      charges[2],
    ]);
    expect(calls).toEqual({ 'GET /v1/charges/{id}': 4 });

    const invoice = dataset.invoices[5];
    const subscription = dataset.subscriptions[5];
    const [invoices, subscriptions] = await Promise.all([
      stripe.getInvoices([invoice?.stripeId ?? '', 'in_missing']),
      stripe.getSubscriptions(['sub_missing', subscription?.stripeId ?? '']),
    ]);
    expect(invoices[0]).toMatchObject({
      id: invoice?.stripeId,
      accountId: dataset.customers[invoice?.customer ?? -1]?.stripeId,
      subscriptionId: dataset.subscriptions[invoice?.subscription ?? -1]?.stripeId,
      amountDue: { minor: BigInt(invoice?.amountDue ?? 0) },
      providerStatus: invoice?.status,
    });
    expect(invoices[1]).toBeNull();
    const price = dataset.prices[subscription?.price ?? -1];
    expect(subscriptions[0]).toBeNull();
    expect(subscriptions[1]).toMatchObject({
      id: subscription?.stripeId,
      planName: price?.nickname,
      quantity: subscription?.quantity,
      amount: { minor: BigInt((price?.unitAmount ?? 0) * (subscription?.quantity ?? 0)) },
      interval: 'MONTH',
      currentPeriodEnd: new Date(secs(subscription?.currentPeriodEnd ?? 0) * 1000),
    });
  });

  it('lists subscriptions per account, canceled ones included, one list call per account', async () => {
    const withSubs = [...new Set(dataset.subscriptions.map((s) => s.customer))].slice(0, 6);
    const canceled = dataset.subscriptions.find((s) => s.status === 'canceled');
    if (canceled && !withSubs.includes(canceled.customer)) withSubs.push(canceled.customer);
    const ids = withSubs.map((i) => dataset.customers[i]?.stripeId ?? '');
    const { result, calls } = await countCalls(() => stripe.subscriptionsOfAccounts([...ids, 'cus_none']));
    expect(calls).toEqual({ 'GET /v1/subscriptions': ids.length + 1 });
    withSubs.forEach((customer, i) => {
      const expected = dataset.subscriptions
        .filter((s) => s.customer === customer)
        .sort(newestFirst)
        .map((s) => s.stripeId);
      expect(result[i]?.map((s) => s.id)).toEqual(expected);
    });
    expect(result[ids.length]).toEqual([]);
  });

  it('walks a customer’s invoices forward and back', async () => {
    const customer = dataset.invoices[0]?.customer ?? 0;
    const accountId = dataset.customers[customer]?.stripeId as string;
    const expected = dataset.invoices
      .filter((i) => i.customer === customer)
      .sort(newestFirst)
      .map((i) => i.stripeId);
    const first = await stripe.listInvoices({ limit: 2 }, { accountId });
    expect(first.items.map((i) => i.id)).toEqual(expected.slice(0, 2));
    if (first.nextCursor !== null) {
      const second = await stripe.listInvoices({ limit: 2, after: first.nextCursor }, { accountId });
      expect(second.items.map((i) => i.id)).toEqual(expected.slice(2, 4));
      const back = await stripe.listInvoices({ limit: 2, before: second.previousCursor }, { accountId });
      expect(back.items.map((i) => i.id)).toEqual(expected.slice(0, 2));
    }
  });
});

describe('revenueByBucket', () => {
  it('sums succeeded charges per week and currency, as the dataset does', async () => {
    const until = new Date(dataset.anchor);
    const since = new Date(dataset.anchor - 28 * DAY);
    const starts = [0, 1, 2, 3].map((w) => new Date(since.getTime() + w * 7 * DAY));
    const { result, calls } = await countCalls(() => stripe.revenueByBucket(since, until, starts));

    const inRange = dataset.charges.filter(
      (c) =>
        secs(c.createdAt) >= Math.ceil(since.getTime() / 1000) &&
        secs(c.createdAt) < Math.ceil(until.getTime() / 1000),
    );
    // Slices walked side by side cost at most one partial page each beyond the sequential floor.
    const floor = Math.max(1, Math.ceil(inRange.length / 100));
    expect(Object.keys(calls)).toEqual(['GET /v1/charges']);
    expect(calls['GET /v1/charges']).toBeGreaterThanOrEqual(floor);
    expect(calls['GET /v1/charges']).toBeLessThanOrEqual(floor + REVENUE_SLICES - 1);
    const expected = starts.map((start, w) => {
      const end = starts[w + 1]?.getTime() ?? Infinity;
      const sums = new Map<string, bigint>();
      for (const c of inRange) {
        const at = secs(c.createdAt) * 1000;
        if (c.status !== 'succeeded' || at < start.getTime() || at >= end) continue;
        const currency = c.currency.toUpperCase();
        sums.set(currency, (sums.get(currency) ?? 0n) + BigInt(c.amount));
      }
      return [...sums.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, minor]) => ({ minor, currency }));
    });
    expect(result).toEqual(expected);
    expect(result.every((bucket) => bucket.length > 0)).toBe(true);
  });
});

describe('failures', () => {
  it('reads an outage as UNAVAILABLE', async () => {
    knobs.set('stripe', { outage: true });
    const error = await providerFailure(stripe.listPayments({ limit: 1 }, {}));
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      status: 503,
      providerCode: 'api_error',
    });
  });

  it('reads the rate limit as RATE_LIMITED', async () => {
    knobs.set('stripe', { rateLimit: { limit: 0, windowMs: 60_000 } });
    const error = await providerFailure(stripe.accountsOfContacts(['1']));
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      status: 429,
      providerCode: 'rate_limit',
    });
    expect(error.endpoint).toBe('GET /v1/customers/search');
  });

  it('reads a wrong key as UNAUTHORIZED, without the key in the message', async () => {
    const wrong = createStripePayments({
      baseUrl: server.url,
      secretKey: 'sk_test_wrong',
      apiVersion: API_VERSION,
    });
    try {
      const error = await providerFailure(wrong.getPayments(['ch_x']));
      expect(error).toMatchObject({
        code: 'UNAUTHORIZED',
        retryable: false,
        status: 401,
        providerCode: 'api_key_invalid',
      });
      expect(error.message).not.toContain('wrong');
    } finally {
      await wrong.close();
    }
  });

  it('reads a garbage body as BAD_RESPONSE', async () => {
    const bodies = [
      '<html>oops</html>',
      JSON.stringify({ object: 'list', data: [{ id: 5 }], has_more: false }),
    ];
    let next = 0;
    const garbage = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(bodies[next++ % bodies.length]);
    });
    garbage.listen(0, '127.0.0.1');
    await once(garbage, 'listening');
    const url = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
    const client = createStripePayments({ baseUrl: url, secretKey: KEY, apiVersion: API_VERSION });
    try {
      for (let i = 0; i < bodies.length; i++) {
        const error = await providerFailure(client.listPayments({ limit: 1 }, {}));
        expect(error).toMatchObject({ code: 'BAD_RESPONSE', status: 200, endpoint: 'GET /v1/charges' });
      }
    } finally {
      await client.close();
      garbage.closeAllConnections();
      garbage.close();
    }
  });

  it('sends the pinned Stripe-Version and a bearer key', async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    const spy = createServer((req, res) => {
      seen = req.headers;
      res.end(JSON.stringify({ object: 'list', data: [], has_more: false }));
    });
    spy.listen(0, '127.0.0.1');
    await once(spy, 'listening');
    const client = createStripePayments({
      baseUrl: `http://127.0.0.1:${(spy.address() as AddressInfo).port}`,
      secretKey: KEY,
      apiVersion: API_VERSION,
    });
    try {
      await client.listInvoices({ limit: 1 }, {});
      expect(seen['stripe-version']).toBe(API_VERSION);
      expect(seen.authorization).toBe(`Bearer ${KEY}`);
    } finally {
      await client.close();
      spy.closeAllConnections();
      spy.close();
    }
  });
});
