import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Concord } from '../../../src/app.js';
import { postQuery, queryHeaders, startTestConcord, TEST_ANCHOR } from '../../support/stack.js';
import { MovableClock } from '../../support/clock.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { signTestToken } from '../../support/tokens.js';
import { SCOPES } from '../../../src/auth/scopes.js';

const DAY = 86_400_000;
const until = new Date(Date.parse(TEST_ANCHOR));
const since = new Date(until.getTime() - 30 * DAY);
const DASHBOARD = `query ($since: DateTime!, $until: DateTime!) { customers(first: 50) { edges { node { id name email
  company { name } deals(status: OPEN) { totalCount edges { node { name amount { amount } } } }
  payments(first: 5) { edges { node { amount { amount currency } status } } } lifetimeValue { amount currency }
  activity(since: $since, until: $until) { eventCount activeDays } } } } }`;
const variables = { since: since.toISOString(), until: until.toISOString() };

function upstreamCalls(concord: Concord): number {
  const total = concord.connected.sandbox?.counters.snapshot().total;
  return total ? total.hubspot + total.stripe + total.posthog : Number.NaN;
}

function resetCalls(concord: Concord): void {
  concord.connected.sandbox?.counters.reset();
}

async function readiness(concord: Concord): Promise<{ status: string; cache: string }> {
  const res = await fetch(concord.gateway.url.replace(/\/graphql$/, '/readyz'));
  return (await res.json()) as { status: string; cache: string };
}

/** Past every kind's default freshness (companies: an hour), well inside the default day of staleness. */
const AGE_PAST_FRESHNESS_MS = 2 * 3_600_000;

/**
 * What these tests assert is what the cache holds, so they leave the clock out of it: freshness
 * runs on a clock the test moves, and a store read may take its time (on a loaded machine Redis
 * answered past the default 50 ms, which counts as a miss: the "Redis trouble" tests cover that).
 */
function settings(redis: TestRedis | null): Record<string, string> {
  return { CACHE_READ_TIMEOUT_MS: '10000', ...(redis ? { REDIS_URL: redis.url } : {}) };
}

