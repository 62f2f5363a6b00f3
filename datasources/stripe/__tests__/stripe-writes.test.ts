import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rejectionOf } from '../../../test/support/write-rejection.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { Dataset } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createStripeProtocol } from '../../../sandbox/stripe/index.js';
import { ProviderError } from '../../transport/errors.js';
import { classifyStripeError } from '../client.js';
import { writeRejection } from '../errors.js';
import { createStripePayments, type StripePayments } from '../payments.js';
import { customerUpdateParams, refundParams } from '../mapping.js';

/** The write half of the adapter against the Stripe simulator over real HTTP, on its own data set. */

const KEY = DEFAULT_SANDBOX_CREDENTIALS.stripeSecretKey;

let dataset: Dataset;
let counters: RequestCounters;
let server: SimulatorServer;
let stripe: StripePayments;
let keys = 0;
/** A fresh key per write, as the caller makes one per step. */
const fresh = () => ({ idempotencyKey: `stripe-writes-${++keys}` });

beforeAll(async () => {
  dataset = generateDataset({ seed: 11, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  counters = new RequestCounters();
  server = await serveSimulator({
    protocol: createStripeProtocol({ dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS }),
    knobs: new KnobBoard(),
    counters,
  });
  stripe = createStripePayments({
    baseUrl: server.url,
    secretKey: KEY,
    apiVersion: '2026-10-28.endive',
    timeoutMs: 5000,
  });
});

afterAll(async () => {
  await stripe.close();
  await server.close();
});

/** The customer as Stripe holds it, read around the adapter (the model has no name or email). */
async function rawCustomer(id: string): Promise<{ email: string | null; name: string | null }> {
  const res = await fetch(`${server.url}/v1/customers/${id}`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  return (await res.json()) as { email: string | null; name: string | null };
}

async function customersOfContact(contactId: string): Promise<string[]> {
  const res = await fetch(`${server.url}/v1/customers?limit=100`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  const body = (await res.json()) as { data: Array<{ id: string; metadata: Record<string, string> }> };
  return body.data.filter((c) => c.metadata.crm_contact_id === contactId).map((c) => c.id);
}

describe('write parameters', () => {
  it('clears a field with an empty string and sends only what is given', () => {
    expect(customerUpdateParams({ email: null })).toEqual({ email: '' });
    expect(customerUpdateParams({ name: 'N' })).toEqual({ name: 'N' });
  });

  it('refunds in minor units, with Stripe’s reason names and the charge expanded', () => {
    expect(refundParams({ paymentId: 'ch_1', amount: 150n, reason: 'REQUESTED_BY_CUSTOMER' })).toEqual({
      charge: 'ch_1',
      amount: '150',
      reason: 'requested_by_customer',
      expand: ['charge'],
    });
    expect(refundParams({ paymentId: 'ch_1', amount: null, reason: null })).toEqual({
      charge: 'ch_1',
      expand: ['charge'],
    });
  });

  it('keeps the type and parameter of a 400 for the write to map', () => {
    const body = { error: { type: 'invalid_request_error', code: 'amount_too_large', param: 'amount' } };
    expect(classifyStripeError(400, body, {})).toEqual({
      providerCode: 'amount_too_large',
      details: { type: 'invalid_request_error', param: 'amount' },
    });
  });

  it('leaves outages to the policy', () => {
    const outage = new ProviderError({
      provider: 'stripe',
      endpoint: 'POST /v1/refunds',
      status: 503,
      code: 'UNAVAILABLE',
      retryable: true,
    });
    expect(writeRejection(outage, 'charge')).toBe(outage);
  });
});

describe('Stripe accounts', () => {
  it('creates a customer linked to its contact, found again by that contact', async () => {
    const account = await stripe.createAccount(
      { contactId: 'crm-writes-1', email: 'acct@example.com', name: 'Acct One' },
      fresh(),
    );
    expect(account).toMatchObject({ contactId: 'crm-writes-1', currency: null });
    expect(account.id).toMatch(/^cus_/);
    expect(await rawCustomer(account.id)).toMatchObject({ email: 'acct@example.com', name: 'Acct One' });
    const [linked] = await stripe.accountsOfContacts(['crm-writes-1']);
    expect(linked?.id).toBe(account.id);
  });

  it('makes one customer however often a create with the same key is sent', async () => {
    const options = fresh();
    const input = { contactId: 'crm-writes-2', email: null, name: 'Twice' };
    counters.reset();
    const first = await stripe.createAccount(input, options);
    const again = await stripe.createAccount(input, options);
    expect(again.id).toBe(first.id);
    expect(counters.snapshot().byEndpoint.stripe['POST /v1/customers']).toBe(2);
    expect(await customersOfContact('crm-writes-2')).toEqual([first.id]);
  });

  it('updates name and email, null clearing one, and refuses an unknown customer', async () => {
    const account = await stripe.createAccount(
      { contactId: 'crm-writes-3', email: 'old@example.com', name: 'Old' },
      fresh(),
    );
    const updated = await stripe.updateAccount(account.id, { email: null, name: 'New' }, fresh());
    expect(updated).toMatchObject({ id: account.id, contactId: 'crm-writes-3' });
    expect(await rawCustomer(account.id)).toMatchObject({ email: null, name: 'New' });
    const missing = await rejectionOf(stripe.updateAccount('cus_doesnotexist', { name: 'X' }, fresh()));
    expect(missing.reason).toBe('NOT_FOUND');
  });
});

describe('Stripe refunds', () => {
  const refundable = () => {
    const charge = dataset.charges.find(
      (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.amount >= 1000,
    );
    if (!charge) throw new Error('no refundable charge');
    return charge;
  };

  it('refunds part, refuses more than is left, then refunds the rest and refuses a third', async () => {
    const charge = refundable();
    const partial = await stripe.refundPayment(
      { paymentId: charge.stripeId, amount: 300n, reason: 'REQUESTED_BY_CUSTOMER' },
      fresh(),
    );
    expect(partial).toMatchObject({ id: charge.stripeId, status: 'PARTIALLY_REFUNDED' });
    expect(partial.amountRefunded.minor).toBe(300n);

    const tooLarge = await rejectionOf(
      stripe.refundPayment(
        { paymentId: charge.stripeId, amount: BigInt(charge.amount), reason: null },
        fresh(),
      ),
    );
    expect(tooLarge).toMatchObject({ reason: 'AMOUNT_TOO_LARGE', field: 'amount' });

    const rest = await stripe.refundPayment(
      { paymentId: charge.stripeId, amount: null, reason: null },
      fresh(),
    );
    expect(rest.status).toBe('REFUNDED');
    expect(rest.amountRefunded.minor).toBe(BigInt(charge.amount));

    const again = await rejectionOf(
      stripe.refundPayment({ paymentId: charge.stripeId, amount: null, reason: null }, fresh()),
    );
    expect(again.reason).toBe('ALREADY_REFUNDED');
  });

  it('answers a repeated refund with the same key once', async () => {
    const charge = dataset.charges.filter((c) => c.status === 'succeeded' && c.amountRefunded === 0)[5];
    if (!charge) throw new Error('no refundable charge');
    const options = fresh();
    const input = { paymentId: charge.stripeId, amount: 100n, reason: 'DUPLICATE' as const };
    await stripe.refundPayment(input, options);
    const replay = await stripe.refundPayment(input, options);
    expect(replay.amountRefunded.minor).toBe(100n);
    const [read] = await stripe.getPayments([charge.stripeId]);
    expect(read?.amountRefunded.minor).toBe(100n);
  });

  it('refuses a failed charge, an unknown one and a non-positive amount', async () => {
    const failed = dataset.charges.find((c) => c.status === 'failed');
    if (!failed) throw new Error('no failed charge');
    const notRefundable = await rejectionOf(
      stripe.refundPayment({ paymentId: failed.stripeId, amount: null, reason: null }, fresh()),
    );
    expect(notRefundable.reason).toBe('NOT_REFUNDABLE');
    const missing = await rejectionOf(
      stripe.refundPayment({ paymentId: 'ch_doesnotexist', amount: null, reason: null }, fresh()),
    );
    expect(missing).toMatchObject({ reason: 'NOT_FOUND', field: 'paymentId' });
    const zero = await rejectionOf(
      stripe.refundPayment({ paymentId: refundable().stripeId, amount: 0n, reason: null }, fresh()),
    );
    expect(zero).toMatchObject({ reason: 'INVALID', field: 'amount' });
  });
});
