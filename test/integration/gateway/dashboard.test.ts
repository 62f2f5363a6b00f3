import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { minorToDecimal } from '../../../datasources/money.js';
import type { ChargeRecord, ContactRecord, Dataset } from '../../../sandbox/data/dataset.js';
import type { TwinName } from '../../../sandbox/index.js';
import { DASHBOARD_QUERY as DASHBOARD } from '../../support/dashboard.js';
import {
  CRMS,
  TEST_ANCHOR,
  stageLabel,
  startTestStack,
  type CrmName,
  type TestStack,
} from '../../support/stack.js';

const DAY = 86_400_000;
const until = new Date(Date.parse(TEST_ANCHOR));
const since = new Date(until.getTime() - 30 * DAY);

interface DashboardCustomer {
  name: string | null;
  email: string | null;
  company: { name: string; domain: string } | null;
  deals: {
    totalCount: number;
    edges: Array<{ node: { name: string; stage: string; amount: { amount: string; currency: string } } }>;
  };
  payments: {
    edges: Array<{
      node: { amount: { amount: string; currency: string }; status: string; createdAt: string };
    }>;
  };
  lifetimeValue: { amount: string; currency: string } | null;
  activity: { eventCount: number; activeDays: number; lastSeenAt: string | null };
}
type Dashboard = { customers: { edges: Array<{ node: DashboardCustomer }> } };

/** Stripe's list order: newest first, then by id. */
const newestFirst = (a: ChargeRecord, b: ChargeRecord) =>
  Math.floor(b.createdAt / 1000) - Math.floor(a.createdAt / 1000) || (a.stripeId < b.stripeId ? -1 : 1);

function paymentStatus(c: ChargeRecord): string {
  if (c.status === 'succeeded' && c.amountRefunded === c.amount) return 'REFUNDED';
  if (c.status === 'succeeded' && c.amountRefunded > 0) return 'PARTIALLY_REFUNDED';
  return c.status.toUpperCase();
}

/** What the dashboard must say about one contact, read from the sandbox's data set directly. */
function expectedCustomer(dataset: Dataset, index: number, crm: CrmName) {
  const contact = dataset.contacts[index] as ContactRecord;
  const company = contact.company >= 0 ? dataset.companies[contact.company] : undefined;
  const openDeals = dataset.deals.filter(
    (d) => d.contact === index && d.stage !== 'closedwon' && d.stage !== 'closedlost',
  );
  const customerIndex = dataset.customers.findIndex((c) => c.contact === index);
  const customer = dataset.customers[customerIndex];
  const charges = dataset.charges.filter((c) => c.customer === customerIndex).sort(newestFirst);
  const settled = charges.filter((c) => c.status === 'succeeded');
  const currency = customer?.currency.toUpperCase() ?? '';
  const ltv = settled.reduce((sum, c) => sum + BigInt(c.amount - c.amountRefunded), 0n);
  const events = dataset.events;
  const times: number[] = [];
  for (let k = events.personStart[index] as number; k < (events.personStart[index + 1] as number); k++) {
    const t = events.timestamp[events.byPerson[k] as number] as number;
    if (t >= since.getTime() && t < until.getTime()) times.push(t);
  }
  const money = (minor: number, cur: string) => ({
    amount: minorToDecimal({ minor: BigInt(minor), currency: cur }),
    currency: cur,
  });
  return {
    name: `${contact.firstName} ${contact.lastName}`,
    email: contact.email,
    company: company ? { name: company.name, domain: company.domain } : null,
    deals: {
      totalCount: openDeals.length,
      names: openDeals
        .map(
          (d) =>
            `${d.name}|${stageLabel(d.stage, crm)}|${money(d.amountMinor, d.currency.toUpperCase()).amount}`,
        )
        .sort(),
    },
    payments: charges.slice(0, 5).map((c) => ({
      amount: money(c.amount, currency),
      status: paymentStatus(c),
      createdAt: new Date(Math.floor(c.createdAt / 1000) * 1000).toISOString(),
    })),
    lifetimeValue:
      customer && settled.length > 0 ? { amount: minorToDecimal({ minor: ltv, currency }), currency } : null,
    activity: {
      eventCount: times.length,
      activeDays: new Set(times.map((t) => Math.floor(t / DAY))).size,
      lastSeenAt: times.length ? new Date(Math.max(...times)).toISOString() : null,
    },
  };
}

/**
 * The fewest upstream calls the providers' batch limits allow for the dashboard of contacts
 * 0..49, worked out from the data set:
 *   HubSpot:    1 contact list page + ⌈companies/100⌉ batch reads + ⌈contacts/1000⌉ contact→deal
 *               association reads + ⌈deals of those contacts/100⌉ deal batch reads.
 *   Salesforce: 1 SOQL query (each contact's account and opportunities come along as relationship
 *               fields and a child subquery), plus the first access token.
 *   Stripe:     ⌈contacts/10⌉ customer searches (10 OR-clauses each) + for each group of 10 customers
 *               found, ⌈their charges/100⌉ charge searches (at least 1).
 *   PostHog:    1 query for every contact's activity.
 */
