import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DASHBOARD_QUERY } from '../../support/dashboard.js';
import { scrape, total } from '../observability/support.js';
import { TEST_ANCHOR, startTestStack, type TestStack } from '../../support/stack.js';

/** `CRM_PROVIDER=salesforce` in sandbox mode: the gateway's dashboard answered from the Salesforce twin. */

const DAY = 86_400_000;
const until = new Date(Date.parse(TEST_ANCHOR));
const since = new Date(until.getTime() - 30 * DAY);

interface Customer {
  id: string;
  name: string | null;
  email: string | null;
  company: { name: string | null; domain: string | null } | null;
  deals: { edges: Array<{ node: { name: string | null; stage: string } }> };
  payments: { edges: unknown[] };
  activity: { eventCount: number };
}

describe('the dashboard with Salesforce as the CRM', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ CRM_PROVIDER: 'salesforce' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers customers, companies and open deals from the twin in one SOQL query (plus the first token), payments and activity linked', async () => {
    stack.sandbox.counters.reset();
    const body = await stack.query<{ customers: { edges: Array<{ node: Customer }> } }>(DASHBOARD_QUERY, {
      first: 50,
      since: since.toISOString(),
      until: until.toISOString(),
    });
    expect(body.errors ?? []).toEqual([]);
    const customers = body.data?.customers.edges.map((e) => e.node) ?? [];
    expect(customers).toHaveLength(50);
    const { dataset } = stack.sandbox;
    const byEmail = new Map(dataset.contacts.map((c) => [c.email, c]));
    for (const customer of customers) {
      const record = byEmail.get(customer.email ?? '');
      expect(record).toBeDefined();
      expect(customer.name).toBe(`${record?.firstName} ${record?.lastName}`);
      const company = record && record.company >= 0 ? dataset.companies[record.company] : undefined;
      expect(customer.company?.name ?? null).toBe(company?.name ?? null);
    }
    expect(customers.some((c) => c.deals.edges.length > 0)).toBe(true);
    // Stripe and PostHog carry the Salesforce contact ids in the sandbox's Salesforce mode.
    expect(customers.some((c) => c.payments.edges.length > 0)).toBe(true);
    expect(customers.some((c) => c.activity.eventCount > 0)).toBe(true);
    const calls = stack.sandbox.counters.snapshot().byEndpoint.salesforce;
    expect(calls).toEqual({
      'POST /services/oauth2/token': 1,
      'GET /services/data/{version}/query': 1,
    });
  });

  it("reports the org's API usage from Sforce-Limit-Info in /metrics, following each call", async () => {
    const usage = async (of: string) =>
      total(await scrape(stack.gateway), 'concord_provider_api_usage', { provider: 'salesforce', of });
    expect(await usage('allocation')).toBe(stack.sandbox.salesforce.settings.dailyApiRequests);
    const before = await usage('used');
    expect(before).toBeGreaterThan(0);
    stack.sandbox.counters.reset();
    // Filtered, so not from the cache: a page query and its COUNT() query, two data API calls.
    const email = stack.sandbox.dataset.contacts[5]?.email as string;
    const res = await stack.query(
      'query ($e: String) { customers(first: 1, filter: { email: $e }) { totalCount } }',
      { e: email },
    );
    expect(res.errors).toBeUndefined();
    const calls = stack.sandbox.counters.snapshot().byEndpoint.salesforce;
    expect(calls).toEqual({ 'GET /services/data/{version}/query': 2 });
    expect(await usage('used')).toBe(before + 2);
  });

  it('a revoked refresh token: the CRM fields fail with reason auth, and /readyz names Salesforce', async () => {
    stack.sandbox.salesforce.revokeRefreshTokens();
    stack.sandbox.salesforce.expireAccessTokens();
    const body = await stack.query(DASHBOARD_QUERY, {
      first: 5,
      since: since.toISOString(),
      until: until.toISOString(),
    });
    expect(body.errors?.[0]).toMatchObject({
      message: 'The CRM provider is unavailable.',
      extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'salesforce', retryable: false, reason: 'auth' },
    });
    expect(JSON.stringify(body.errors)).not.toMatch(/5Aep|refresh_token|invalid_grant/);
    const ready = await fetch(new URL('/readyz', stack.gateway.url));
    const readiness = (await ready.json()) as Record<string, unknown>;
    expect(readiness).toMatchObject({
      status: 'degraded',
      unavailable: ['salesforce'],
      credentials: { salesforce: 'revoked' },
    });
    expect(readiness.reasons).toEqual([
      expect.stringMatching(/^salesforce: its OAuth refresh token was refused/),
    ]);
  });
});
