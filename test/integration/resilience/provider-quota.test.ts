import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { PACKAGE_ROOT } from '../../../src/runtime/package-root.js';
import { liveEnv, query, spawnReplica, terminate, type Answer, type Replica } from '../deploy/support.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { TEST_ANCHOR, TEST_SEED, postQuery, startTestConcord } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';

/** Spawned gateways take a while to start on a loaded machine. */
const SPAWNED_TEST_MS = 120_000;
/** Stripe's documented test-mode limit, which the sandbox enforces here and Concord defaults to. */
const STRIPE_LIMIT = { limit: 25, windowMs: 1_000 };

const NODES = /* GraphQL */ `
  query ($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Payment {
        id
        status
      }
    }
  }
`;
const NODE = /* GraphQL */ `
  query ($id: ID!) {
    node(id: $id) {
      ... on Payment {
        id
        status
      }
    }
  }
`;
type Nodes = { nodes: Array<{ id: string } | null> };
type Node = { node: { id: string } | null };

describe('provider quotas: fair shares of a provider’s rate limit', () => {
  let redis: TestRedis;
  let sandbox: RunningSandbox;
  const spawned: Replica[] = [];
  const inProcess: Concord[] = [];
  /** Each test takes payments no earlier test read (the providers are asked, not a cache). */
  let nextCharge = 0;
  const paymentIds = (n: number) =>
    sandbox.dataset.charges
      .slice(nextCharge, (nextCharge += n))
      .map((c) => toGlobalId('Payment', c.stripeId));

  /**
   * A gateway process in live mode against the shared sandbox, with no response cache: its own
   * process, so its load does not skew when the in-process sandbox sees calls arrive.
   */
  async function replica(): Promise<Replica> {
    const env = {
      ...liveEnv(sandbox),
      LOG_LEVEL: 'warn',
      REDIS_URL: redis.url,
      CACHE: 'false',
    };
    const started = await spawnReplica(['--import', 'tsx', 'src/main.ts'], env, PACKAGE_ROOT);
    spawned.push(started);
    return started;
  }

  /** The same in this process, for tests that look at requests rather than the provider's pace. */
  async function gatewayHere(env: Record<string, string>): Promise<Concord> {
    const concord = await startTestConcord({
      HUBSPOT_ACCESS_TOKEN: sandbox.credentials.hubspotAccessToken,
      HUBSPOT_BASE_URL: sandbox.urls.hubspot,
      STRIPE_SECRET_KEY: sandbox.credentials.stripeSecretKey,
      STRIPE_BASE_URL: sandbox.urls.stripe,
      POSTHOG_API_KEY: sandbox.credentials.posthogApiKey,
      POSTHOG_PROJECT_ID: String(sandbox.credentials.posthogProjectId),
      POSTHOG_HOST: sandbox.urls.posthog,
      REDIS_URL: redis.url,
      CACHE: 'false',
      ...env,
    });
    inProcess.push(concord);
    return concord;
  }

  function stripe429s(): number {
    return sandbox.counters.snapshot().byStatus.stripe['429'] ?? 0;
  }

  /**
   * None of Stripe's calls was over its limit, however late a call reached the sandbox after it was
   * let go (on a starved test machine, hundreds of ms): each holds its room until its answer is
   * back. Without the quota about half of these calls would be 429s.
   */
  function expectNo429s(): void {
    expect(stripe429s()).toBe(0);
  }

  function codes(answer: Answer<unknown>): string[] {
    return [...new Set((answer.body.errors ?? []).map((e) => String(e.extensions?.code)))];
  }

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startSandbox({
      seed: TEST_SEED,
      anchor: Date.parse(TEST_ANCHOR),
      knobs: { stripe: { rateLimit: STRIPE_LIMIT } },
    });
  }, 30_000);

  afterEach(async () => {
    await Promise.all([
      ...spawned.splice(0).map((r) => terminate(r)),
      ...inProcess.splice(0).map((c) => c.stop()),
    ]);
    sandbox.counters.reset();
    // Setting the limit again starts Stripe's windows afresh: no test inherits the last one's calls.
    sandbox.knobs.set('stripe', { rateLimit: STRIPE_LIMIT });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await redis?.stop();
  });

  it(
    'answers a second client’s reads while a first client bursts, within Stripe’s limit',
    async () => {
      const { origin, adminOrigin } = await replica();
      const [burster, reader] = await Promise.all([
        signTestToken({ sub: 'bursting-client' }),
        signTestToken({ sub: 'reading-client' }),
      ]);
      // Two requests of 150 charges each: 300 Stripe GETs, more than Stripe's limit allows before
      // the requests' deadline. Served first come, first served, a read would wait behind all of them.
      const burst = [paymentIds(150), paymentIds(150)].map((ids) =>
        query<Nodes>(origin, burster, NODES, { ids }),
      );
      // The reads start once the burst has spent Stripe's first window and the rest of it waits.
      while (sandbox.counters.snapshot().total.stripe < STRIPE_LIMIT.limit)
        await new Promise((r) => setTimeout(r, 10));
      const reads: Array<Answer<Node>> = [];
      for (const id of paymentIds(6)) reads.push(await query<Node>(origin, reader, NODE, { id }));
      // Served in turn, each read waits for about one of the burst's calls; first come, first
      // served, the first read alone would wait for the two hundred queued before it.
      const callsByLastRead = sandbox.counters.snapshot().total.stripe;
      for (const read of reads) {
        expect(read.body.errors).toBeUndefined();
        expect(read.body.data?.node?.id).toBeDefined();
      }
      expect(callsByLastRead).toBeLessThan(STRIPE_LIMIT.limit * 4);
      const bursts = await Promise.all(burst);
      // The burst waits its turn or, past its deadline, is told to slow down; nothing else goes wrong.
      for (const res of bursts) for (const code of codes(res)) expect(code).toBe('PROVIDER_RATE_LIMITED');
      expectNo429s();
      // What did not fit the deadline was refused by the quota, and /metrics says so.
      const metrics = await (await fetch(`${adminOrigin}/metrics`)).text();
      const throttled = /concord_provider_quota_throttled_total\{provider="stripe",by="quota"\} (\d+)/.exec(
        metrics,
      );
      expect(Number(throttled?.[1])).toBeGreaterThan(0);
      expect(metrics).toContain('concord_provider_quota_waiting{provider="stripe",class="api",of="calls"}');
    },
    SPAWNED_TEST_MS,
  );

  it(
    'two replicas sharing Redis stay under the provider’s limit together',
    async () => {
      const [a, b] = await Promise.all([replica(), replica()]);
      const token = await signTestToken({ sub: 'two-replica-client' });
      const answers = await Promise.all([
        query<Nodes>(a.origin, token, NODES, { ids: paymentIds(60) }),
        query<Nodes>(b.origin, token, NODES, { ids: paymentIds(60) }),
      ]);
      // 120 calls at 25 a second fit the deadline: every payment comes back, and Stripe never said 429.
      for (const res of answers) {
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data?.nodes.every((n) => n !== null)).toBe(true);
      }
      expect(sandbox.counters.snapshot().byStatus.stripe['200']).toBe(120);
      expectNo429s();
    },
    SPAWNED_TEST_MS,
  );

  it(
    'keeps limiting per replica while Redis is down, and shares again once it is back',
    async () => {
      if (!redis.owned) return;
      const { origin } = await replica();
      const token = await signTestToken({ sub: 'redis-down-client' });
      await redis.kill();
      const down = await query<Nodes>(origin, token, NODES, { ids: paymentIds(60) });
      expect(down.body.errors).toBeUndefined();
      expect(down.body.data?.nodes.every((n) => n !== null)).toBe(true);
      expectNo429s();

      await redis.restart();
      const client = createClient({ url: redis.url });
      await client.connect();
      try {
        // The gateway reconnects by itself; its next calls are counted in Redis again.
        let keys: string[] = [];
        for (let tries = 0; tries < 100 && keys.length === 0; tries += 1) {
          const res = await query<Node>(origin, token, NODE, { id: paymentIds(1)[0] });
          expect(res.body.errors).toBeUndefined();
          keys = await client.keys('concord:quota:{stripe:*');
          if (keys.length === 0) await new Promise((r) => setTimeout(r, 100));
        }
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.join(' ')).not.toContain(sandbox.credentials.stripeSecretKey);
      } finally {
        await client.close();
      }
    },
    SPAWNED_TEST_MS,
  );

  it('refuses, before any call, ids that would cost more upstream calls than a request may make', async () => {
    const { gateway } = await gatewayHere({ UPSTREAM_CALL_BUDGET: '50' });
    const res = await postQuery<Nodes>(gateway, NODES, { ids: paymentIds(51) });
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_BUDGET_EXCEEDED',
      estimate: 51,
      budget: 50,
    });
    expect(sandbox.counters.snapshot().total.stripe).toBe(0);
    // Customers are read 100 to a batch call: 120 of them cost 2 calls, well inside the budget.
    const customers = sandbox.dataset.contacts.slice(0, 120).map((c) => toGlobalId('Customer', c.crmId));
    const many = await postQuery(gateway, 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
      ids: customers,
    });
    expect(many.errors).toBeUndefined();
  });

  it('stops a request at its budget while it runs, with the budget in the error', async () => {
    const { gateway } = await gatewayHere({ UPSTREAM_CALL_BUDGET: '3' });
    // Not estimated ahead (no ids): each customer's subscriptions are one Stripe list call.
    const res = await postQuery<unknown>(
      gateway,
      '{ customers(first: 10) { edges { node { subscriptions { id } } } } }',
    );
    const budget = (res.errors ?? []).find((e) => e.extensions?.code === 'UPSTREAM_BUDGET_EXCEEDED');
    expect(budget?.extensions).toMatchObject({ budget: 3 });
    const total = sandbox.counters.snapshot().total;
    expect(total.hubspot + total.stripe + total.posthog).toBeLessThanOrEqual(3);
  });
});
