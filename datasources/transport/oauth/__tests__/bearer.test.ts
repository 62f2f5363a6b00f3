import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { TokenServer } from '../../../../test/support/oauth-token-server.js';
import { ProviderHttpClient } from '../../http-client.js';
import { ProviderPolicy } from '../../policy.js';
import { refreshingBearer } from '../bearer.js';
import { createOAuthTokenSource } from '../create.js';

/** OAuth bearer auth for a fixed-origin provider (HubSpot OAuth apps), over real HTTP. */
describe('refreshing bearer', () => {
  let server: TokenServer;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    server = new TokenServer();
    await server.start();
  });

  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await server.stop();
  });

  function client() {
    const { tokens, close } = createOAuthTokenSource(
      {
        provider: 'hubspot',
        tokenUrl: `${server.url}/services/oauth2/token`,
        clientId: 'client-1',
        clientSecret: 'secret',
        refreshToken: server.validRefresh,
        defaultLifetimeMs: 1_800_000,
      },
      { timeoutMs: 5_000 },
    );
    const policy = new ProviderPolicy({
      provider: 'hubspot',
      retries: 2,
      circuitThreshold: 0.5,
      circuitWindowMs: 10_000,
      circuitMinCalls: 100,
      circuitHalfOpenMs: 1_000,
      concurrency: 8,
      queue: 100,
    });
    const http = new ProviderHttpClient({
      provider: 'hubspot',
      baseUrl: server.url,
      authHeaders: () => ({}),
      policy: refreshingBearer(tokens, policy),
    });
    closers.push(close, () => http.close());
    return { http, tokens };
  }

  const get = (http: ProviderHttpClient) =>
    http.request({
      method: 'GET',
      path: '/resource',
      endpoint: 'GET /resource',
      schema: z.object({ ok: z.literal(true) }),
    });

  it('sends the current token, and on a 401 renews it once for all concurrent callers and tries again', async () => {
    const { http, tokens } = client();
    const first = await Promise.all([...Array(10)].map(() => get(http)));
    expect(first.every((r) => r.status === 200)).toBe(true);
    expect(server.calls).toBe(1);

    // Every token issued so far is refused now, as an expired one is.
    server.expireAll();
    const refusedBefore = server.refused;
    const second = await Promise.all([...Array(20)].map(() => get(http)));
    expect(second.every((r) => r.status === 200)).toBe(true);
    expect(server.calls).toBe(2);
    expect(server.refused - refusedBefore).toBeGreaterThanOrEqual(1);
    expect(tokens.health().state).toBe('ok');
  });

  it('a refused refresh token fails the request with reason auth, after one token call', async () => {
    const { http, tokens } = client();
    await get(http);
    const calls = server.calls;
    server.expireAll();
    server.validRefresh = 'revoked-elsewhere';
    await expect(get(http)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: false,
      details: { reason: 'auth', oauthError: 'invalid_grant' },
    });
    await expect(get(http)).rejects.toMatchObject({ details: { reason: 'auth' } });
    expect(server.calls).toBe(calls + 1);
    expect(tokens.health().state).toBe('revoked');
  });
});
