import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import Stripe from 'stripe';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { Dataset } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createStripeProtocol } from '../../../sandbox/stripe/index.js';

const KEY = DEFAULT_SANDBOX_CREDENTIALS.stripeSecretKey;

let dataset: Dataset;
let server: SimulatorServer;
let knobs: KnobBoard;
let counters: RequestCounters;
let stripe: Stripe;

function clientFor(key: string): Stripe {
  const { hostname, port } = new URL(server.url);
  return new Stripe(key, { host: hostname, port: Number(port), protocol: 'http', maxNetworkRetries: 0 });
}

/** Newest first, ties by id: the order the simulator promises. */
function byListOrder<T extends { createdAt: number; stripeId: string }>(a: T, b: T): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.stripeId < b.stripeId ? -1 : a.stripeId > b.stripeId ? 1 : 0;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
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
  stripe = clientFor(KEY);
});

afterAll(async () => {
  await server.close();
});

describe('Stripe simulator through the official stripe library', () => {
  it('auto-paginates every customer exactly once, newest first', async () => {
    const ids: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 100 })) ids.push(customer.id);
    expect(ids).toHaveLength(dataset.customers.length);
    expect(new Set(ids).size).toBe(dataset.customers.length);
    expect(ids).toEqual([...dataset.customers].sort(byListOrder).map((c) => c.stripeId));
  });

  it('pages backwards with ending_before', async () => {
    const first = await stripe.charges.list({ limit: 5 });
    const second = await stripe.charges.list({ limit: 5, starting_after: first.data.at(-1)?.id });
    const back = await stripe.charges.list({ limit: 5, ending_before: second.data[0]?.id });
    expect(back.data.map((c) => c.id)).toEqual(first.data.map((c) => c.id));
    expect(back.has_more).toBe(false);
  });

  it('retrieves a charge with its customer expanded', async () => {
    const record = dataset.charges[123];
    if (!record) throw new Error('dataset too small');
    const customerRecord = dataset.customers[record.customer];
    const contact = customerRecord ? dataset.contacts[customerRecord.contact] : undefined;
    const charge = await stripe.charges.retrieve(record.stripeId, { expand: ['customer'] });
    expect(charge.amount).toBe(record.amount);
    expect(charge.currency).toBe(record.currency);
    expect(charge.status).toBe(record.status);
    expect(charge.amount_refunded).toBe(record.amountRefunded);
    expect(charge.payment_method_details?.card?.last4).toBe(record.card.last4);
    const customer = charge.customer as Stripe.Customer;
    expect(customer.object).toBe('customer');
    expect(customer.id).toBe(customerRecord?.stripeId);
    expect(customer.email).toBe(contact?.email);
    expect(customer.name).toBe(`${contact?.firstName} ${contact?.lastName}`);
    expect(customer.metadata).toEqual({ crm_contact_id: contact?.crmId });
  });

  it('filters lists by customer and created range like the dataset', async () => {
    const customer = dataset.customers[10];
    if (!customer) throw new Error('dataset too small');
    const index = dataset.customers.indexOf(customer);
    const since = Math.floor(customer.createdAt / 1000) + 86_400 * 30;
    const expected = dataset.charges
      .filter((c) => c.customer === index && Math.floor(c.createdAt / 1000) >= since)
      .sort(byListOrder)
      .map((c) => c.stripeId);
    const got = await stripe.charges
      .list({ customer: customer.stripeId, created: { gte: since }, limit: 3 })
      .autoPagingToArray({ limit: 10_000 });
    expect(got.map((c) => c.id)).toEqual(expected);
  });

  it('leaves canceled subscriptions out of a list unless status=all', async () => {
    const all = await stripe.subscriptions
      .list({ status: 'all', limit: 100 })
      .autoPagingToArray({ limit: 10_000 });
    const live = await stripe.subscriptions.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    expect(all).toHaveLength(dataset.subscriptions.length);
    expect(live).toHaveLength(dataset.subscriptions.filter((s) => s.status !== 'canceled').length);
    expect(live.every((s) => s.status !== 'canceled')).toBe(true);
  });

  it('searches charges by customer and status with results equal to the dataset filter', async () => {
    const customers = dataset.customers.slice(0, 3);
    const indexes = new Set(customers.map((c) => dataset.customers.indexOf(c)));
    const query = customers.map((c) => `customer:'${c.stripeId}'`).join(' OR ');
    const got = await stripe.charges.search({ query, limit: 100 }).autoPagingToArray({ limit: 10_000 });
    const expected = dataset.charges.filter((c) => indexes.has(c.customer)).map((c) => c.stripeId);
    expect(got.map((c) => c.id).sort()).toEqual(expected.sort());

    const first = customers[0];
    if (!first) throw new Error('dataset too small');
    const succeeded = await stripe.charges
      .search({ query: `customer:"${first.stripeId}" AND status:"succeeded" AND amount>=5000` })
      .autoPagingToArray({ limit: 10_000 });
    const expectedSucceeded = dataset.charges
      .filter(
        (c) =>
          c.customer === dataset.customers.indexOf(first) && c.status === 'succeeded' && c.amount >= 5000,
      )
      .map((c) => c.stripeId);
    expect(succeeded.map((c) => c.id).sort()).toEqual(expectedSucceeded.sort());
  });

  it('searches customers by metadata and email', async () => {
    const picked = [dataset.customers[5], dataset.customers[50], dataset.customers[500]].map((c) => {
      const contact = c ? dataset.contacts[c.contact] : undefined;
      if (!c || !contact) throw new Error('dataset too small');
      return { id: c.stripeId, crmId: contact.crmId, email: contact.email };
    });
    const query = picked.map((p) => `metadata['crm_contact_id']:'${p.crmId}'`).join(' OR ');
    const result = await stripe.customers.search({ query });
    expect(result.data.map((c) => c.id).sort()).toEqual(picked.map((p) => p.id).sort());
    expect(result.data.every((c) => picked.some((p) => p.crmId === c.metadata.crm_contact_id))).toBe(true);

    const target = picked[1];
    if (!target) throw new Error('dataset too small');
    const byEmail = await stripe.customers.search({ query: `email:"${target.email.toUpperCase()}"` });
    const expected = dataset.customers
      .filter((c) => dataset.contacts[c.contact]?.email.toLowerCase() === target.email.toLowerCase())
      .map((c) => c.stripeId);
    expect(byEmail.data.map((c) => c.id).sort()).toEqual(expected.sort());
  });

  it('pages search results with next_page and counts them with total_count', async () => {
    const expected = dataset.charges.filter((c) => c.status === 'failed').map((c) => c.stripeId);
    const first = await stripe.charges.search({
      query: "status:'failed'",
      limit: 100,
      expand: ['total_count'],
    });
    expect(first.total_count).toBe(expected.length);
    expect(first.has_more).toBe(expected.length > 100);
    const seen: string[] = [...first.data.map((c) => c.id)];
    let page = first.next_page;
    while (page) {
      const next = await stripe.charges.search({ query: "status:'failed'", limit: 100, page });
      expect(next).not.toHaveProperty('total_count');
      seen.push(...next.data.map((c) => c.id));
      page = next.next_page;
    }
    expect(seen.sort()).toEqual(expected.sort());
  });

  it('refuses a bad key with StripeAuthenticationError', async () => {
    const error = await rejection(clientFor('sk_test_not_the_right_key_9999').customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((error as Stripe.errors.StripeError).message).toBe(
      `Invalid API Key provided: sk_test_${'*'.repeat('not_the_right_key_9999'.length - 4)}9999`,
    );
    expect((error as Stripe.errors.StripeError).requestId).toMatch(/^req_/);
  });

  it('refuses bad parameters, cursors and page tokens with StripeInvalidRequestError', async () => {
    for (const [call, param] of [
      [stripe.customers.list({ limit: 0 }), 'limit'],
      [stripe.customers.list({ limit: 1000 }), 'limit'],
      [stripe.customers.list({ starting_after: 'cus_doesnotexist' }), 'starting_after'],
      [stripe.charges.list({ starting_after: dataset.customers[0]?.stripeId ?? '' }), 'starting_after'],
      [stripe.charges.search({ query: "status:'failed'", page: 'page_MTA_AAAAAAAAAAAAAAAAAAAAAA' }), 'page'],
      [stripe.charges.search({ query: "status:'failed' OR amount>1 amount<5" }), 'query'],
      [stripe.charges.search({ query: "colour:'red'" }), 'query'],
      [stripe.charges.list({ colour: 'red' } as Stripe.ChargeListParams), 'colour'],
    ] as const) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect((error as Stripe.errors.StripeError).param).toBe(param);
    }
    const missing = await rejection(stripe.charges.retrieve('ch_missing'));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((missing as Stripe.errors.StripeError).statusCode).toBe(404);
    expect((missing as Stripe.errors.StripeError).code).toBe('resource_missing');
  });

  it('refuses a page token made for another query', async () => {
    const first = await stripe.charges.search({ query: "status:'succeeded'", limit: 1 });
    expect(first.next_page).toEqual(expect.any(String));
    const error = await rejection(
      stripe.charges.search({ query: "status:'failed'", page: first.next_page ?? '' }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('answers over the rate-limit knob with StripeRateLimitError', async () => {
    knobs.set('stripe', { rateLimit: { limit: 0, windowMs: 1000 } });
    try {
      const error = await rejection(stripe.customers.list({ limit: 1 }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect((error as Stripe.errors.StripeError).code).toBe('rate_limit');
      expect((error as Stripe.errors.StripeError).headers?.['stripe-should-retry']).toBeUndefined();
    } finally {
      knobs.reset('stripe');
    }
  });

  it('answers injected failures with api_error 500 and an outage with 503', async () => {
    knobs.set('stripe', { errorRate: 1 });
    const failed = await rejection(stripe.customers.list({ limit: 1 }));
    knobs.set('stripe', { errorRate: 0, outage: true });
    const down = await rejection(stripe.customers.list({ limit: 1 }));
    knobs.reset('stripe');
    expect(failed).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((failed as Stripe.errors.StripeError).statusCode).toBe(500);
    expect((failed as Stripe.errors.StripeError).headers?.['stripe-should-retry']).toBe('true');
    expect(down).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((down as Stripe.errors.StripeError).statusCode).toBe(503);
  });

  it('replays an idempotent create and refuses the key with other parameters', async () => {
    const email = 'idempotent.once@example.com';
    const params = { email, name: 'Once Only', metadata: { crm_contact_id: 'none' } };
    const first = await stripe.customers.create(params, { idempotencyKey: 'create-once-1' });
    const again = await stripe.customers.create(params, { idempotencyKey: 'create-once-1' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    const stored = await stripe.customers.list({ email });
    expect(stored.data.map((c) => c.id)).toEqual([first.id]);
    expect(stored.data[0]?.created).toBeGreaterThanOrEqual(Math.floor(dataset.anchor / 1000));

    const error = await rejection(
      stripe.customers.create({ ...params, name: 'Someone Else' }, { idempotencyKey: 'create-once-1' }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);

    const newest = await stripe.customers.list({ limit: 1 });
    expect(newest.data[0]?.id).toBe(first.id);
    const updated = await stripe.customers.update(first.id, {
      name: 'Renamed',
      metadata: { crm_contact_id: '' },
    });
    expect(updated.name).toBe('Renamed');
    expect(updated.metadata).toEqual({});
    expect((await stripe.customers.retrieve(first.id)) as Stripe.Customer).toMatchObject({ name: 'Renamed' });
  });

  it('refunds part of a charge, then refuses more than what is left', async () => {
    const record = dataset.charges.find(
      (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.amount >= 1000,
    );
    if (!record) throw new Error('no refundable charge');
    const half = Math.floor(record.amount / 2);
    const refund = await stripe.refunds.create({ charge: record.stripeId, amount: half });
    expect(refund).toMatchObject({
      object: 'refund',
      amount: half,
      charge: record.stripeId,
      status: 'succeeded',
    });

    const error = await rejection(
      stripe.refunds.create({ charge: record.stripeId, amount: record.amount - half + 1 }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((error as Stripe.errors.StripeError).code).toBe('amount_too_large');
    expect((error as Stripe.errors.StripeError).param).toBe('amount');

    const charge = await stripe.charges.retrieve(record.stripeId);
    expect(charge.amount_refunded).toBe(half);
    expect(charge.refunded).toBe(false);
    expect(charge.refunds?.data.map((r) => r.id)).toEqual([refund.id]);

    const rest = await stripe.refunds.create({ charge: record.stripeId });
    expect(rest.amount).toBe(record.amount - half);
    const done = await stripe.charges.retrieve(record.stripeId);
    expect(done.refunded).toBe(true);
    const listed = await stripe.refunds.list({ charge: record.stripeId });
    expect(listed.data.map((r) => r.id)).toEqual([rest.id, refund.id]);
    const again = await rejection(stripe.refunds.create({ charge: record.stripeId, amount: 1 }));
    expect((again as Stripe.errors.StripeError).code).toBe('charge_already_refunded');
  });

  it('counts requests per endpoint', () => {
    const snapshot = counters.snapshot();
    expect(snapshot.byEndpoint.stripe['GET /v1/customers']).toBeGreaterThan(0);
    expect(snapshot.byEndpoint.stripe['GET /v1/charges/search']).toBeGreaterThan(0);
  });
});
