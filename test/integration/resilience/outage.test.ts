import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { WINDOW, errorKinds, startResilienceStack, type ResilienceStack } from './support.js';

const CUSTOMERS = /* GraphQL */ `
  query Customers($since: DateTime!, $until: DateTime!) {
    customers(first: 5) {
      edges {
        node {
          id
          name
          company {
            name
          }
          payments(first: 3) {
            edges {
              node {
                id
                status
              }
            }
          }
          lifetimeValue {
            amount
            currency
          }
          activity(since: $since, until: $until) {
            eventCount
          }
        }
      }
    }
  }
`;

interface Customer {
  id: string;
  name: string | null;
  company: { name: string } | null;
  payments: { edges: Array<{ node: { id: string; status: string } }> } | null;
  lifetimeValue: { amount: string; currency: string } | null;
  activity: { eventCount: number } | null;
}
type Customers = { customers: { edges: Array<{ node: Customer }> } };

/** The circuit judges the failure rate once this many Stripe calls are in its window. */
const MIN_CALLS = 3;
/** Long, so that the open circuit's checks never race it; the test moves the clock past it instead. */
const HALF_OPEN_MS = 60_000;
/** Queries it may take: the window still holds the healthy baseline's calls, which failures must outnumber. */
const MAX_QUERIES_TO_OPEN = 10;

/** The fields that do not come from Stripe. */
const crmAndAnalytics = ({ id, name, company, activity }: Customer) => ({ id, name, company, activity });

describe('Stripe down', () => {
  let stack: ResilienceStack;

  beforeAll(async () => {
    stack = await startResilienceStack({
      STRIPE_RETRIES: '1',
      RETRY_BASE_MS: '5',
      RETRY_MAX_MS: '20',
      STRIPE_CIRCUIT_THRESHOLD: '0.5',
      STRIPE_CIRCUIT_MIN_CALLS: String(MIN_CALLS),
      STRIPE_CIRCUIT_HALF_OPEN_MS: String(HALF_OPEN_MS),
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('nulls only the payment fields, opens the circuit, stops calling Stripe, and recovers', async () => {
    const baseline = await stack.query<Customers>(CUSTOMERS, WINDOW);
    expect(baseline.errors).toBeUndefined();
    const healthy = baseline.data?.customers.edges.map((e) => e.node) ?? [];
    expect(healthy.length).toBe(5);
    expect(healthy.some((c) => (c.payments?.edges.length ?? 0) > 0)).toBe(true);
    expect(await stack.circuits()).toEqual({ hubspot: 'CLOSED', stripe: 'CLOSED', posthog: 'CLOSED' });

    stack.sandbox.knobs.set('stripe', { outage: true });
    stack.sandbox.counters.reset();

    // Each query while Stripe is down answers everything else and nulls the payment fields.
    const check = async () => {
      const res = await stack.query<Customers>(CUSTOMERS, WINDOW);
      expect(errorKinds(res.errors)).toEqual(['PROVIDER_UNAVAILABLE/stripe']);
      const nodes = res.data?.customers.edges.map((e) => e.node) ?? [];
      expect(nodes.map(crmAndAnalytics)).toEqual(healthy.map(crmAndAnalytics));
      for (const node of nodes) {
        expect(node.payments).toBeNull();
        expect(node.lifetimeValue).toBeNull();
      }
    };

    let queries = 0;
    while ((await stack.circuits()).stripe !== 'OPEN') {
      await check();
      queries += 1;
      expect(queries).toBeLessThanOrEqual(MAX_QUERIES_TO_OPEN);
    }
    // Each failed call was tried twice at most (one retry), then counted once by the circuit.
    const whileOpening = stack.sandbox.counters.snapshot();
    expect(whileOpening.total.stripe).toBeGreaterThanOrEqual(MIN_CALLS);
    expect(Object.keys(whileOpening.byStatus.stripe)).toEqual(['503']);
    expect(await stack.circuits()).toEqual({ hubspot: 'CLOSED', stripe: 'OPEN', posthog: 'CLOSED' });

    // Open: the same queries fail fast without one call to Stripe, even once Stripe is back.
    stack.sandbox.counters.reset();
    await check();
    await check();
    stack.sandbox.knobs.set('stripe', { outage: false });
    await check();
    expect(stack.sandbox.counters.snapshot().total.stripe).toBe(0);

    // After the half-open wait (the clock moved on past it, not waited for), the next query probes
    // Stripe, closes the circuit, and pays again.
    const realNow = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + HALF_OPEN_MS);
    let recovered;
    try {
      recovered = await stack.query<Customers>(CUSTOMERS, WINDOW);
    } finally {
      clock.mockRestore();
    }
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data).toEqual(baseline.data);
    expect(stack.sandbox.counters.snapshot().total.stripe).toBeGreaterThan(0);
    expect(await stack.circuits()).toEqual({ hubspot: 'CLOSED', stripe: 'CLOSED', posthog: 'CLOSED' });
  });
});
