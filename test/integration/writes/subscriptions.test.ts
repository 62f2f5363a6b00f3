import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stripeSignatureHeader } from '../../../sandbox/webhooks/emitter.js';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { startTestStack, type TestStack } from '../../support/stack.js';
import {
  activeSubscriptions,
  subscribe,
  untilSubscribed,
  type TestSubscription,
} from '../../support/subscribe.js';
import { signTestToken } from '../../support/tokens.js';

/**
 * graphql-ws subscriptions on one gateway with its in-process sandbox, whose signed webhooks come
 * back to the gateway (sandbox mode wires them): a write anywhere → webhook → subscribers.
 */

const PAYMENT_UPDATED = `subscription ($id: ID, $customerId: ID) {
  paymentUpdated(id: $id, customerId: $customerId) { id status amountRefunded { amount } }
}`;
const CUSTOMER_UPDATED = `subscription ($id: ID!) { customerUpdated(id: $id) { id email phone } }`;
const REFUND = `mutation ($input: RefundPaymentInput!) {
  refundPayment(input: $input) { payment { id } userErrors { code } }
}`;

type PaymentEvent = { paymentUpdated: { id: string; status: string; amountRefunded: { amount: string } } };
type CustomerEvent = { customerUpdated: { id: string; email: string | null; phone: string | null } };

