import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Stripe from 'stripe';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/index.js';
import {
  FIDELITY_SANDBOX,
  keysOf,
  rejectionOf,
  stripeFixtures as fixtures,
  stripeNode,
} from '../../../support/official-clients.js';

let sandbox: RunningSandbox;
const client = (options: Stripe.StripeConfig = {}): Stripe => stripeNode(sandbox, options);
const rejection = (promise: Promise<unknown>) => rejectionOf<Stripe.errors.StripeError>(promise);

const requests = (endpoint: string): number => sandbox.counters.snapshot().byEndpoint.stripe[endpoint] ?? 0;

beforeAll(async () => {
  sandbox = await startSandbox(FIDELITY_SANDBOX);
});

afterAll(async () => {
  await sandbox.stop();
});

describe('Stripe-Version through stripe-node', () => {
  it("echoes the library's version (and a pinned one) into lastResponse.apiVersion", async () => {
    const list = await client().customers.list({ limit: 1 });
    expect(list.lastResponse.apiVersion).toBe(Stripe.API_VERSION);
    const pinned = await client({ apiVersion: '2024-06-20' as Stripe.LatestApiVersion }).customers.list({
      limit: 1,
    });
    expect(pinned.lastResponse.apiVersion).toBe('2024-06-20');
  });

  it('refuses an unknown version as Stripe does: 400, no code, the header echoed', async () => {
    for (const version of ['2019-13-45', 'latest', '2999-01-01']) {
      const error = await rejection(
        client({ apiVersion: version as Stripe.LatestApiVersion }).customers.list({ limit: 1 }),
      );
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect({ status: error.statusCode, code: error.code, message: error.message }).toEqual({
        status: 400,
        code: undefined,
        message: `Invalid Stripe API version: ${version}`,
      });
    }
  });

  it('refuses search on a version older than search', async () => {
    const old = client({ apiVersion: '2019-05-16' as Stripe.LatestApiVersion });
    const error = await rejection(old.customers.search({ query: "email:'x@example.com'" }));
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/^Search is not supported on api version 2019-05-16\./);
    await expect(old.customers.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
  });
});

describe('429 as Stripe sends it', () => {
  it('is a StripeRateLimitError without Stripe-Should-Retry, so stripe-node does not retry it', async () => {
    sandbox.knobs.set('stripe', { rateLimit: { limit: 0, windowMs: 60_000 } });
    try {
      const before = requests('GET /v1/customers');
      const error = await rejection(client({ maxNetworkRetries: 2 }).customers.list({ limit: 1 }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(error.code).toBe('rate_limit');
      expect(error.headers?.['stripe-should-retry']).toBeUndefined();
      expect(requests('GET /v1/customers') - before).toBe(1);
    } finally {
      sandbox.knobs.reset('stripe');
    }
  });
});

describe('the objects a charge points at', () => {
  it("expands payment_intent and balance_transaction in the shapes of Stripe's fixtures", async () => {
    const stripe = client();
    const charges = await stripe.charges.list({ limit: 20 });
    const paid = charges.data.find((c) => c.status === 'succeeded');
    expect(paid).toBeDefined();
    const charge = await stripe.charges.retrieve(paid?.id ?? '', {
      expand: ['payment_intent', 'balance_transaction'],
    });
    const intent = charge.payment_intent as Stripe.PaymentIntent;
    const txn = charge.balance_transaction as Stripe.BalanceTransaction;
    expect(keysOf(intent)).toEqual(keysOf(fixtures.payment_intent));
    expect(keysOf(txn)).toEqual(keysOf(fixtures.balance_transaction));
    expect(intent).toMatchObject({
      object: 'payment_intent',
      status: 'succeeded',
      amount: charge.amount,
      amount_received: charge.amount,
      latest_charge: charge.id,
      customer: charge.customer,
    });
    expect(txn).toMatchObject({ object: 'balance_transaction', source: charge.id, amount: charge.amount });
    expect(txn.net).toBe(txn.amount - txn.fee);

    const expandedList = await stripe.charges.list({ limit: 3, expand: ['data.payment_intent'] });
    for (const c of expandedList.data)
      expect((c.payment_intent as Stripe.PaymentIntent).latest_charge).toBe(c.id);
  });

  it("retrieves a charge's payment_intent and balance transaction by id", async () => {
    const stripe = client();
    const charges = await stripe.charges.list({ limit: 50 });
    const failed = charges.data.find((c) => c.status === 'failed');
    const paid = charges.data.find((c) => c.status === 'succeeded');
    if (failed) {
      const intent = await stripe.paymentIntents.retrieve(failed.payment_intent as string);
      expect(intent).toMatchObject({ status: 'requires_payment_method', latest_charge: failed.id });
      expect(intent.last_payment_error?.type).toBe('card_error');
    }
    const intent = await stripe.paymentIntents.retrieve(paid?.payment_intent as string, {
      expand: ['latest_charge'],
    });
    expect((intent.latest_charge as Stripe.Charge).id).toBe(paid?.id);
    const txn = await stripe.balanceTransactions.retrieve(paid?.balance_transaction as string);
    expect(txn.source).toBe(paid?.id);

    const missing = await rejection(stripe.paymentIntents.retrieve('pi_missing'));
    expect({ status: missing.statusCode, code: missing.code, message: missing.message }).toEqual({
      status: 404,
      code: 'resource_missing',
      message: "No such payment_intent: 'pi_missing'",
    });
  });

  it("answers a call it does not simulate with Stripe's own unknown-URL error, never a silent success", async () => {
    const error = await rejection(client().paymentIntents.create({ amount: 100, currency: 'usd' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(404);
    expect(error.message).toMatch(/^Unrecognized request URL \(POST: \/v1\/payment_intents\)/);
  });
});
