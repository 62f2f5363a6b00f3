import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rawQuery, type RawAnswer } from '../../support/http.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { startTestStack, type TestStack } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';

const QUERY = '{ providers { name } }';

function expectLimited(answer: RawAnswer): void {
  expect(answer.status).toBe(429);
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(answer.body.errors?.[0]?.extensions).toEqual({
    code: 'RATE_LIMITED',
    retryAfterSeconds: retryAfter,
  });
}

describe('per-client rate limits (memory store)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ RATE_LIMIT: '3/60s' });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('answers 429 with Retry-After to a client over its limit, and leaves another client alone', async () => {
    const alice = { authorization: `Bearer ${await signTestToken({ sub: 'alice' })}` };
    const bob = { authorization: `Bearer ${await signTestToken({ sub: 'bob' })}` };
    for (let i = 0; i < 3; i++) {
      const ok = await rawQuery(stack.gateway, QUERY, alice);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-remaining')).toBe(String(2 - i));
    }
    stack.sandbox.counters.reset();
    expectLimited(await rawQuery(stack.gateway, QUERY, alice));
    // A new token for the same subject is the same client.
    expectLimited(
      await rawQuery(stack.gateway, QUERY, {
        authorization: `Bearer ${await signTestToken({ sub: 'alice' })}`,
      }),
    );
    expect(stack.sandbox.counters.snapshot().total).toEqual({
      hubspot: 0,
      stripe: 0,
      posthog: 0,
      salesforce: 0,
    });
    const other = await rawQuery(stack.gateway, QUERY, bob);
    expect(other.status).toBe(200);
    expect(other.body.errors).toBeUndefined();
  });
});

describe('per-client rate limits shared through Redis', () => {
  let redis: TestRedis;
  let first: TestStack;
  let second: TestStack;

  beforeAll(async () => {
    redis = await startTestRedis();
    first = await startTestStack({ RATE_LIMIT: '3/60s', AUTH_FAILURE_LIMIT: '3/60s', REDIS_URL: redis.url });
    second = await startTestStack({ RATE_LIMIT: '3/60s', AUTH_FAILURE_LIMIT: '3/60s', REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await first.stop();
    await second.stop();
    await redis.stop();
  });

  it('counts one budget per client across two gateways', async () => {
    const client = {
      authorization: `Bearer ${await signTestToken({ sub: `replica-test-${randomUUID()}` })}`,
    };
    expect((await rawQuery(first.gateway, QUERY, client)).status).toBe(200);
    expect((await rawQuery(second.gateway, QUERY, client)).status).toBe(200);
    expect((await rawQuery(first.gateway, QUERY, client)).status).toBe(200);
    expectLimited(await rawQuery(second.gateway, QUERY, client));
    const someoneElse = { authorization: `Bearer ${await signTestToken({ sub: `other-${randomUUID()}` })}` };
    expect((await rawQuery(second.gateway, QUERY, someoneElse)).status).toBe(200);
  });

  it('counts failed authentication per source address across two gateways', async () => {
    const wrong = { 'x-api-key': 'ck_test_guessed_0000' };
    expect((await rawQuery(first.gateway, QUERY, wrong)).status).toBe(401);
    expect((await rawQuery(second.gateway, QUERY, wrong)).status).toBe(401);
    expect((await rawQuery(first.gateway, QUERY, wrong)).status).toBe(401);
    expectLimited(await rawQuery(second.gateway, QUERY, wrong));
    const good = { authorization: `Bearer ${await signTestToken({ sub: `good-${randomUUID()}` })}` };
    expect((await rawQuery(first.gateway, QUERY, good)).status).toBe(200);
  });
});

describe('failed authentication per source address (memory store)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ AUTH_FAILURE_LIMIT: '3/60s' });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('answers 429 with Retry-After once an address has failed too often, and still lets good credentials in', async () => {
    const failures: Array<Record<string, string>> = [
      { 'x-api-key': 'ck_test_guessed_0001' },
      {
        authorization: `Bearer ${await signTestToken({ secret: 'another-secret-0123456789-0123456789-abcdef' })}`,
      },
      {},
    ];
    for (const headers of failures) {
      const refused = await rawQuery(stack.gateway, QUERY, headers);
      expect(refused.status).toBe(401);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    stack.sandbox.counters.reset();
    for (const headers of [...failures, { 'x-api-key': 'ck_test_guessed_0002' }]) {
      expectLimited(await rawQuery(stack.gateway, QUERY, headers));
    }
    expect(stack.sandbox.counters.snapshot().total).toEqual({
      hubspot: 0,
      stripe: 0,
      posthog: 0,
      salesforce: 0,
    });
    // A validly signed token refused for its claims is no guess: its client still hears 401 expired.
    const expired = await rawQuery(stack.gateway, QUERY, {
      authorization: `Bearer ${await signTestToken({ expiresInS: -120 })}`,
    });
    expect(expired.status).toBe(401);
    expect(expired.body.errors?.[0]?.extensions?.reason).toBe('expired');
    // Successful requests from the same address are unaffected, and are not counted.
    for (let i = 0; i < 5; i++) {
      const ok = await rawQuery(stack.gateway, QUERY, {
        authorization: `Bearer ${await signTestToken({ sub: 'fine' })}`,
      });
      expect(ok.status).toBe(200);
      expect(ok.body.errors).toBeUndefined();
    }
  });
});
