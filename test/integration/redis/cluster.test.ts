import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { startTestRedisCluster, type TestRedisCluster } from '../../support/redis-cluster.js';
import { postQuery, startTestConcord, TEST_ANCHOR, TEST_SEED } from '../../support/stack.js';
import { subscribe, untilSubscribed, type TestSubscription } from '../../support/subscribe.js';
import { signTestToken } from '../../support/tokens.js';
import { liveEnv } from '../deploy/support.js';

/**
 * Concord on a Redis Cluster of three masters (REDIS_URL=redis+cluster://…): two gateways in this
 * process, live mode against one sandbox, sharing the cluster for the cache, the local tiers'
 * invalidations, subscription events, the mutation ledger and provider quotas.
 */

const STRIPE_SECRET = 'whsec_redis_cluster_test_secret';
const HUBSPOT_SECRET = 'redis-cluster-hubspot-client-secret';
/** How long a wait for something another gateway did may take on a loaded machine before the test gives up. */
const WAIT_MS = 15_000;

const PAGE = `query { customers(first: 12) { edges { node {
  id name email company { name } payments(first: 3) { edges { node { id status amount { amount } } } }
} } } }`;
const CUSTOMER = 'query ($id: ID!) { customer(id: $id) { name jobTitle } }';
const UPDATE = `mutation ($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { jobTitle } userErrors { code } }
}`;
const PAYMENT = 'query ($id: ID!) { node(id: $id) { ... on Payment { status amountRefunded { amount } } } }';
const REFUND = `mutation ($input: RefundPaymentInput!) {
  refundPayment(input: $input) { payment { status amountRefunded { amount } } userErrors { code } }
}`;
const NODES = 'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Payment { id } } }';

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > WAIT_MS) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const nodeClient = (port: number) => createClient({ url: `redis://127.0.0.1:${port}` });

/** Each master on its own: what it holds, and which slot a key hashes to. */
async function withNodes<T>(
  cluster: TestRedisCluster,
  use: (nodes: Array<ReturnType<typeof nodeClient>>) => Promise<T>,
): Promise<T> {
  const nodes = cluster.ports.map(nodeClient);
  await Promise.all(nodes.map((node) => node.connect()));
  try {
    return await use(nodes);
  } finally {
    await Promise.all(nodes.map((node) => node.close()));
  }
}

const keysOnEachNode = (cluster: TestRedisCluster, pattern: string) =>
  withNodes(cluster, (nodes) => Promise.all(nodes.map((node) => node.keys(pattern))));

