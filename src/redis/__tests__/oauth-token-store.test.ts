import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createClient } from '@redis/client';
import pino from 'pino';
import { ProviderError } from '../../../datasources/transport/errors.js';
import { Sealer } from '../../../datasources/transport/oauth/sealed.js';
import { TokenEndpoint } from '../../../datasources/transport/oauth/token-endpoint.js';
import {
  OAuthTokenSource,
  type OAuthTokenSourceOptions,
} from '../../../datasources/transport/oauth/token-source.js';
import { TokenServer } from '../../../test/support/oauth-token-server.js';
import { startTestRedis, type TestRedis } from '../../../test/support/redis.js';
import { closeRedis, connectRedis, type RedisConnection } from '../client.js';
import { RedisTokenStore } from '../oauth-token-store.js';

/**
 * The OAuth token source over real HTTP (a small OAuth token endpoint that rotates refresh tokens
 * and can refuse or fail) and a real Redis, with two sources standing in for two replicas.
 */

const KEY = Buffer.alloc(32, 7);
let redis: TestRedis;
const connections: RedisConnection[] = [];
let server: TokenServer;
const endpoints: TokenEndpoint[] = [];
let clock = 1_000_000;
let prefix = 0;

async function replica(overrides: Partial<OAuthTokenSourceOptions> = {}): Promise<OAuthTokenSource> {
  const connection = await connectRedis(redis.url, pino({ level: 'silent' }), 'oauth test', 500);
  connections.push(connection);
  const endpoint = new TokenEndpoint('salesforce', `${server.url}/services/oauth2/token`, {
    clientId: 'client-1',
    clientSecret: 'secret',
  });
  endpoints.push(endpoint);
  return new OAuthTokenSource({
    provider: 'salesforce',
    endpoint,
    clientId: 'client-1',
    refreshToken: 'rt-0',
    store: new RedisTokenStore(connection),
    sealer: new Sealer([KEY]),
    defaultLifetimeMs: 3_600_000,
    keyPrefix: `test:${prefix}:`,
    backoff: { initialMs: 5, maxMs: 20 },
    now: () => clock,
    ...overrides,
  });
}

beforeAll(async () => {
  redis = await startTestRedis();
  server = new TokenServer();
  await server.start();
});

afterAll(async () => {
  await Promise.all(connections.map((c) => closeRedis(c)));
  await Promise.all(endpoints.map((e) => e.close()));
  await server.stop();
  await redis.stop();
});

beforeEach(() => {
  prefix += 1;
  server.calls = 0;
  server.validRefresh = 'rt-0';
  server.rotate = true;
  server.failures = [];
  server.issued = [];
  server.grants = [];
});