describe.each(['memory', 'redis'] as const)('the shared cache (%s store)', (kind) => {
  let redis: TestRedis | null = null;
  let concord: Concord;
  // Default freshness, and entries aged by moving this clock: nothing here waits on the real one.
  const clock = new MovableClock();

  beforeAll(async () => {
    redis = kind === 'redis' ? await startTestRedis() : null;
    concord = await startTestConcord(settings(redis), { cacheClock: clock.now });
  });
  afterAll(async () => {
    await concord.stop();
    await redis?.stop();
  });

  it('answers a warm dashboard with zero upstream calls, and the same answer', async () => {
    const cold = await postQuery(concord.gateway, DASHBOARD, variables);
    expect(cold.errors).toBeUndefined();
    resetCalls(concord);
    const warm = await postQuery(concord.gateway, DASHBOARD, variables);
    expect(upstreamCalls(concord)).toBe(0);
    expect(warm).toEqual(cold);
    expect(concord.caching.stats.snapshot().hubspot?.hits).toBeGreaterThan(0);
    expect((await readiness(concord)).cache).toBe(kind === 'redis' ? 'ok' : 'memory');
  });

  it('applies field rules after the cache: a value cached for a full-scope client never reaches one without pii:read', async () => {
    const query = '{ customers(first: 5) { edges { node { name email phone } } } }';
    const full = await postQuery<{ customers: { edges: Array<{ node: { email: string | null } }> } }>(
      concord.gateway,
      query,
    );
    expect(full.data?.customers.edges.every((e) => e.node.email)).toBe(true);
    resetCalls(concord);
    const token = await signTestToken({ scopes: SCOPES.filter((s) => s !== 'pii:read') });
    const limited = await postQuery<{
      customers: { edges: Array<{ node: { name: string; email: string | null; phone: string | null } }> };
    }>(concord.gateway, query, undefined, { token });
    expect(upstreamCalls(concord)).toBe(0);
    for (const { node } of limited.data?.customers.edges ?? []) {
      expect(node.name).toBeTruthy();
      expect(node.email).toBeNull();
      expect(node.phone).toBeNull();
    }
    expect(limited.errors?.length).toBe(10);
    expect(new Set(limited.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['FORBIDDEN']));
  });

  it('sets HTTP Cache-Control from the schema’s cache hints', async () => {
    const res = await fetch(concord.gateway.url, {
      method: 'POST',
      headers: queryHeaders(concord.gateway),
      body: JSON.stringify({ query: DASHBOARD, variables }),
    });
    expect(res.headers.get('cache-control')).toBe('max-age=30, private');
    const live = await fetch(concord.gateway.url, {
      method: 'POST',
      headers: queryHeaders(concord.gateway),
      body: JSON.stringify({ query: '{ providers { name errorRate } }' }),
    });
    expect(live.headers.get('cache-control')).toBe('no-store');
  });

  it('forgets an entity when invalidated, so the next read asks the provider', async () => {
    const contact = concord.connected.sandbox?.dataset.contacts[3];
    const id = Buffer.from(`v1:Customer:${contact?.crmId}`).toString('base64url');
    const query = 'query ($id: ID!) { customer(id: $id) { name } }';
    await postQuery(concord.gateway, query, { id });
    resetCalls(concord);
    await postQuery(concord.gateway, query, { id });
    expect(upstreamCalls(concord)).toBe(0);
    await concord.caching.invalidate.crm?.invalidateContact(contact?.crmId as string, contact?.email);
    await postQuery(concord.gateway, query, { id });
    expect(concord.connected.sandbox?.counters.snapshot().byEndpoint.hubspot).toEqual({
      'POST /crm/v3/objects/{objectType}/batch/read': 1,
    });
  });
  it('walks a customer’s payments page by page reading the charge history once, and answers what Stripe holds', async () => {
    const dataset = concord.connected.sandbox?.dataset;
    if (!dataset) throw new Error('the test stack runs against the sandbox');
    const counts = new Map<number, number>();
    for (const c of dataset.charges) counts.set(c.customer, (counts.get(c.customer) ?? 0) + 1);
    // Past the contacts other tests read, with more than one page of 20 and one search page of 100.
    const index = dataset.customers.findIndex(
      (c, i) => c.contact >= 100 && (counts.get(i) ?? 0) > 40 && (counts.get(i) ?? 0) <= 100,
    );
    const customer = dataset.customers[index];
    if (!customer) throw new Error('no customer with 41 to 100 charges in the test data');
    const id = Buffer.from(`v1:Customer:${dataset.contacts[customer.contact]?.crmId}`).toString('base64url');
    const query = `query ($id: ID!, $after: String) { node(id: $id) { ... on Customer {
      payments(first: 20, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } } }`;
    type Page = {
      node: {
        payments: {
          edges: Array<{ node: { id: string } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
    };
    resetCalls(concord);
    const walked: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: Awaited<ReturnType<typeof postQuery<Page>>> = await postQuery<Page>(concord.gateway, query, {
        id,
        after,
      });
      expect(res.errors).toBeUndefined();
      const payments = res.data?.node.payments;
      walked.push(
        ...(payments?.edges.map((e) => Buffer.from(e.node.id, 'base64url').toString().split(':')[2] ?? '') ??
          []),
      );
      if (!payments?.pageInfo.hasNextPage) break;
      after = payments.pageInfo.endCursor;
    }
    // The first page comes from the summary, the later ones from the history read with it.
    expect(concord.connected.sandbox?.counters.snapshot().byEndpoint.stripe).toEqual({
      'GET /v1/customers/search': 1,
      'GET /v1/charges/search': 1,
    });
    const secs = (ms: number) => Math.floor(ms / 1000);
    const expected = dataset.charges
      .filter((c) => c.customer === index)
      .sort((a, b) => secs(b.createdAt) - secs(a.createdAt) || (a.stripeId < b.stripeId ? -1 : 1))
      .map((c) => c.stripeId);
    expect(walked).toEqual(expected);
  });

  // Last in this group: the outage opens the CRM circuit for a while.
  it('serves a stale entry while the CRM is down, and says so', async () => {
    const query = `query ($email: String!) { customer(email: $email) { name company { name } } }`;
    const contact = concord.connected.sandbox?.dataset.contacts[7];
    const fresh = await postQuery(concord.gateway, query, { email: contact?.email });
    expect(fresh.errors).toBeUndefined();
    clock.advance(AGE_PAST_FRESHNESS_MS);
    concord.connected.sandbox?.knobs.set('hubspot', { outage: true });
    try {
      const stale = await postQuery<{ customer: { name: string } }>(concord.gateway, query, {
        email: contact?.email,
      });
      expect(stale.errors).toBeUndefined();
      expect(stale.data).toEqual(fresh.data);
      expect((stale as { extensions?: { stale?: unknown } }).extensions?.stale).toEqual([
        { provider: 'hubspot', entries: expect.any(Number) },
      ]);
      // Something never cached has nothing stale to fall back on: an honest error.
      const other = concord.connected.sandbox?.dataset.contacts[1999];
      const missing = await postQuery(concord.gateway, query, { email: other?.email });
      expect(missing.errors?.[0]?.extensions?.code).toBe('PROVIDER_UNAVAILABLE');
    } finally {
      concord.connected.sandbox?.knobs.reset('hubspot');
    }
  });
});

describe.each(['memory', 'redis'] as const)('stale lists and aggregates (%s store)', (kind) => {
  let redis: TestRedis | null = null;
  let concord: Concord;
  const clock = new MovableClock();
  const PROVIDERS = ['hubspot', 'stripe', 'posthog'] as const;
  // Lists and aggregates are cached whole (ReadThroughCache.call), not entity by entity.
  const LISTS_AND_AGGREGATES = `query ($since: DateTime!, $until: DateTime!) {
    customers(first: 5) { edges { cursor node { id name } } pageInfo { hasNextPage endCursor } }
    metrics(since: $since, until: $until, interval: WEEK) {
      buckets { start revenue { amount currency } activeUsers newCustomers }
    }
  }`;

  beforeAll(async () => {
    redis = kind === 'redis' ? await startTestRedis() : null;
    concord = await startTestConcord(settings(redis), { cacheClock: clock.now });
  });
  afterAll(async () => {
    await concord.stop();
    await redis?.stop();
  });

  it('answers a list page and the metrics from their stale copies while every provider is down, and says so', async () => {
    const fresh = await postQuery(concord.gateway, LISTS_AND_AGGREGATES, variables);
    expect(fresh.errors).toBeUndefined();
    clock.advance(AGE_PAST_FRESHNESS_MS);
    for (const p of PROVIDERS) concord.connected.sandbox?.knobs.set(p, { outage: true });
    try {
      resetCalls(concord);
      const stale = await postQuery(concord.gateway, LISTS_AND_AGGREGATES, variables);
      expect(stale.errors).toBeUndefined();
      expect(stale.data).toEqual(fresh.data);
      // They were past freshness: each provider was asked (and failed) before the stale copy was served.
      for (const p of PROVIDERS) {
        expect(concord.connected.sandbox?.counters.snapshot().total[p]).toBeGreaterThan(0);
      }
      const flagged = (stale as { extensions?: { stale?: Array<{ provider: string }> } }).extensions?.stale;
      expect(flagged?.map((s) => s.provider).sort()).toEqual([...PROVIDERS].sort());
      // A page never cached has nothing stale to fall back on: an honest error.
      const uncached = await postQuery(concord.gateway, '{ customers(first: 7) { edges { node { id } } } }');
      expect(uncached.errors?.[0]?.extensions).toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        provider: 'hubspot',
      });
    } finally {
      concord.connected.sandbox?.knobs.reset();
    }
  });
});