describe('Concord on a three-master Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let sandbox: RunningSandbox;
  let env: Record<string, string>;
  let token: string;

  const upstream = () => {
    const t = sandbox.counters.snapshot().total;
    return t.hubspot + t.stripe + t.posthog;
  };

  beforeAll(async () => {
    cluster = await startTestRedisCluster();
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    env = {
      ...liveEnv(sandbox),
      NODE_ENV: 'test',
      REDIS_URL: cluster.url,
      // What is asserted is where entries are found, not how fast: a busy test machine must not turn
      // a slow read into a miss (the 50 ms default is for production).
      CACHE_READ_TIMEOUT_MS: '5000',
      STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET,
      HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET,
    };
    token = await signTestToken({ sub: 'redis-cluster', expiresInS: 3600 });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    await cluster?.stop();
  });

  describe('two gateways with the cache on', () => {
    let a: Concord;
    let b: Concord;
    const subscriptions: Array<TestSubscription<unknown>> = [];
    const ask = <T>(concord: Concord, query: string, variables: Record<string, unknown> = {}) =>
      postQuery<T>(concord.gateway, query, variables, { token });
    const stats = (concord: Concord) => concord.caching.stats.snapshot();
    const adminOrigin = (concord: Concord) => concord.gateway.adminUrl ?? new URL(concord.gateway.url).origin;

    beforeAll(async () => {
      [a, b] = await Promise.all([startTestConcord(env), startTestConcord(env)]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(subscriptions.map((s) => s.close()));
      await Promise.all([a, b].filter(Boolean).map((concord) => concord.stop()));
    });

    it('reads through the cache across slots: what A fetched, B reads from the cluster with no upstream call', async () => {
      const cold = await ask(a, PAGE);
      expect(cold.errors).toBeUndefined();
      expect(upstream()).toBeGreaterThan(0);

      // The entries are spread over the masters (cache keys carry no hash tag)…
      const keys = await keysOnEachNode(cluster, 'concord:v1:*');
      for (const onNode of keys) expect(onNode.length).toBeGreaterThan(0);

      // …so B's reads are multi-key reads across slots, split per slot, and all hits.
      const [callsBefore, before] = [upstream(), stats(b)];
      const warm = await ask(b, PAGE);
      expect(warm).toEqual(cold);
      expect(upstream()).toBe(callsBefore);
      const after = stats(b);
      expect(after.hubspot?.hits ?? 0).toBeGreaterThan(before.hubspot?.hits ?? 0);
      expect(after.stripe?.hits ?? 0).toBeGreaterThan(before.stripe?.hits ?? 0);
      expect(after.stripe?.misses ?? 0).toBe(before.stripe?.misses ?? 0);
      expect(after.store?.errors ?? 0).toBe(0);
    });

    it('keeps local copies only while it hears invalidations, and hears one made through the other gateway', async () => {
      const id = toGlobalId('Customer', sandbox.dataset.contacts[3]?.crmId ?? '');
      // Each tier is on once its gateway has heard its own ping on the (sharded) invalidation channel.
      for (const concord of [a, b]) {
        await until(async () => {
          const hits = stats(concord).hubspot?.localHits ?? 0;
          await ask(concord, CUSTOMER, { id });
          return (stats(concord).hubspot?.localHits ?? 0) > hits;
        }, 'the local tier to be on');
      }
      const jobTitle = `Head of Sharding ${Date.now()}`;
      const updated = await ask<{ updateCustomer: { customer: { jobTitle: string } } }>(a, UPDATE, {
        input: { clientMutationId: `cluster-${jobTitle}`, id, jobTitle },
      });
      expect(updated.data?.updateCustomer.customer.jobTitle).toBe(jobTitle);
      // Contacts stay fresh for minutes: only the invalidation heard from A explains a new answer on B.
      await until(async () => {
        const now = await ask<{ customer: { jobTitle: string } }>(b, CUSTOMER, { id });
        return now.data?.customer.jobTitle === jobTitle;
      }, 'B to read the new job title');
    });

    it('a refund through B reaches a subscriber on A, and a retry on A is answered from the ledger', async () => {
      sandbox.webhooks.configure({
        url: new URL(b.gateway.url).origin,
        stripeSecret: STRIPE_SECRET,
        hubspotClientSecret: HUBSPOT_SECRET,
      });
      const charge = sandbox.dataset.charges.find(
        (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.currency === 'usd' && c.amount > 1000,
      );
      const id = toGlobalId('Payment', charge?.stripeId as string);
      type PaymentView = { status: string; amountRefunded: { amount: string } };
      for (const concord of [a, b]) {
        const before = await ask<{ node: PaymentView }>(concord, PAYMENT, { id });
        expect(before.data?.node).toEqual({ status: 'SUCCEEDED', amountRefunded: { amount: '0.00' } });
      }
      const sub = subscribe<{ paymentUpdated: PaymentView }>(
        a.gateway.url,
        'subscription ($id: ID!) { paymentUpdated(id: $id) { status amountRefunded { amount } } }',
        { id },
        token,
      );
      subscriptions.push(sub as TestSubscription<unknown>);
      await untilSubscribed(adminOrigin(a), 1);

      const input = {
        clientMutationId: 'cluster-refund',
        paymentId: id,
        amount: { amount: '10.00', currency: 'USD' },
      };
      const refunded = await ask<{ refundPayment: { payment: PaymentView } }>(b, REFUND, { input });
      const partly = { status: 'PARTIALLY_REFUNDED', amountRefunded: { amount: '10.00' } };
      expect(refunded.data?.refundPayment.payment).toEqual(partly);

      // The webhook went to B; A heard it through the cluster.
      const [event] = await sub.next(1, WAIT_MS);
      expect(event?.data?.paymentUpdated).toEqual(partly);
      for (const concord of [a, b])
        expect((await ask<{ node: PaymentView }>(concord, PAYMENT, { id })).data?.node).toEqual(partly);

      // The client retries on the other gateway: the ledger in the cluster answers, Stripe is not asked again.
      sandbox.counters.reset();
      const retried = await ask<{ refundPayment: { payment: PaymentView } }>(a, REFUND, { input });
      expect(retried.data?.refundPayment.payment.amountRefunded.amount).toBe('10.00');
      expect(sandbox.counters.snapshot().byEndpoint.stripe['POST /v1/refunds'] ?? 0).toBe(0);
      const records = await keysOnEachNode(cluster, 'concord:mutation:*');
      expect(records.flat().length).toBeGreaterThan(0);
    });
    it('answers from the providers while a master is down, keeps no local copies meanwhile, and shares again once it is back', async () => {
      const id = toGlobalId('Customer', sandbox.dataset.contacts[5]?.crmId ?? '');
      await ask(a, CUSTOMER, { id });
      expect(a.caching.local?.size().entries).toBeGreaterThan(0);

      await cluster.kill(0);
      try {
        // A replica that may miss invalidations keeps nothing of its own.
        await until(() => a.caching.local?.size().entries === 0, 'A’s local tier to empty');
        const down = await ask<{ customers: { edges: unknown[] } }>(b, PAGE);
        expect(down.errors).toBeUndefined();
        expect(down.data?.customers.edges).toHaveLength(12);
      } finally {
        await cluster.restart(0);
      }

      // Back: the local tier comes on again (its own ping heard), and what A caches B reads as a hit.
      await until(async () => {
        const hits = stats(a).hubspot?.localHits ?? 0;
        await ask(a, CUSTOMER, { id });
        return (stats(a).hubspot?.localHits ?? 0) > hits;
      }, 'A’s local tier to be on again');
      const other = toGlobalId('Customer', sandbox.dataset.contacts[40]?.crmId ?? '');
      await until(async () => {
        await ask(a, CUSTOMER, { id: other });
        const calls = upstream();
        const read = await ask(b, CUSTOMER, { id: other });
        return read.errors === undefined && upstream() === calls;
      }, 'B to read what A cached from the cluster');
    }, 60_000);
  });

  describe('two gateways sharing a provider quota', () => {
    const quotaEnv = () => ({
      ...env,
      CACHE: 'false',
      // An hour's window, so what the two gateways took together is still in it when the test looks.
      STRIPE_QUOTA: '30/1h',
    });
    let a: Concord;
    let b: Concord;

    beforeAll(async () => {
      // Whatever the gateways above took from Stripe's window is forgotten.
      await withNodes(cluster, (nodes) => Promise.all(nodes.map((node) => node.flushAll())));
      [a, b] = await Promise.all([startTestConcord(quotaEnv()), startTestConcord(quotaEnv())]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([a, b].filter(Boolean).map((concord) => concord.stop()));
    });

    it('lets the two together make no more calls than the quota, its windows in one slot', async () => {
      const ids = sandbox.dataset.charges.slice(100, 140).map((c) => toGlobalId('Payment', c.stripeId));
      sandbox.counters.reset();
      const first = await postQuery<{ nodes: unknown[] }>(
        a.gateway,
        NODES,
        { ids: ids.slice(0, 20) },
        { token },
      );
      expect(first.errors).toBeUndefined();
      expect(first.data?.nodes.every((n) => n !== null)).toBe(true);

      // B draws from the same window in the cluster: 10 calls are left of the 30, so its batch of
      // 20 is refused (alone, its window would have had room for all of them).
      const second = await postQuery<{ nodes: unknown[] }>(
        b.gateway,
        NODES,
        { ids: ids.slice(20) },
        { token },
      );
      expect(second.errors?.map((e) => e.extensions?.code)).toEqual(['PROVIDER_RATE_LIMITED']);
      expect(second.errors?.[0]?.extensions?.retryAfterMs).toBeGreaterThan(60_000);
      expect(sandbox.counters.snapshot().total.stripe).toBeLessThanOrEqual(30);
      expect(sandbox.counters.snapshot().byStatus.stripe['429'] ?? 0).toBe(0);

      // Every window of one provider × credential shares a hash tag, so one script takes from all of them.
      await withNodes(cluster, async (nodes) => {
        const found = (await Promise.all(nodes.map((node) => node.keys('concord:quota:*')))).flat();
        expect(found.filter((k) => k.startsWith('concord:quota:{stripe:'))).not.toHaveLength(0);
        const slots = await Promise.all(found.map((k) => nodes[0]?.clusterKeySlot(k)));
        const byProvider = new Map<string, Set<number | undefined>>();
        found.forEach((k, i) => {
          const tag = /\{([^}]*)\}/.exec(k)?.[1] ?? k;
          byProvider.set(tag, (byProvider.get(tag) ?? new Set()).add(slots[i]));
        });
        for (const slotsOfOne of byProvider.values()) expect(slotsOfOne.size).toBe(1);
        // The two gateways' grants are in one log: exactly the quota.
        const log = found.find((k) => k.startsWith('concord:quota:{stripe:') && k.endsWith(':api0'));
        const counts = await Promise.all(nodes.map((node) => node.zCard(log ?? '').catch(() => 0)));
        expect(Math.max(...counts)).toBe(30);
      });
    });
  });
});
