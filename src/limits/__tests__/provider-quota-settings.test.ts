import { describe, expect, it } from '@jest/globals';
import { readConfig } from '../../config.js';
import { configProblems } from '../../../test/support/config.js';
import { DEFAULT_UPSTREAM_CALL_BUDGET, quotaPlan } from '../provider-quota-settings.js';

const LIVE = {
  HUBSPOT_ACCESS_TOKEN: 'pat-na1-test',
  POSTHOG_API_KEY: 'phx_test',
  POSTHOG_PROJECT_ID: '1',
  API_KEYS: `ci:${'a'.repeat(64)}:payments:read`,
};

describe('provider quota settings', () => {
  it('defaults to each provider’s documented limits, and the live Stripe limit for a live key', () => {
    const { providerQuotas } = readConfig({});
    expect(providerQuotas.upstreamCallBudget).toBe(DEFAULT_UPSTREAM_CALL_BUDGET);
    expect(providerQuotas.limits).toEqual({
      HUBSPOT_QUOTA: [{ limit: 190, windowMs: 10_000 }],
      HUBSPOT_SEARCH_QUOTA: [{ limit: 4, windowMs: 1_000 }],
      STRIPE_QUOTA: [{ limit: 25, windowMs: 1_000 }],
      STRIPE_SEARCH_QUOTA: [{ limit: 20, windowMs: 1_000 }],
      POSTHOG_QUOTA: [
        { limit: 240, windowMs: 60_000 },
        { limit: 2_400, windowMs: 3_600_000 },
      ],
      // An hour's share of a Salesforce org's daily allocation (it adopts Sforce-Limit-Info).
      SALESFORCE_QUOTA: [{ limit: 625, windowMs: 3_600_000 }],
    });
    const live = readConfig({ ...LIVE, STRIPE_SECRET_KEY: 'sk_live_abc' });
    expect(live.providerQuotas.limits.STRIPE_QUOTA).toEqual([{ limit: 100, windowMs: 1_000 }]);
  });

  it('reads windows, off, and the budget', () => {
    const { providerQuotas } = readConfig({
      STRIPE_QUOTA: '10/500ms,300/1m',
      HUBSPOT_SEARCH_QUOTA: 'off',
      UPSTREAM_CALL_BUDGET: 'off',
    });
    expect(providerQuotas.limits.STRIPE_QUOTA).toEqual([
      { limit: 10, windowMs: 500 },
      { limit: 300, windowMs: 60_000 },
    ]);
    expect(providerQuotas.limits.HUBSPOT_SEARCH_QUOTA).toEqual([]);
    expect(providerQuotas.upstreamCallBudget).toBeNull();
  });

  it('names every bad value on its own line', () => {
    expect(
      configProblems({
        STRIPE_QUOTA: '25 per second',
        POSTHOG_QUOTA: '0/1m',
        UPSTREAM_CALL_BUDGET: '0',
      }),
    ).toEqual([
      'UPSTREAM_CALL_BUDGET="0": must be at least 1',
      'STRIPE_QUOTA="25 per second": expected calls/window such as 25/1s or 240/1m,2400/1h, or off',
      'POSTHOG_QUOTA="0/1m": both numbers must be at least 1',
    ]);
  });

  it('puts search in its own class: HubSpot’s outside the ten-second window, Stripe’s inside the global one', () => {
    const settings = readConfig({}).providerQuotas;
    const hubspot = quotaPlan('hubspot', settings);
    const stripe = quotaPlan('stripe', settings);
    const classOf = (plan: typeof hubspot, endpoint: string) =>
      plan?.classes.find((c) => !c.matches || c.matches(endpoint));
    expect(classOf(hubspot, 'POST /crm/v3/objects/{objectType}/search')?.windows).toEqual(['search0']);
    expect(classOf(hubspot, 'POST /crm/v3/objects/{objectType}/batch/read')?.windows).toEqual(['api0']);
    expect(classOf(stripe, 'GET /v1/charges/search')?.windows).toEqual(['search0', 'api0']);
    expect(classOf(quotaPlan('posthog', settings), 'POST /i/v0/e/')?.windows).toEqual([]);
  });
});
