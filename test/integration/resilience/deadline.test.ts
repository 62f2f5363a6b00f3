import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WINDOW, errorKinds, startResilienceStack, type ResilienceStack } from './support.js';

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

describe('a provider slower than the request deadline', () => {
  let stack: ResilienceStack;

  beforeAll(async () => {
    stack = await startResilienceStack({ REQUEST_DEADLINE_MS: String(DEADLINE_MS) });
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
