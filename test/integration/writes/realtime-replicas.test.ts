import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { PACKAGE_ROOT } from '../../../src/runtime/package-root.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { TEST_ANCHOR, TEST_SEED } from '../../support/stack.js';
import { subscribe, untilSubscribed, type TestSubscription } from '../../support/subscribe.js';
import { signTestToken } from '../../support/tokens.js';
import { liveEnv, query, spawnReplica, terminate, type Replica } from '../deploy/support.js';

/**
 * Two Concord processes sharing one real Redis, in live mode against the sandbox, which sends its
 * signed webhooks to one of them: a subscriber on one replica hears of a write made through the other.
 */

const STRIPE_SECRET = 'whsec_realtime_replicas_test_secret';
const HUBSPOT_SECRET = 'realtime-replicas-hubspot-client-secret';
/** How long a subscriber waits for the event before the test gives up; the < 1 s goal is `npm run bench:realtime`'s. */
const EVENT_WAIT_MS = 15_000;

const PAYMENT = `query ($id: ID!) { node(id: $id) { ... on Payment { status amountRefunded { amount } } } }`;
const REFUND = `mutation ($input: RefundPaymentInput!) {
  refundPayment(input: $input) { payment { status amountRefunded { amount } } userErrors { code } }
}`;
const CUSTOMER = `query ($id: ID!) { node(id: $id) { ... on Customer { jobTitle } } }`;

type PaymentView = { status: string; amountRefunded: { amount: string } };

describe('real time across two replicas and one Redis', () => {
  let redis: TestRedis;
  let sandbox: RunningSandbox;
  let a: Replica;
  let b: Replica;
  let token: string;
  const subscriptions: Array<TestSubscription<unknown>> = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    const env = {
      ...liveEnv(sandbox),
      LOG_LEVEL: 'warn',
      REDIS_URL: redis.url,
      STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET,
      HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
    };
    const args = ['--import', 'tsx', 'src/main.ts'];
    [a, b] = await Promise.all([
      spawnReplica(args, env, PACKAGE_ROOT),
      spawnReplica(args, env, PACKAGE_ROOT),
    ]);
    token = await signTestToken({ sub: 'realtime', expiresInS: 3600 });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(subscriptions.map((s) => s.close()));
    await Promise.all([a, b].filter(Boolean).map((replica) => terminate(replica)));
    await sandbox?.stop();
    await redis?.stop();
  });

  it('a refund through B reaches a subscriber on A, and no replica serves the cached state', async () => {
    sandbox.webhooks.configure({
      url: b.origin,
      stripeSecret: STRIPE_SECRET,
      hubspotClientSecret: HUBSPOT_SECRET,
    });
    const charge = sandbox.dataset.charges.find(
      (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.currency === 'usd' && c.amount > 1000,
    );
    const id = toGlobalId('Payment', charge?.stripeId as string);
    // Both replicas have the payment cached as it was (one shared entry in Redis).
    for (const replica of [a, b]) {
      const before = await query<{ node: PaymentView }>(replica.origin, token, PAYMENT, { id });
      expect(before.body.data?.node).toEqual({ status: 'SUCCEEDED', amountRefunded: { amount: '0.00' } });
    }

    const sub = subscribe<{ paymentUpdated: PaymentView }>(
      `${a.origin}/graphql`,
      'subscription ($id: ID!) { paymentUpdated(id: $id) { status amountRefunded { amount } } }',
      { id },
      token,
    );
    subscriptions.push(sub as TestSubscription<unknown>);
    await untilSubscribed(a.adminOrigin, 1);

    const input = {
      clientMutationId: 'replicas-refund',
      paymentId: id,
      amount: { amount: '10.00', currency: 'USD' },
    };
    const refunded = await query<{ refundPayment: { payment: PaymentView } }>(b.origin, token, REFUND, {
      input,
    });
    expect(refunded.body.data?.refundPayment.payment).toEqual({
      status: 'PARTIALLY_REFUNDED',
      amountRefunded: { amount: '10.00' },
    });

    const [event] = await sub.next(1, EVENT_WAIT_MS);
    expect(event?.data?.paymentUpdated).toEqual({
      status: 'PARTIALLY_REFUNDED',
      amountRefunded: { amount: '10.00' },
    });
    // The webhook went to B; A heard it through Redis.
    expect(
      sandbox.webhooks.deliveries.filter((d) => d.types.includes('charge.refunded')).map((d) => d.url),
    ).toEqual([`${b.origin}/webhooks/stripe`]);

    for (const replica of [a, b]) {
      const after = await query<{ node: PaymentView }>(replica.origin, token, PAYMENT, { id });
      expect(after.body.data?.node).toEqual({
        status: 'PARTIALLY_REFUNDED',
        amountRefunded: { amount: '10.00' },
      });
    }

    // The client retries on the other replica: the shared ledger answers, Stripe is not asked again.
    sandbox.counters.reset();
    const retried = await query<{ refundPayment: { payment: PaymentView } }>(a.origin, token, REFUND, {
      input,
    });
    expect(retried.body.data?.refundPayment.payment.amountRefunded.amount).toBe('10.00');
    expect(sandbox.counters.snapshot().byEndpoint.stripe['POST /v1/refunds'] ?? 0).toBe(0);
  });

  it('a customer change through A reaches a subscriber on B, with webhooks going to A', async () => {
    sandbox.webhooks.configure({ url: a.origin });
    const contact = sandbox.dataset.contacts[11];
    const id = toGlobalId('Customer', contact?.crmId as string);
    const before = await query<{ node: { jobTitle: string } }>(b.origin, token, CUSTOMER, { id });
    expect(before.body.data?.node.jobTitle).toBe(contact?.jobTitle);

    const sub = subscribe<{ customerUpdated: { jobTitle: string } }>(
      `${b.origin}/graphql`,
      'subscription ($id: ID!) { customerUpdated(id: $id) { jobTitle } }',
      { id },
      token,
    );
    subscriptions.push(sub as TestSubscription<unknown>);
    await untilSubscribed(b.adminOrigin, 1);

    const updated = await query<{ updateCustomer: { userErrors: unknown[] } }>(
      a.origin,
      token,
      `mutation ($input: UpdateCustomerInput!) { updateCustomer(input: $input) { userErrors { code } } }`,
      { input: { id, jobTitle: 'Head of Real Time' } },
    );
    expect(updated.body.data?.updateCustomer.userErrors).toEqual([]);
    const [event] = await sub.next(1, EVENT_WAIT_MS);
    expect(event?.data?.customerUpdated.jobTitle).toBe('Head of Real Time');
    const after = await query<{ node: { jobTitle: string } }>(b.origin, token, CUSTOMER, { id });
    expect(after.body.data?.node.jobTitle).toBe('Head of Real Time');
  });
});
