import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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
          company {
            name
          }
          activity(since: $since, until: $until) {
            eventCount
          }
        }
      }
    }
  }
`;

type Activity = {
  customers: {
    edges: Array<{
      node: {
        name: string | null;
        company: { name: string } | null;
        activity: { eventCount: number } | null;
      };
    }>;
  };
};

// Generous enough that a cold first query on a loaded 2-core CI machine fits well inside it.
const DEADLINE_MS = 2_000;
const LATENCY_MS = 6_000;

describe.each(CRMS)('a provider slower than the request deadline (CRM %s)', (crm) => {
  let stack: ResilienceStack;

  beforeAll(async () => {
    stack = await startResilienceStack({ REQUEST_DEADLINE_MS: String(DEADLINE_MS) }, { crm });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('ends the request at the deadline, with that provider null and the rest answered', async () => {
    const baseline = await stack.query<Activity>(ACTIVITY, WINDOW);
    expect(baseline.errors).toBeUndefined();

    stack.sandbox.knobs.set('posthog', { latencyMs: LATENCY_MS });
    stack.sandbox.counters.reset();
    const before = stack.concord.connected.policies.state('posthog');
    const { res, ms } = await stack.timed<Activity>(ACTIVITY, WINDOW);

    expect(errorKinds(res.errors)).toEqual(['PROVIDER_UNAVAILABLE/posthog']);
    const nodes = res.data?.customers.edges.map((e) => e.node) ?? [];
    const expected = baseline.data?.customers.edges.map((e) => e.node) ?? [];
    expect(nodes.map(({ name, company }) => ({ name, company }))).toEqual(
      expected.map(({ name, company }) => ({ name, company })),
    );
    for (const node of nodes) expect(node.activity).toBeNull();
    // The deadline, not the provider, ended it: not before the deadline (how soon after is bench/chaos's).
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    // One attempt, cut off by the deadline (so PostHog never finished answering it), and no retry.
    const after = stack.concord.connected.policies.state('posthog');
    expect(after.retries - before.retries).toBe(0);
    expect(after.rejected.deadline - before.rejected.deadline).toBe(1);
    expect(stack.sandbox.counters.snapshot().total.posthog).toBe(0);
  });
});

describe.each(CRMS)('the CRM (%s) slower than the request deadline', (crm) => {
  let stack: ResilienceStack;

  beforeAll(async () => {
    stack = await startResilienceStack({ REQUEST_DEADLINE_MS: String(DEADLINE_MS) }, { crm });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('ends the request at the deadline, with the CRM fields null and the payment answered', async () => {
    const variables = paymentVariables(stack.sandbox);
    const baseline = await stack.query<CustomersAndPayment>(CUSTOMERS_AND_PAYMENT, variables);
    expect(baseline.errors).toBeUndefined();
    expect(baseline.data?.customers?.edges).toHaveLength(3);
    expect(baseline.data?.node).not.toBeNull();

    stack.sandbox.knobs.set(crm, { latencyMs: LATENCY_MS });
    stack.sandbox.counters.reset();
    const before = stack.concord.connected.policies.state(crm);
    const { res, ms } = await stack.timed<CustomersAndPayment>(CUSTOMERS_AND_PAYMENT, variables);

    expect(errorKinds(res.errors)).toEqual([`PROVIDER_UNAVAILABLE/${crm}`]);
    expect(res.data?.customers).toBeNull();
    expect(res.data?.node).toEqual(baseline.data?.node);
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    // One attempt (the customer list), cut off by the deadline before the CRM answered, and no retry.
    const after = stack.concord.connected.policies.state(crm);
    expect(after.retries - before.retries).toBe(0);
    expect(after.rejected.deadline - before.rejected.deadline).toBe(1);
    expect(stack.sandbox.counters.snapshot().total[crm]).toBe(0);
  });
});