describe('OAuth token source across replicas (real Redis, real HTTP)', () => {
  it('two replicas asking at once make exactly one token call and share the token', async () => {
    const [a, b] = [await replica(), await replica()];
    const tokens = await Promise.all([...Array(20)].map((_, i) => (i % 2 ? a : b).current()));
    expect(server.calls).toBe(1);
    expect(new Set(tokens.map((t) => t.value))).toEqual(new Set(['at-1-secretvalue']));
    expect(tokens[0]?.instanceUrl).toBe('https://example.my.salesforce.com');
  });

  it('refreshes ahead of expiry once for both replicas, still handing out the old token meanwhile', async () => {
    const [a, b] = [await replica(), await replica()];
    const first = await a.current();
    await b.current();
    expect(server.calls).toBe(1);
    // 30 s before expiry: inside the refresh-ahead minute.
    clock = first.expiresAt - 30_000;
    const during = await Promise.all([a.current(), b.current(), a.current(), b.current()]);
    expect(during.every((t) => t.value === first.value)).toBe(true);
    // The background refreshes finish (one token call between them); both replicas then hold the new token.
    const settled = async (source: OAuthTokenSource) => {
      for (;;) {
        const token = await source.current();
        if (token.value !== first.value) return token;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const [ta, tb] = await Promise.all([settled(a), settled(b)]);
    expect(server.calls).toBe(2);
    expect(ta.value).toBe('at-2-secretvalue');
    expect(tb.value).toBe('at-2-secretvalue');
  });

  it('a 401 on both replicas at once (renew with the refused token) makes one token call; the rotated refresh token is used next', async () => {
    const [a, b] = [await replica(), await replica()];
    const first = await a.current();
    const renewed = await Promise.all([...Array(10)].map((_, i) => (i % 2 ? a : b).renew(first.value)));
    expect(server.calls).toBe(2);
    expect(new Set(renewed.map((t) => t.value))).toEqual(new Set(['at-2-secretvalue']));
    // The second grant used the refresh token the first one rotated to, read from Redis.
    expect(server.grants.map((g) => g.refreshToken)).toEqual(['rt-0', 'rt-1']);
    // b never called the endpoint, yet it can refresh next with the latest refresh token.
    await b.renew('at-2-secretvalue');
    expect(server.grants.map((g) => g.refreshToken)).toEqual(['rt-0', 'rt-1', 'rt-2']);
  });

  it('keeps tokens in Redis sealed: no token in clear, and another key cannot open them', async () => {
    const a = await replica();
    await a.current();
    await a.renew('at-1-secretvalue');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const keys = await client.keys(`test:${prefix}:*`);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) {
        const value = (await client.get(key)) ?? '';
        expect(value).not.toMatch(/at-\d|rt-\d/);
        expect(key).not.toMatch(/rt-\d/);
      }
      // Only the key the replicas share opens the access token; another key opens nothing.
      const accessKey = keys.find((k) => k.endsWith(':access')) ?? '';
      const sealed = (await client.get(accessKey)) ?? '';
      expect(new Sealer([KEY]).open(accessKey, sealed)).toContain('at-2-secretvalue');
      expect(new Sealer([Buffer.alloc(32, 9)]).open(accessKey, sealed)).toBeNull();
      // Bound to its slot: the same value read as the refresh token does not open.
      const refreshKey = accessKey.replace(/:access$/, ':refresh');
      expect(new Sealer([KEY]).open(refreshKey, sealed)).toBeNull();
    } finally {
      await client.close();
    }
  });

  it('retries a failing token endpoint with backoff, then succeeds', async () => {
    server.failures = [
      { status: 503, body: { error: 'temporarily_unavailable' } },
      { status: 500, body: {} },
    ];
    const a = await replica();
    const token = await a.current();
    expect(token.value).toBe('at-1-secretvalue');
    expect(server.calls).toBe(3);
    expect(a.health().state).toBe('ok');
  });

  it('a failed refresh is PROVIDER_UNAVAILABLE with reason auth, held so no replica herds the endpoint', async () => {
    server.failures = [...Array(3)].map(() => ({ status: 503, body: {} }));
    const [a, b] = [await replica(), await replica()];
    const error = await a.current().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, details: { reason: 'auth' } });
    expect(String((error as Error).message)).not.toMatch(/rt-|at-/);
    expect(server.calls).toBe(3);
    // Both replicas now fail fast, without a call, until the hold lapses.
    await expect(a.current()).rejects.toMatchObject({ details: { reason: 'auth' } });
    await expect(b.current()).rejects.toMatchObject({ details: { reason: 'auth' } });
    expect(server.calls).toBe(3);
    expect(a.health().state).toBe('refresh-failing');
    clock += 10_000;
    await expect(b.current()).resolves.toMatchObject({ value: 'at-1-secretvalue' });
    expect(server.calls).toBe(4);
    expect(b.health()).toEqual({ provider: 'salesforce', state: 'ok', since: null });
  });

  it('a revoked refresh token (invalid_grant) is a clear, non-retryable error and a revoked credential on every replica', async () => {
    server.validRefresh = 'something-else';
    const [a, b] = [await replica(), await replica()];
    await expect(a.current()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: false,
      providerCode: 'OAUTH_GRANT_REFUSED',
      details: { reason: 'auth', oauthError: 'invalid_grant' },
    });
    expect(server.calls).toBe(1);
    await expect(b.current()).rejects.toMatchObject({ providerCode: 'OAUTH_GRANT_REFUSED' });
    expect(server.calls).toBe(1);
    expect(a.health()).toMatchObject({ provider: 'salesforce', state: 'revoked' });
    expect(b.health()).toMatchObject({ provider: 'salesforce', state: 'revoked' });
  });
});
