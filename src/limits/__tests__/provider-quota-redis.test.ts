import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import type { QuotaBucket } from '../../../datasources/transport/rate-limiter.js';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { closeRedis, connectRedis, type RedisConnection } from '../../redis/client.js';
import { RedisQuotaStore } from '../provider-quota-redis.js';

/**
 * The Redis quota store against a real Redis: it keeps time by Redis's own clock, so these tests
 * wait in real time, and only ever for longer than they need (a slow machine cannot turn them).
 */

let redis: TestRedis;
let client: RedisConnection;
let keys = 0;

const bucket = (limit: number, windowMs: number): QuotaBucket => ({
  key: `test:quota:{p${(keys += 1)}}:api`,
  limit,
  windowMs,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  redis = await startTestRedis();
  client = await connectRedis(redis.url, pino({ level: 'silent' }), 'quota test', 2_000);
});

afterAll(async () => {
  if (client) await closeRedis(client);
  await redis?.stop();
});

describe('RedisQuotaStore', () => {
  it('counts a call still out as made now, however long it has been out, and from its end once over', async () => {
    const store = new RedisQuotaStore(client);
    const b = bucket(1, 300);
    expect((await store.take([b], 'slow')).granted).toBe(true);
    await sleep(400);
    // Past its window, but still out: it may reach the provider at any moment, so a whole window is left.
    expect(await store.take([b], 'next')).toEqual({ granted: false, waitMs: 300, remaining: 0 });
    await store.complete([b], 'slow');
    const after = await store.take([b], 'next');
    expect(after.granted).toBe(false);
    expect(after.waitMs).toBeLessThanOrEqual(300);
    await sleep(after.waitMs);
    expect((await store.take([b], 'next')).granted).toBe(true);
  });

  it('counts a call a dead replica left open as over when its lease ends', async () => {
    const store = new RedisQuotaStore(client, 1_000);
    const b = bucket(1, 60_000);
    expect((await store.take([b], 'orphan')).granted).toBe(true);
    expect((await store.take([b], 'next')).waitMs).toBe(60_000);
    await sleep(1_100);
    // As if it had ended when its lease did: its window runs from then, not from now.
    const { waitMs } = await store.take([b], 'next');
    expect(waitMs).toBeLessThan(60_000);
    expect(waitMs).toBeGreaterThan(50_000);
  });

  it('keeps a log with a call out for its lease, even when a call ends or the provider settles', async () => {
    const store = new RedisQuotaStore(client, 60_000);
    const b = bucket(10, 1_000);
    await store.take([b], 'out');
    await store.take([b], 'quick');
    await store.complete([b], 'quick');
    await store.settle(b, 5, 'phantom');
    // Expiring with the window would drop the call still out along with the log.
    expect(await client.eval<number>("return redis.call('PTTL', KEYS[1])", [b.key], [])).toBeGreaterThan(
      50_000,
    );
  });

  it('takes from every bucket of a call or from none, and ends it in each', async () => {
    const store = new RedisQuotaStore(client);
    const small = bucket(1, 60_000);
    const large = { ...bucket(3, 60_000), key: `${small.key}:all` };
    expect((await store.take([small, large], 'a')).granted).toBe(true);
    expect((await store.take([small, large], 'b')).granted).toBe(false);
    expect((await store.take([large], 'c')).granted).toBe(true);
    expect(await store.take([large], 'd')).toEqual({ granted: true, waitMs: 0, remaining: 0 });
    await store.complete([small, large], 'a');
    const refused = await store.take([large], 'e');
    // The oldest entry is now 'a' (ended just now); 'c' and 'd' are still out.
    expect(refused.granted).toBe(false);
    expect(refused.waitMs).toBeLessThanOrEqual(60_000);
    expect(refused.waitMs).toBeGreaterThan(50_000);
  });
});
