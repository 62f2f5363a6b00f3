import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import {
  CUSTOMERS_AND_PAYMENT,
  WINDOW,
  errorKinds,
  paymentVariables,
  startResilienceStack,
  type CustomersAndPayment,
  type ResilienceStack,
} from './support.js';
import { CRMS } from '../../support/stack.js';

const ACTIVITY = /* GraphQL */ `
  query Activity($since: DateTime!, $until: DateTime!) {
    customers(first: 3) {
      edges {
        node {
          name
          activity(since: $since, until: $until) {
            eventCount
          }
        }
      }
    }
  }
`;

type Activity = {
  customers: { edges: Array<{ node: { name: string | null; activity: { eventCount: number } | null } }> };
};

/** The sandbox's PostHog sends `Retry-After: 1` for a one-second window. */
const RETRY_AFTER_MS = 1_000;
const RETRIES = 2;

describe('a 429 storm from PostHog', () => {
  let stack: ResilienceStack | undefined;

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  async function storm(deadlineMs: number): Promise<ResilienceStack> {
    const started = await startResilienceStack({
      REQUEST_DEADLINE_MS: String(deadlineMs),
      POSTHOG_RETRIES: String(RETRIES),
      // Default circuit settings, but judged after a few calls: were 429s counted, it would open.
      POSTHOG_CIRCUIT_MIN_CALLS: '2',
    });
    started.sandbox.knobs.set('posthog', { rateLimit: { limit: 0, windowMs: 1_000 } });
    started.sandbox.counters.reset();
    return started;
  }

  function expectAnalyticsRateLimited(res: { data?: Activity | null; errors?: unknown }, names: number) {
    const edges = (res.data as Activity).customers.edges;
    expect(edges).toHaveLength(names);
    for (const { node } of edges) {
      expect(node.name).not.toBeNull();
      expect(node.activity).toBeNull();
    }
  }

  it('waits the Retry-After between attempts and stops at the configured retries', async () => {
    stack = await storm(4_000);
    const { res, ms } = await stack.timed<Activity>(ACTIVITY, WINDOW);
    expect(errorKinds(res.errors)).toEqual(['PROVIDER_RATE_LIMITED/posthog']);
    expectAnalyticsRateLimited(res, 3);
    const posthog = stack.sandbox.counters.snapshot();
    // One query, its retries, and nothing more: the storm does not multiply upstream calls.
    expect(posthog.total.posthog).toBe(1 + RETRIES);
    expect(posthog.byStatus.posthog).toEqual({ '429': 1 + RETRIES });
    // No retry came before its Retry-After.
    expect(ms).toBeGreaterThanOrEqual(RETRIES * RETRY_AFTER_MS);
  });

  it('does not retry at all when the Retry-After is longer than the time left', async () => {
    stack = await storm(800);
    const before = stack.concord.connected.policies.state('posthog');
    const res = await stack.query<Activity>(ACTIVITY, WINDOW);
    expect(errorKinds(res.errors)).toEqual(['PROVIDER_RATE_LIMITED/posthog']);
    expectAnalyticsRateLimited(res, 3);
    expect(stack.sandbox.counters.snapshot().total.posthog).toBe(1);
    // It fails at once with the 429 rather than sleeping to the deadline: no retry, no deadline reached.
    const after = stack.concord.connected.policies.state('posthog');
    expect(after.retries - before.retries).toBe(0);
    expect(after.rejected.deadline - before.rejected.deadline).toBe(0);
  });
});

describe('a long 429 storm', () => {
  let stack: ResilienceStack | undefined;

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers PROVIDER_RATE_LIMITED with what is left of the wait PostHog asked for, every time, and never opens the circuit', async () => {
    // The deadline leaves no room for the 1 s Retry-After: one call per query, each a 429.
    stack = await startResilienceStack({
      REQUEST_DEADLINE_MS: '800',
      POSTHOG_CIRCUIT_MIN_CALLS: '2',
    });
    stack.sandbox.knobs.set('posthog', { rateLimit: { limit: 0, windowMs: 1_000 } });
    stack.sandbox.counters.reset();
    const QUERIES = 8;
    for (let i = 0; i < QUERIES; i++) {
      const res = await stack.query<Activity>(ACTIVITY, WINDOW);
      expect(errorKinds(res.errors)).toEqual(['PROVIDER_RATE_LIMITED/posthog']);
      for (const error of res.errors ?? []) {
        // The provider's own wait, or (while the quota holds calls back for it) what is left of it.
        expect(error.extensions).toMatchObject({ retryable: true });
        expect(error.extensions?.retryAfterMs).toBeGreaterThan(0);
        expect(error.extensions?.retryAfterMs).toBeLessThanOrEqual(RETRY_AFTER_MS);
      }
    }
    // Only 429s, and no more calls than queries: a 429 holds the next calls back for its wait.
    const counters = stack.sandbox.counters.snapshot();
    expect(Object.keys(counters.byStatus.posthog ?? {})).toEqual(['429']);
    expect(counters.total.posthog).toBeGreaterThanOrEqual(1);
    expect(counters.total.posthog).toBeLessThanOrEqual(QUERIES);
    expect(stack.concord.connected.policies.state('posthog')).toMatchObject({
      circuit: 'CLOSED',
      rejected: { circuitOpen: 0 },
    });
  });
});

/** How each CRM says a caller is over its limit: HubSpot a 429, Salesforce 403 REQUEST_LIMIT_EXCEEDED. */
const LIMIT_STATUS = { hubspot: '429', salesforce: '403' } as const;

describe.each(CRMS)('the CRM (%s) over its rate limit', (crm) => {
  let stack: ResilienceStack | undefined;

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers PROVIDER_RATE_LIMITED for the CRM fields only, every time, and never opens its circuit', async () => {
    // The deadline leaves no room for HubSpot's 1 s Retry-After; Salesforce sends none to wait for.
    stack = await startResilienceStack(
      { REQUEST_DEADLINE_MS: '800', [`${crm.toUpperCase()}_CIRCUIT_MIN_CALLS`]: '2' },
      { crm },
    );
    const variables = paymentVariables(stack.sandbox);
    const baseline = await stack.query<CustomersAndPayment>(CUSTOMERS_AND_PAYMENT, variables);
    expect(baseline.errors).toBeUndefined();
    expect(baseline.data?.node).not.toBeNull();

    stack.sandbox.knobs.set(crm, { rateLimit: { limit: 0, windowMs: 1_000 } });
    stack.sandbox.counters.reset();
    const QUERIES = 6;
    for (let i = 0; i < QUERIES; i++) {
      const res = await stack.query<CustomersAndPayment>(CUSTOMERS_AND_PAYMENT, variables);
      expect(errorKinds(res.errors)).toEqual([`PROVIDER_RATE_LIMITED/${crm}`]);
      expect(res.data?.customers).toBeNull();
      expect(res.data?.node).toEqual(baseline.data?.node);
    }
    // Only the CRM's over-the-limit answers, no more calls than queries, and the circuit stays closed.
    const counters = stack.sandbox.counters.snapshot();
    expect(Object.keys(counters.byStatus[crm])).toEqual([LIMIT_STATUS[crm]]);
    expect(counters.total[crm]).toBeGreaterThanOrEqual(1);
    expect(counters.total[crm]).toBeLessThanOrEqual(QUERIES);
    expect(stack.concord.connected.policies.state(crm)).toMatchObject({
      circuit: 'CLOSED',
      rejected: { circuitOpen: 0 },
    });
  });
});
