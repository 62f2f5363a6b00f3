import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { WINDOW, errorKinds, startResilienceStack, type ResilienceStack } from './support.js';
import { CRMS } from '../../support/stack.js';

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

/** Settings that open `provider`'s circuit after a few failed calls and keep it open for the test. */
const quickCircuit = (provider: string) => {
  const name = provider.toUpperCase();
  return {
    [`${name}_RETRIES`]: '1',
    RETRY_BASE_MS: '5',
    RETRY_MAX_MS: '20',
    [`${name}_CIRCUIT_THRESHOLD`]: '0.5',
    [`${name}_CIRCUIT_MIN_CALLS`]: String(MIN_CALLS),
    [`${name}_CIRCUIT_HALF_OPEN_MS`]: String(HALF_OPEN_MS),
  };
};

/** Runs `query` with the clock moved past the half-open wait (not waited for). */
async function pastHalfOpen<T>(query: () => Promise<T>): Promise<T> {
  const realNow = Date.now.bind(Date);
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + HALF_OPEN_MS);
  try {
    return await query();
  } finally {
    clock.mockRestore();
  }
}

describe.each(CRMS)('Stripe down (CRM %s)', (crm) => {
  let stack: ResilienceStack;
  const allClosed = { [crm]: 'CLOSED', stripe: 'CLOSED', posthog: 'CLOSED' };

  beforeAll(async () => {
    stack = await startResilienceStack(quickCircuit('stripe'), { crm });
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
    expect(await stack.circuits()).toEqual(allClosed);

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
    expect(await stack.circuits()).toEqual({ ...allClosed, stripe: 'OPEN' });

    // Open: the same queries fail fast without one call to Stripe, even once Stripe is back.
    stack.sandbox.counters.reset();
    await check();
    await check();
    stack.sandbox.knobs.set('stripe', { outage: false });
    await check();
    expect(stack.sandbox.counters.snapshot().total.stripe).toBe(0);

    // After the half-open wait (the clock moved on past it, not waited for), the next query probes
    // Stripe, closes the circuit, and pays again.
    const recovered = await pastHalfOpen(() => stack.query<Customers>(CUSTOMERS, WINDOW));
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data).toEqual(baseline.data);
    expect(stack.sandbox.counters.snapshot().total.stripe).toBeGreaterThan(0);
    expect(await stack.circuits()).toEqual(allClosed);
  });
});

const CRM_AND_METRICS = /* GraphQL */ `
  query CrmAndMetrics($since: DateTime!, $until: DateTime!) {
    customers(first: 5) {
      edges {
        node {
          id
          name
        }
      }
    }
    metrics(since: $since, until: $until, interval: WEEK) {
      buckets {
        start
        revenue {
          amount
          currency
        }
        activeUsers
        newCustomers
      }
    }
  }
`;

interface Bucket {
  start: string;
  revenue: Array<{ amount: string; currency: string }> | null;
  activeUsers: number | null;
  newCustomers: number | null;
}
type CrmAndMetrics = {
  customers: { edges: Array<{ node: { id: string; name: string | null } }> } | null;
  metrics: { buckets: Bucket[] } | null;
};

/** The columns of a metrics bucket that do not come from the CRM. */
const paymentsAndAnalytics = ({ start, revenue, activeUsers }: Bucket) => ({ start, revenue, activeUsers });

describe.each(CRMS)('the CRM (%s) down', (crm) => {
  let stack: ResilienceStack;
  const allClosed = { [crm]: 'CLOSED', stripe: 'CLOSED', posthog: 'CLOSED' };

  beforeAll(async () => {
    stack = await startResilienceStack(quickCircuit(crm), { crm });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('nulls only the CRM fields, opens its circuit, stops calling it, and recovers', async () => {
    const baseline = await stack.query<CrmAndMetrics>(CRM_AND_METRICS, WINDOW);
    expect(baseline.errors).toBeUndefined();
    expect(baseline.data?.customers?.edges).toHaveLength(5);
    const buckets = baseline.data?.metrics?.buckets ?? [];
    expect(buckets.length).toBeGreaterThan(0);
    expect(buckets.some((b) => (b.newCustomers ?? 0) > 0)).toBe(true);
    expect(await stack.circuits()).toEqual(allClosed);

    stack.sandbox.knobs.set(crm, { outage: true });
    stack.sandbox.counters.reset();

    // Each query while the CRM is down nulls the customers and the new-customer counts, and
    // answers the payment and analytics columns as before.
    const check = async () => {
      const res = await stack.query<CrmAndMetrics>(CRM_AND_METRICS, WINDOW);
      expect(errorKinds(res.errors)).toEqual([`PROVIDER_UNAVAILABLE/${crm}`]);
      expect(res.data?.customers).toBeNull();
      const answered = res.data?.metrics?.buckets ?? [];
      expect(answered.map(paymentsAndAnalytics)).toEqual(buckets.map(paymentsAndAnalytics));
      for (const bucket of answered) expect(bucket.newCustomers).toBeNull();
    };

    let queries = 0;
    while ((await stack.circuits())[crm] !== 'OPEN') {
      await check();
      queries += 1;
      expect(queries).toBeLessThanOrEqual(MAX_QUERIES_TO_OPEN);
    }
    const whileOpening = stack.sandbox.counters.snapshot();
    expect(whileOpening.total[crm]).toBeGreaterThanOrEqual(MIN_CALLS);
    expect(Object.keys(whileOpening.byStatus[crm])).toEqual(['503']);
    expect(await stack.circuits()).toEqual({ ...allClosed, [crm]: 'OPEN' });

    // Open: the same queries fail fast without one call to the CRM, even once it is back.
    stack.sandbox.counters.reset();
    await check();
    stack.sandbox.knobs.set(crm, { outage: false });
    await check();
    expect(stack.sandbox.counters.snapshot().total[crm]).toBe(0);

    // Past the half-open wait, the next query probes the CRM, closes the circuit and answers in full.
    const recovered = await pastHalfOpen(() => stack.query<CrmAndMetrics>(CRM_AND_METRICS, WINDOW));
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data).toEqual(baseline.data);
    expect(stack.sandbox.counters.snapshot().total[crm]).toBeGreaterThan(0);
    expect(await stack.circuits()).toEqual(allClosed);
  });
});
