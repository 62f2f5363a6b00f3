import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { createCacheStore } from '../../../src/cache/store.js';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { postQuery, startTestConcord, TEST_ANCHOR, TEST_SEED } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';
import { liveEnv } from '../deploy/support.js';

/**
 * The in-process tier of decoded entries in front of Redis: two replicas in one process (each its
 * own Concord, live mode against one sandbox, one real Redis), so each replica's tier and stats can
 * be read while Redis is watched from outside.
 */

const CUSTOMER = 'query ($id: ID!) { customer(id: $id) { name jobTitle company { name } } }';
const UPDATE = `mutation ($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { jobTitle } userErrors { code } }
}`;

async function until(condition: () => Promise<boolean> | boolean, what: string, limitMs = 15_000) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > limitMs) throw new Error(`still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the local cache tier across replicas', () => {
  let redis: TestRedis;
  let sandbox: RunningSandbox;
  let a: Concord;
  let b: Concord;
  let watcher: ReturnType<typeof createClient>;
  let token: string;
  const ask = <T>(concord: Concord, query: string, variables: Record<string, unknown>) =>
    postQuery<T>(concord.gateway, query, variables, { token });

  const mgets = async () => {
    const info = await watcher.info('commandstats');
    return Number(/cmdstat_mget:calls=(\d+)/.exec(info)?.[1] ?? 0);
  };
  const upstream = () => {
    const t = sandbox.counters.snapshot().total;
    return t.hubspot + t.stripe + t.posthog;
  };
  const contactId = (i: number) => sandbox.dataset.contacts[i]?.crmId ?? '';
  const localHits = (concord: Concord) => concord.caching.stats.snapshot().hubspot?.localHits ?? 0;

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    const env = { ...liveEnv(sandbox), NODE_ENV: 'test', REDIS_URL: redis.url };
    [a, b] = await Promise.all([startTestConcord(env), startTestConcord(env)]);
    token = await signTestToken({ sub: 'local-tier', expiresInS: 3600 });
    watcher = createClient({ url: redis.url });
    watcher.on('error', () => undefined);
    await watcher.connect();
    // Each tier is on once its replica has heard its own ping on the invalidation channel.
    for (const concord of [a, b]) {
      await until(async () => {
        await ask(concord, CUSTOMER, {
          id: toGlobalId('Customer', contactId(0)),
        });
        return localHits(concord) > 0;
      }, 'the local tier to be on');
    }
  }, 60_000);

  afterAll(async () => {
    await watcher?.close().catch(() => undefined);
    await Promise.all([a, b].filter(Boolean).map((concord) => concord.stop()));
    await sandbox?.stop();
    await redis?.stop();
  });

  it('answers a warm read with no Redis round trip and no upstream call', async () => {
    const id = toGlobalId('Customer', contactId(1));
    const cold = await ask(a, CUSTOMER, { id });
    expect(cold.errors).toBeUndefined();
    const [readsBefore, callsBefore, hitsBefore] = [await mgets(), upstream(), localHits(a)];
    const warm = await ask(a, CUSTOMER, { id });
    expect(warm).toEqual(cold);
    expect(await mgets()).toBe(readsBefore);
    expect(upstream()).toBe(callsBefore);
    expect(localHits(a)).toBeGreaterThan(hitsBefore);
  });

  it('reads a change made through another replica fresh, long before the entry would expire', async () => {
    const id = toGlobalId('Customer', contactId(2));
    for (const concord of [a, b]) {
      await ask(concord, CUSTOMER, { id });
      await ask(concord, CUSTOMER, { id });
    }
    const hitsBefore = localHits(b);
    const before = await ask<{ customer: { jobTitle: string | null } }>(b, CUSTOMER, { id });
    expect(localHits(b)).toBeGreaterThan(hitsBefore);

    const jobTitle = `Head of Caching ${Date.now()}`;
    const updated = await ask<{ updateCustomer: { customer: { jobTitle: string } } }>(a, UPDATE, {
      input: { clientMutationId: `local-tier-${jobTitle}`, id, jobTitle },
    });
    expect(updated.data?.updateCustomer.customer.jobTitle).toBe(jobTitle);
    expect(before.data?.customer.jobTitle).not.toBe(jobTitle);
    // Contacts stay fresh for 300 s: only the invalidation heard from A can explain a new answer on B.
    await until(async () => {
      const now = await ask<{ customer: { jobTitle: string } }>(b, CUSTOMER, { id });
      return now.data?.customer.jobTitle === jobTitle;
    }, 'replica B to read the new job title');
  });

  it('empties every replica’s tier when told that Redis was flushed by hand', async () => {
    const id = toGlobalId('Customer', contactId(4));
    for (const concord of [a, b]) {
      await ask(concord, CUSTOMER, { id });
      expect(concord.caching.local?.size().entries).toBeGreaterThan(0);
    }
    await watcher.flushAll();
    await watcher.publish('concord:cache:invalidations', JSON.stringify({ all: true }));
    await until(
      () => a.caching.local?.size().entries === 0 && b.caching.local?.size().entries === 0,
      'both tiers to empty',
    );
  });

  it('keeps no local copy while Redis is gone, answers throughout, and resumes when it is back', async () => {
    const id = toGlobalId('Customer', contactId(3));
    await ask(a, CUSTOMER, { id });
    // The tier takes what was fetched when the writes are made, just after the answer.
    await until(() => (a.caching.local?.size().entries ?? 0) > 0, 'the tier to hold the answer');
    await redis.kill();
    try {
      await until(() => a.caching.local?.size().entries === 0, 'the tier to empty');
      const during = await ask(a, CUSTOMER, { id });
      expect(during.errors).toBeUndefined();
      const hits = localHits(a);
      await ask(a, CUSTOMER, { id });
      expect(localHits(a)).toBe(hits);
    } finally {
      await redis.restart();
    }
    await until(async () => {
      const hits = localHits(a);
      await ask(a, CUSTOMER, { id });
      await ask(a, CUSTOMER, { id });
      return localHits(a) > hits;
    }, 'the tier to be on again');
  }, 60_000);
});

describe('the cache read timeout', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('measures Redis, not a busy process: an answer waiting in the socket is a hit', async () => {
    const errors: unknown[] = [];
    const store = createCacheStore({
      redisUrl: redis.url,
      readTimeoutMs: 20,
      onError: (e) => errors.push(e),
    });
    try {
      await until(() => store.healthy(), 'the store to connect');
      await store.setMany([{ key: 'busy:k', value: 'v', ttlMs: 60_000 }]);
      const reading = store.getMany(['busy:k']);
      // A long synchronous task: the answer arrives meanwhile, the timer is long overdue.
      const blockedUntil = Date.now() + 200;
      while (Date.now() < blockedUntil) {
        // busy
      }
      expect(await reading).toEqual(['v']);
      expect(errors).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('still gives up on a Redis that does not answer', async () => {
    const errors: unknown[] = [];
    const store = createCacheStore({
      redisUrl: redis.url,
      readTimeoutMs: 20,
      onError: (e) => errors.push(e),
    });
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await until(() => store.healthy(), 'the store to connect');
      await store.setMany([{ key: 'paused:k', value: 'v', ttlMs: 60_000 }]);
      // Redis stops serving every other client for 300 ms: a really slow Redis.
      await admin.sendCommand(['CLIENT', 'PAUSE', '300', 'ALL']);
      expect(await store.getMany(['paused:k'])).toEqual([undefined]);
      expect(errors.length).toBe(1);
    } finally {
      await admin.close();
      await store.close();
    }
  });
});
