import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import Stripe from 'stripe';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/index.js';

/** Limits are counted by this clock, so the windows never depend on how busy the machine is. */
let now = Date.UTC(2026, 10, 24, 12);
const advance = (ms: number): void => {
  now += ms;
};

let sandbox: RunningSandbox;
let plain: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 7,
    anchor: Date.UTC(2026, 10, 24),
    clock: () => now,
    knobs: {
      hubspot: { documentedLimits: true },
      stripe: { documentedLimits: true },
      posthog: { documentedLimits: true },
    },
  });
  plain = await startSandbox({ seed: 7, anchor: Date.UTC(2026, 10, 24), dataset: sandbox.dataset });
});

afterAll(async () => {
  await Promise.all([sandbox.stop(), plain.stop()]);
});

function stripeFor(s: RunningSandbox): Stripe {
  const { hostname, port } = new URL(s.urls.stripe);
  return new Stripe(s.credentials.stripeSecretKey, {
    host: hostname,
    port: Number(port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
}

const hubspot = (path: string, init: RequestInit = {}) =>
  fetch(`${sandbox.urls.hubspot}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}`,
      'content-type': 'application/json',
    },
  });

async function failure(promise: Promise<unknown>): Promise<{ code?: number; body?: unknown } & Error> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: number; body?: unknown } & Error;
  }
  throw new Error('expected the call to fail');
}

describe("each twin's documented limits (the knob npm start and npm run sandbox turn on)", () => {
  it('HubSpot search: 4 a second per token, its own 429 without policyName, outside the ten-secondly window', async () => {
    advance(60_000);
    const client = new Client({
      accessToken: sandbox.credentials.hubspotAccessToken,
      basePath: sandbox.urls.hubspot,
      numberOfApiCallRetries: 0,
    });
    for (let i = 0; i < 4; i++) await client.crm.contacts.searchApi.doSearch({ limit: 1 });
    const error = await failure(client.crm.contacts.searchApi.doSearch({ limit: 1 }));
    expect(error.code).toBe(429);
    const body = (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as unknown;
    expect(body).toEqual({
      status: 'error',
      message: 'You have reached your secondly limit.',
      correlationId: expect.any(String),
      category: 'RATE_LIMITS',
    });
    // A read is counted by the ten-secondly window, not search's.
    expect((await hubspot('/crm/v3/objects/contacts?limit=1')).status).toBe(200);
    advance(1000);
    await expect(client.crm.contacts.searchApi.doSearch({ limit: 1 })).resolves.toMatchObject({
      total: expect.any(Number),
    });
  });

  it('HubSpot: 190 requests per rolling 10 s, then TEN_SECONDLY_ROLLING', async () => {
    advance(60_000);
    for (let i = 0; i < 190; i++)
      expect((await hubspot('/crm/v3/objects/contacts?limit=1')).status).toBe(200);
    const over = await hubspot('/crm/v3/objects/contacts?limit=1');
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({ policyName: 'TEN_SECONDLY_ROLLING', errorType: 'RATE_LIMIT' });
    advance(10_000);
    expect((await hubspot('/crm/v3/objects/contacts?limit=1')).status).toBe(200);
  });

  it("HubSpot's daily limit: every call (search too) counted down in X-HubSpot-RateLimit-Daily-Remaining, afresh at UTC midnight", async () => {
    advance(60_000);
    const dailyRemaining = (response: Response): number =>
      Number(response.headers.get('x-hubspot-ratelimit-daily-remaining'));
    const first = dailyRemaining(await hubspot('/crm/v3/objects/contacts?limit=1'));
    expect(first).toBeLessThan(1_000_000);
    expect(dailyRemaining(await hubspot('/crm/v3/objects/contacts?limit=1'))).toBe(first - 1);
    const search = await hubspot('/crm/v3/objects/contacts/search', { method: 'POST', body: '{"limit":1}' });
    expect(search.status).toBe(200);
    expect(dailyRemaining(search)).toBe(first - 2);
    advance(86_400_000 - (now % 86_400_000));
    expect(dailyRemaining(await hubspot('/crm/v3/objects/contacts?limit=1'))).toBe(999_999);
  });

  it('Stripe test mode: 25 requests a second, then rate_limit that stripe-node does not retry', async () => {
    advance(60_000);
    const stripe = stripeFor(sandbox);
    for (let i = 0; i < 25; i++) await stripe.customers.list({ limit: 1 });
    const error = await failure(stripe.customers.list({ limit: 1 }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect((error as unknown as Stripe.errors.StripeError).headers?.['stripe-should-retry']).toBeUndefined();
    advance(1000);
    await expect(stripe.customers.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
  });

  it("PostHog: the team's HogQL throttle (120 an hour) answers DRF's throttled_error; capture is exempt", async () => {
    advance(2 * 3_600_000);
    const query = () =>
      fetch(`${sandbox.urls.posthog}/api/projects/${sandbox.credentials.posthogProjectId}/query/`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sandbox.credentials.posthogApiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          query: { kind: 'HogQLQuery', query: "SELECT count() FROM events WHERE event = 'none'" },
        }),
      });
    for (let i = 0; i < 120; i++) {
      expect((await query()).status).toBe(200);
      advance(1000); // one a second keeps the 240-a-minute burst limit out of it
    }
    const over = await query();
    expect(over.status).toBe(429);
    expect(await over.json()).toEqual({
      type: 'throttled_error',
      code: 'throttled',
      detail: expect.stringMatching(/^Request was throttled\. Expected available in \d+ seconds?\.$/),
      attr: null,
    });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    const capture = await fetch(`${sandbox.urls.posthog}/batch/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: sandbox.posthogProjectToken,
        batch: [{ event: 'x', distinct_id: 'y' }],
      }),
    });
    expect(capture.status).toBe(200);
  });

  it("is retried by @hubspot/api-client's own retry, which matches the secondly message", async () => {
    // Time stands still until the first 429 has been answered, then moves on a second: by the
    // client's retry (1 s later) the window has room again.
    let limited = (): boolean => false;
    const frozen = Date.UTC(2026, 10, 24, 12);
    const live = await startSandbox({
      dataset: sandbox.dataset,
      knobs: { hubspot: { documentedLimits: true } },
      clock: () => frozen + (limited() ? 1000 : 0),
    });
    limited = () => (live.counters.snapshot().byStatus.hubspot['429'] ?? 0) > 0;
    try {
      const retrying = new Client({
        accessToken: live.credentials.hubspotAccessToken,
        basePath: live.urls.hubspot,
        // The client counts attempts, not retries: 2 is one retry.
        numberOfApiCallRetries: 2,
      });
      const results = await Promise.all(
        Array.from({ length: 5 }, () => retrying.crm.contacts.searchApi.doSearch({ limit: 1 })),
      );
      expect(results).toHaveLength(5);
      const byStatus = live.counters.snapshot().byStatus.hubspot;
      expect(byStatus['429']).toBe(1);
      expect(byStatus['200']).toBe(5);
    } finally {
      await live.stop();
    }
  });

  it('stay off in a sandbox started without the knob (the default of startSandbox())', async () => {
    const stripe = stripeFor(plain);
    for (let i = 0; i < 30; i++) await stripe.customers.list({ limit: 1 });
    expect(plain.knobs.get('stripe').documentedLimits).toBe(false);
  });
});