function floorFor(dataset: Dataset, count: number, crm: CrmName): Partial<Record<TwinName, number>> {
  const indexes = [...Array(count).keys()];
  const companies = new Set(
    indexes.map((i) => dataset.contacts[i]?.company).filter((c) => c !== undefined && c >= 0),
  );
  const deals = dataset.deals.filter((d) => d.contact < count).length;
  const crmCalls =
    crm === 'hubspot'
      ? 1 + Math.ceil(companies.size / 100) + Math.ceil(count / 1000) + Math.ceil(deals / 100)
      : 2;
  const customers = indexes
    .map((i) => dataset.customers.findIndex((c) => c.contact === i))
    .filter((c) => c >= 0);
  let chargeSearches = 0;
  for (let g = 0; g < customers.length; g += 10) {
    const group = new Set(customers.slice(g, g + 10));
    const charges = dataset.charges.filter((c) => group.has(c.customer)).length;
    chargeSearches += Math.max(1, Math.ceil(charges / 100));
  }
  const stripe = Math.ceil(count / 10) + chargeSearches;
  return { [crm]: crmCalls, stripe, posthog: 1 };
}

describe.each(CRMS)('the dashboard query (CRM: %s)', (crm) => {
  let stack: TestStack;
  let unbatched: TestStack;

  beforeAll(async () => {
    // The cache is off here: these tests measure batching; test/integration/cache measures the cache.
    [stack, unbatched] = await Promise.all([
      startTestStack({ CACHE: 'false' }, { crm }),
      // Unbatched, the dashboard makes ~275 calls: more than one request's budget and the providers' pace.
      startTestStack(
        {
          BATCHING: 'false',
          CACHE: 'false',
          UPSTREAM_CALL_BUDGET: 'off',
          HUBSPOT_QUOTA: 'off',
          STRIPE_QUOTA: 'off',
          POSTHOG_QUOTA: 'off',
          SALESFORCE_QUOTA: 'off',
        },
        { crm },
      ),
    ]);
    // Two whole stacks (sandbox, Redis, gateway) start here: past jest's 30 s default on a loaded machine.
  }, 90_000);
  afterAll(async () => {
    await Promise.all([stack?.stop(), unbatched?.stop()]);
  });

  it('answers exactly what the sandbox data says, for all 50 customers', async () => {
    const res = await stack.query<Dashboard>(DASHBOARD, {
      first: 50,
      since: since.toISOString(),
      until: until.toISOString(),
    });
    expect(res.errors).toBeUndefined();
    const edges = res.data?.customers.edges ?? [];
    expect(edges).toHaveLength(50);
    edges.forEach(({ node }, i) => {
      const want = expectedCustomer(stack.dataset, i, crm);
      expect({
        name: node.name,
        email: node.email,
        company: node.company,
        deals: {
          totalCount: node.deals.totalCount,
          names: node.deals.edges.map((e) => `${e.node.name}|${e.node.stage}|${e.node.amount.amount}`).sort(),
        },
        payments: node.payments.edges.map((e) => e.node),
        lifetimeValue: node.lifetimeValue,
        activity: node.activity,
      }).toEqual(want);
    });
    // The data set must exercise every part of the answer, or the comparison above proves little.
    const nodes = edges.map((e) => e.node);
    expect(nodes.filter((n) => n.company).length).toBeGreaterThan(30);
    expect(nodes.filter((n) => n.deals.totalCount > 0).length).toBeGreaterThan(5);
    expect(nodes.filter((n) => n.payments.edges.length === 5).length).toBeGreaterThan(10);
    expect(nodes.filter((n) => n.lifetimeValue === null).length).toBeGreaterThan(0);
    expect(nodes.filter((n) => n.activity.eventCount > 0).length).toBeGreaterThan(10);
  });

  it('makes no more upstream calls than the floor, and batching saves at least 10 times', async () => {
    const variables = { first: 50, since: since.toISOString(), until: until.toISOString() };
    stack.sandbox.counters.reset();
    await stack.query(DASHBOARD, variables);
    const batched = stack.sandbox.counters.snapshot().total;
    const floor = floorFor(stack.dataset, 50, crm);
    for (const [twin, calls] of Object.entries(floor)) {
      expect([twin, batched[twin as TwinName]]).toEqual([twin, expect.any(Number)]);
      expect(batched[twin as TwinName]).toBeLessThanOrEqual(calls);
      expect(batched[twin as TwinName]).toBeGreaterThan(0);
    }
    // The CRM that is not chosen is never asked.
    expect(batched[crm === 'hubspot' ? 'salesforce' : 'hubspot']).toBe(0);

    unbatched.sandbox.counters.reset();
    const res = await unbatched.query(DASHBOARD, variables);
    expect(res.errors).toBeUndefined();
    const naive = unbatched.sandbox.counters.snapshot().total;
    const sum = (t: Record<TwinName, number>, twins: TwinName[]) => twins.reduce((n, twin) => n + t[twin], 0);
    // Salesforce's relationship query brings each contact's account and opportunities along, so its
    // CRM reads are one query with or without batching; batching merges the other providers' calls.
    const merged: TwinName[] = crm === 'hubspot' ? ['hubspot', 'stripe', 'posthog'] : ['stripe', 'posthog'];
    if (crm === 'salesforce') {
      const queries = unbatched.sandbox.counters.snapshot().byEndpoint.salesforce;
      expect(queries['GET /services/data/{version}/query']).toBe(1);
    }
    expect(sum(naive, merged)).toBeGreaterThanOrEqual(10 * sum(batched, merged));
  });
});
