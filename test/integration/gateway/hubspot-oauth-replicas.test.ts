import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_HUBSPOT_APP } from '../../../sandbox/hubspot/index.js';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { TEST_ANCHOR, TEST_SEED, postQuery, startTestConcord } from '../../support/stack.js';

/**
 * HubSpot as an OAuth app (issue 17 §3): two gateways share one Redis and one HubSpot twin. Their
 * access tokens come from the twin's `POST /oauth/v1/token` (refresh-token grant) and are shared
 * sealed through Redis: cold starts and an expiry under load each cost exactly one token call, and
 * no request fails. A revoked install is PROVIDER_UNAVAILABLE with reason auth, and /readyz says so.
 */

const TOKEN = 'POST /oauth/v1/token';
const COMPANIES = 'query ($n: Int!) { companies(first: $n) { edges { node { name } } } }';

describe('HubSpot OAuth app across two gateways', () => {
  let redis: TestRedis;
  let sandbox: RunningSandbox;
  let gateways: Concord[];

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    const env = {
      HUBSPOT_BASE_URL: sandbox.urls.hubspot,
      HUBSPOT_CLIENT_ID: DEFAULT_HUBSPOT_APP.clientId,
      HUBSPOT_CLIENT_SECRET: DEFAULT_HUBSPOT_APP.clientSecret,
      HUBSPOT_REFRESH_TOKEN: DEFAULT_HUBSPOT_APP.refreshToken,
      STRIPE_SECRET_KEY: sandbox.credentials.stripeSecretKey,
      STRIPE_BASE_URL: sandbox.urls.stripe,
      POSTHOG_API_KEY: sandbox.credentials.posthogApiKey,
      POSTHOG_PROJECT_ID: String(sandbox.credentials.posthogProjectId),
      POSTHOG_HOST: sandbox.urls.posthog,
      REDIS_URL: redis.url,
      OAUTH_TOKEN_KEYS: 'cd'.repeat(32),
      // Every query reaches HubSpot, and nothing but the token's expiry holds it back.
      CACHE: 'false',
      HUBSPOT_QUOTA: 'off',
    };
    gateways = await Promise.all([startTestConcord(env), startTestConcord(env)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((gateways ?? []).map((g) => g.stop()));
    await sandbox?.stop();
    await redis?.stop();
  });

  const companies = (g: Concord, n: number) =>
    postQuery<{ companies: { edges: unknown[] } }>(g.gateway, COMPANIES, { n });
  const tokenCalls = () => sandbox.counters.snapshot().byEndpoint.hubspot[TOKEN] ?? 0;

  it('runs live against the app: both cold gateways share one token, and an expiry under load costs one refresh', async () => {
    expect(gateways.every((g) => g.connected.mode === 'live')).toBe(true);
    // Counted from the sandbox's start: both gateways' start-up checks (the write-key property) need the token too.
    const cold = await Promise.all(gateways.map((g) => companies(g, 2)));
    for (const res of cold) expect(res.errors).toBeUndefined();
    expect(tokenCalls()).toBe(1);

    sandbox.counters.reset();
    let failures = 0;
    let done = 0;
    let stop = false;
    const worker = async (g: Concord, n: number) => {
      while (!stop) {
        const res = await companies(g, 1 + (n % 5));
        if (res.errors || !res.data) failures += 1;
        else done += 1;
      }
    };
    const workers = [...Array(12)].map((_, n) => worker(gateways[n % 2] as Concord, n));
    while (done < 60) await new Promise((r) => setTimeout(r, 5));
    // As 30 minutes passing would: every access token HubSpot issued stops working at once.
    sandbox.hubspot.expireAccessTokens();
    const after = done;
    while (done < after + 120) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await Promise.all(workers);

    const snapshot = sandbox.counters.snapshot();
    expect(failures).toBe(0);
    expect(snapshot.byEndpoint.hubspot[TOKEN]).toBe(1);
    // The expired token was refused (EXPIRED_AUTHENTICATION) before the one refresh replaced it.
    expect(snapshot.byStatus.hubspot['401']).toBeGreaterThanOrEqual(1);
  });

  it('a revoked install: the CRM fields fail with reason auth, one grant attempt in all, and /readyz names HubSpot', async () => {
    sandbox.hubspot.revokeRefreshTokens();
    sandbox.counters.reset();
    const [a, b] = gateways as [Concord, Concord];
    const first = await companies(a, 1);
    expect(first.errors?.[0]).toMatchObject({
      extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'hubspot', retryable: false, reason: 'auth' },
    });
    expect(JSON.stringify(first.errors)).not.toMatch(/na1-|refresh_token|invalid_grant/);
    // The other gateway fails fast on the note the first left in Redis: no second grant.
    const second = await companies(b, 1);
    expect(second.errors?.[0]?.extensions).toMatchObject({ provider: 'hubspot', reason: 'auth' });
    expect(tokenCalls()).toBe(1);
    for (const g of gateways) {
      const ready = await fetch(new URL('/readyz', g.gateway.url));
      expect(await ready.json()).toMatchObject({
        status: 'degraded',
        unavailable: ['hubspot'],
        credentials: { hubspot: 'revoked' },
      });
    }
  });
});