describe('Redis trouble never fails a query', () => {
  let redis: TestRedis;
  let concord: Concord;

  beforeAll(async () => {
    redis = await startTestRedis();
    concord = await startTestConcord({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await concord.stop();
    await redis.stop();
  });

  it('keeps answering while Redis is killed, and caches again once it is back, without a restart', async () => {
    if (!redis.owned) throw new Error('this test kills Redis: leave REDIS_URL unset so it starts its own');
    const baseline = await postQuery(concord.gateway, DASHBOARD, variables);
    expect(baseline.errors).toBeUndefined();

    await redis.kill();
    for (let i = 0; i < 3; i++) {
      resetCalls(concord);
      const during = await postQuery(concord.gateway, DASHBOARD, variables);
      expect(during.errors).toBeUndefined();
      expect(during.data).toEqual(baseline.data);
      expect(upstreamCalls(concord)).toBeGreaterThan(0);
    }
    expect(await readiness(concord)).toMatchObject({ status: 'degraded', cache: 'unreachable' });

    await redis.restart();
    const deadline = Date.now() + 10_000;
    while ((await readiness(concord)).status !== 'ready' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await readiness(concord)).toMatchObject({ status: 'ready', cache: 'ok' });
    await postQuery(concord.gateway, DASHBOARD, variables);
    const hits = () => Object.values(concord.caching.stats.snapshot()).reduce((n, c) => n + c.hits, 0);
    const hitsBefore = hits();
    const warm = await postQuery(concord.gateway, DASHBOARD, variables);
    expect(warm.data).toEqual(baseline.data);
    // Cached again: answered from Redis. Not "zero upstream calls": the default 50 ms read timeout
    // is kept on purpose here, and a loaded machine can turn a few reads into misses.
    expect(hits()).toBeGreaterThan(hitsBefore);
  });
});