describe('subscriptions', () => {
  let stack: TestStack;
  let origin: string;
  let token: string;
  const open: Array<TestSubscription<unknown>> = [];
  const track = <T>(s: TestSubscription<T>): TestSubscription<T> => {
    open.push(s as TestSubscription<unknown>);
    return s;
  };

  beforeAll(async () => {
    stack = await startTestStack({ CACHE: 'true' });
    origin = new URL(stack.gateway.url).origin;
    token = await signTestToken({ expiresInS: 3600 });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await stack?.stop();
  });

  const refundableCharge = (skip: number) =>
    stack.sandbox.dataset.charges.filter(
      (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.currency === 'usd',
    )[skip];

  it('tells a payment subscriber of a refund, with the payment as it now is', async () => {
    const charge = refundableCharge(0);
    const id = toGlobalId('Payment', charge?.stripeId as string);
    const before = await activeSubscriptions(origin);
    const sub = track(subscribe<PaymentEvent>(stack.gateway.url, PAYMENT_UPDATED, { id }, token));
    await untilSubscribed(origin, before + 1);

    const refunded = await stack.query<{ refundPayment: { payment: { id: string } } }>(REFUND, {
      input: { paymentId: id, amount: { amount: '3.00', currency: 'USD' } },
    });
    expect(refunded.data?.refundPayment.payment.id).toBe(id);
    const [event] = await sub.next(1, 2_000);
    expect(event?.errors).toBeUndefined();
    expect(event?.data?.paymentUpdated).toEqual({
      id,
      status: 'PARTIALLY_REFUNDED',
      amountRefunded: { amount: '3.00' },
    });
  });

  it("tells a customer's payment subscriber of a new payment made outside Concord", async () => {
    const customer = stack.sandbox.dataset.customers[2];
    const contact = stack.sandbox.dataset.contacts[customer?.contact as number];
    const customerId = toGlobalId('Customer', contact?.crmId as string);
    const other = stack.sandbox.dataset.customers[3];
    const before = await activeSubscriptions(origin);
    const sub = track(subscribe<PaymentEvent>(stack.gateway.url, PAYMENT_UPDATED, { customerId }, token));
    await untilSubscribed(origin, before + 1);

    // Another customer's payment is not this subscriber's business.
    stack.sandbox.stripe.createCharge({ customer: other?.stripeId as string, amount: 999 });
    const made = stack.sandbox.stripe.createCharge({ customer: customer?.stripeId as string, amount: 4200 });
    const [event] = await sub.next(1, 2_000);
    expect(event?.data?.paymentUpdated).toEqual({
      id: toGlobalId('Payment', made.id as string),
      status: 'SUCCEEDED',
      amountRefunded: { amount: '0.00' },
    });
    await stack.sandbox.webhooks.settled();
    expect(sub.received).toHaveLength(1);
  });

  it('tells a customer subscriber of a change made through Concord', async () => {
    const contact = stack.sandbox.dataset.contacts[7];
    const id = toGlobalId('Customer', contact?.crmId as string);
    const before = await activeSubscriptions(origin);
    const sub = track(subscribe<CustomerEvent>(stack.gateway.url, CUSTOMER_UPDATED, { id }, token));
    await untilSubscribed(origin, before + 1);
    const updated = await stack.query(
      `mutation ($input: UpdateCustomerInput!) { updateCustomer(input: $input) { userErrors { code } } }`,
      { input: { id, phone: '+1 555 0100' } },
    );
    expect(updated.errors).toBeUndefined();
    const [event] = await sub.next(1, 2_000);
    expect(event?.data?.customerUpdated).toEqual({ id, email: contact?.email, phone: '+1 555 0100' });
  });

  it('applies field rules to what a subscriber reads', async () => {
    const contact = stack.sandbox.dataset.contacts[8];
    const id = toGlobalId('Customer', contact?.crmId as string);
    const noPii = await signTestToken({ scopes: ['crm:read'] });
    const before = await activeSubscriptions(origin);
    const sub = track(subscribe<CustomerEvent>(stack.gateway.url, CUSTOMER_UPDATED, { id }, noPii));
    await untilSubscribed(origin, before + 1);
    await stack.query(
      `mutation ($input: UpdateCustomerInput!) { updateCustomer(input: $input) { userErrors { code } } }`,
      {
        input: { id, jobTitle: 'Chief Tester' },
      },
    );
    const [event] = await sub.next(1, 2_000);
    // The change is heard (crm:read), but personal fields stay closed without pii:read.
    expect(event?.data?.customerUpdated).toEqual({ id, email: null, phone: null });
    expect(event?.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort()).toEqual([
      ['customerUpdated.email', 'FORBIDDEN'],
      ['customerUpdated.phone', 'FORBIDDEN'],
    ]);
  });

  it('refuses a subscription the scopes do not allow, before it listens', async () => {
    const crmOnly = await signTestToken({ scopes: ['crm:read'] });
    const before = await activeSubscriptions(origin);
    const sub = track(subscribe<PaymentEvent>(stack.gateway.url, PAYMENT_UPDATED, {}, crmOnly));
    await expect(sub.next(1, 2_000)).resolves.toEqual([
      expect.objectContaining({
        errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })],
      }),
    ]);
    expect(await activeSubscriptions(origin)).toBe(before);
  });

  it('lets go of a subscription the client ends, though no event came', async () => {
    const before = await activeSubscriptions(origin);
    const id = toGlobalId('Payment', refundableCharge(2)?.stripeId as string);
    const sub = subscribe<PaymentEvent>(stack.gateway.url, PAYMENT_UPDATED, { id }, token);
    await untilSubscribed(origin, before + 1);
    await sub.close();
    const deadline = Date.now() + 2_000;
    while ((await activeSubscriptions(origin)) > before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await activeSubscriptions(origin)).toBe(before);
  });

  it('closes a connection without valid credentials', async () => {
    const none = track(subscribe<PaymentEvent>(stack.gateway.url, PAYMENT_UPDATED, {}, null));
    const forged = track(subscribe<PaymentEvent>(stack.gateway.url, PAYMENT_UPDATED, {}, `${token}x`));
    await expect(none.next(1, 2_000)).rejects.toThrow(/4403/);
    await expect(forged.next(1, 2_000)).rejects.toThrow(/4403/);
  });

  it('ends a connection when its token expires', async () => {
    const shortLived = await signTestToken({ expiresInS: 1 });
    const sub = track(subscribe<PaymentEvent>(stack.gateway.url, PAYMENT_UPDATED, {}, shortLived));
    await expect(sub.next(1, 4_000)).rejects.toThrow(/4401 Unauthorized: the token expired/);
  });

  it('runs only subscriptions over WebSocket', async () => {
    const sub = track(subscribe<unknown>(stack.gateway.url, '{ providers { name } }', {}, token));
    await expect(sub.next(1, 2_000)).rejects.toThrow(/Only subscriptions/);
  });

  it('announces nothing for a webhook with a bad signature', async () => {
    const charge = refundableCharge(1);
    const id = toGlobalId('Payment', charge?.stripeId as string);
    const before = await activeSubscriptions(origin);
    const sub = track(subscribe<PaymentEvent>(stack.gateway.url, PAYMENT_UPDATED, { id }, token));
    await untilSubscribed(origin, before + 1);
    const body = JSON.stringify({
      id: 'evt_forged',
      object: 'event',
      type: 'charge.refunded',
      data: { object: { id: charge?.stripeId, object: 'charge', customer: 'cus_x' } },
    });
    const res = await fetch(`${origin}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': stripeSignatureHeader(
          'whsec_not_the_secret',
          body,
          Math.floor(Date.now() / 1000),
        ),
      },
      body,
    });
    expect(res.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.received).toEqual([]);
  });
});
