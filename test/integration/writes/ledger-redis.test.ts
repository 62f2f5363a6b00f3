import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createClient } from '@redis/client';
import type { RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { mutationKey } from '../../../src/writes/idempotency.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { postQuery, startTestConcord } from '../../support/stack.js';

/** The mutation ledger in Redis, through the gateway: what it remembers, and writes refused without it. */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id email } userErrors { code field } }
}`;
type Created = {
  createCustomer: {
    customer: { id: string; email: string } | null;
    userErrors: Array<{ code: string; field: string[] | null }>;
  };
};

describe('the Redis mutation ledger', () => {
  let redis: TestRedis;
  let concord: Concord;
  let sandbox: RunningSandbox;
  const create = (input: Record<string, unknown>) => postQuery<Created>(concord.gateway, CREATE, { input });
  /** Writes the sandbox received: contact creates, updates and deletes, and payment account writes. */
  const writes = () => {
    const { hubspot, stripe } = sandbox.counters.snapshot().byEndpoint;
    return [
      hubspot['POST /crm/v3/objects/{objectType}'],
      hubspot['PATCH /crm/v3/objects/{objectType}/{objectId}'],
      hubspot['DELETE /crm/v3/objects/{objectType}/{objectId}'],
      stripe['POST /v1/customers'],
      stripe['POST /v1/customers/{id}'],
    ].reduce<number>((sum, n) => sum + (n ?? 0), 0);
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    concord = await startTestConcord({ REDIS_URL: redis.url });
    const running = concord.connected.sandbox;
    if (!running) throw new Error('these tests run against the sandbox');
    sandbox = running;
  }, 60_000);
  afterAll(async () => {
    await concord?.stop();
    await redis?.stop();
  });
  beforeEach(() => {
    sandbox.counters.reset();
  });

  it('refuses the same clientMutationId with another input, from the record it keeps in Redis', async () => {
    const first = await create({ clientMutationId: 'redis-reuse', email: 'redis.one@example.com' });
    expect(first.data?.createCustomer.customer?.email).toBe('redis.one@example.com');
    expect(writes()).toBe(2); // the contact and its payment account

    // The record is in Redis (not in this process), with the input's digest beside the answer.
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const stored = await client.get(
        `concord:mutation:${mutationKey('jwt:test-user', 'createCustomer', 'redis-reuse')}`,
      );
      expect(JSON.parse(stored ?? 'null')).toMatchObject({ state: 'done', inputHash: expect.any(String) });
    } finally {
      await client.close();
    }

    sandbox.counters.reset();
    const other = await create({ clientMutationId: 'redis-reuse', email: 'redis.two@example.com' });
    expect(other.errors).toBeUndefined();
    expect(other.data?.createCustomer).toEqual({
      customer: null,
      userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'clientMutationId'] }],
    });
    const same = await create({ clientMutationId: 'redis-reuse', email: 'redis.one@example.com' });
    expect(same.data?.createCustomer).toEqual(first.data?.createCustomer);
    expect(writes()).toBe(0);
  });

  it('refuses writes while Redis is down (nothing reaches a provider), and takes them again once it is back', async () => {
    if (!redis.owned) return; // a REDIS_URL given to the tests is not ours to kill
    await redis.kill();
    try {
      const refused = await create({ clientMutationId: 'redis-down', email: 'redis.down@example.com' });
      expect(refused.data).toBeNull();
      expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['UNAVAILABLE']);
      expect(writes()).toBe(0);
    } finally {
      await redis.restart();
    }
    // The connection comes back by itself; then the same request runs.
    const end = Date.now() + 30_000;
    let taken = await create({ clientMutationId: 'redis-down', email: 'redis.down@example.com' });
    while (taken.errors && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      taken = await create({ clientMutationId: 'redis-down', email: 'redis.down@example.com' });
    }
    expect(taken.errors).toBeUndefined();
    expect(taken.data?.createCustomer.customer?.email).toBe('redis.down@example.com');
  }, 60_000);
});
