import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { minorToDecimal } from '../../../datasources/money.js';
import { fromGlobalId, toGlobalId } from '../../../src/relay/global-ids.js';
import { CRMS, TEST_ANCHOR, startTestStack, type TestStack } from '../../support/stack.js';

const DAY = 86_400_000;
const until = new Date(Date.parse(TEST_ANCHOR));
const since = new Date(until.getTime() - 90 * DAY);

interface Bucket {
  start: string;
  end: string;
  revenue: Array<{ amount: string; currency: string }>;
  activeUsers: number;
  newCustomers: number;
}

describe.each(CRMS)('the rest of the schema over the sandbox (CRM: %s)', (crm) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({}, { crm });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('answers metrics by day over 90 days from all three providers, matching the data set', async () => {
    const res = await stack.query<{ metrics: { buckets: Bucket[] } }>(
      `query ($since: DateTime!, $until: DateTime!) { metrics(since: $since, until: $until, interval: DAY) {
        buckets { start end revenue { amount currency } activeUsers newCustomers } } }`,
      { since: since.toISOString(), until: until.toISOString() },
    );
    expect(res.errors).toBeUndefined();
    const buckets = res.data?.metrics.buckets ?? [];
    expect(buckets).toHaveLength(90);
    const { dataset } = stack;
    buckets.forEach((bucket, i) => {
      const from = since.getTime() + i * DAY;
      const to = from + DAY;
      expect(bucket.start).toBe(new Date(from).toISOString());
      expect(bucket.end).toBe(new Date(to).toISOString());
      const inBucket = (t: number) => t >= from && t < to;
      expect(bucket.newCustomers).toBe(dataset.contacts.filter((c) => inBucket(c.createdAt)).length);
      const people = new Set<number>();
      for (let r = 0; r < dataset.events.count; r++) {
        if (inBucket(dataset.events.timestamp[r] as number)) people.add(dataset.events.person[r] as number);
      }
      expect(bucket.activeUsers).toBe(people.size);
      const revenue = new Map<string, bigint>();
      for (const charge of dataset.charges) {
        if (charge.status !== 'succeeded' || !inBucket(Math.floor(charge.createdAt / 1000) * 1000)) continue;
        const currency = charge.currency.toUpperCase();
        revenue.set(currency, (revenue.get(currency) ?? 0n) + BigInt(charge.amount));
      }
      const expected = [...revenue.entries()]
        .map(([currency, minor]) => ({ amount: minorToDecimal({ minor, currency }), currency }))
        .sort((a, b) => a.currency.localeCompare(b.currency));
      expect([...bucket.revenue].sort((a, b) => a.currency.localeCompare(b.currency))).toEqual(expected);
    });
    expect(buckets.some((b) => b.revenue.length > 1)).toBe(true);
  });

  it('fetches every node type by global id, and several at once in order', async () => {
    const { dataset } = stack;
    const customer = dataset.customers[0];
    const charge = dataset.charges.find((c) => c.customer === 0);
    const invoice = dataset.invoices[0];
    const subscription = dataset.subscriptions[0];
    const ids = [
      toGlobalId('Customer', dataset.contacts[customer?.contact ?? 0]?.crmId as string),
      toGlobalId('Company', dataset.companies[3]?.crmId as string),
      toGlobalId('Deal', dataset.deals[5]?.crmId as string),
      toGlobalId('Payment', charge?.stripeId as string),
      toGlobalId('Invoice', invoice?.stripeId as string),
      toGlobalId('BillingSubscription', subscription?.stripeId as string),
      toGlobalId('Customer', '1'),
    ];
    const res = await stack.query<{ nodes: Array<{ __typename: string; id: string } | null> }>(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }',
      { ids },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.nodes.map((n) => n?.__typename ?? null)).toEqual([
      'Customer',
      'Company',
      'Deal',
      'Payment',
      'Invoice',
      'BillingSubscription',
      null,
    ]);
    expect(res.data?.nodes.slice(0, 6).map((n) => n?.id)).toEqual(ids.slice(0, 6));
  });

  it('fetches an analytics event again by its id', async () => {
    const contact = stack.dataset.contacts[0];
    const listed = await stack.query<{
      customer: { events: { edges: Array<{ node: { id: string; name: string } }> } };
    }>(
      'query ($email: String!) { customer(email: $email) { events(first: 1) { edges { node { id name } } } } }',
      { email: contact?.email },
    );
    const event = listed.data?.customer.events.edges[0]?.node;
    expect(event).toBeDefined();
    const again = await stack.query<{
      node: { __typename: string; name: string; customer: { email: string } };
    }>(
      'query ($id: ID!) { node(id: $id) { __typename ... on AnalyticsEvent { name customer { email } } } }',
      { id: event?.id },
    );
    expect(again.errors).toBeUndefined();
    expect(again.data?.node).toEqual({
      __typename: 'AnalyticsEvent',
      name: event?.name,
      customer: { email: contact?.email },
    });
  });

  it('links a payment back to its customer and a deal to its customer and company', async () => {
    const { dataset } = stack;
    const charge = dataset.charges[10];
    const contact = dataset.contacts[dataset.customers[charge?.customer ?? 0]?.contact ?? 0];
    const deal = dataset.deals[7];
    const res = await stack.query<{
      payment: { customer: { email: string }; paymentMethod: { last4: string } };
      deal: { customer: { email: string }; company: { name: string } | null };
    }>(
      `query ($p: ID!, $d: ID!) {
        payment: node(id: $p) { ... on Payment { customer { email } paymentMethod { last4 } } }
        deal: node(id: $d) { ... on Deal { customer { email } company { name } } } }`,
      { p: toGlobalId('Payment', charge?.stripeId as string), d: toGlobalId('Deal', deal?.crmId as string) },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.payment.customer.email).toBe(contact?.email);
    expect(res.data?.payment.paymentMethod.last4).toBe(charge?.card.last4);
    expect(res.data?.deal.customer.email).toBe(dataset.contacts[deal?.contact ?? 0]?.email);
    expect(res.data?.deal.company?.name ?? null).toBe(dataset.companies[deal?.company ?? -1]?.name ?? null);
  });

  it('answers a customer by email with subscriptions, invoices, events and provider links', async () => {
    const { dataset } = stack;
    const sub = dataset.subscriptions.find((s) => s.status === 'active');
    const customer = dataset.customers[sub?.customer ?? 0];
    const contact = dataset.contacts[customer?.contact ?? 0];
    const res = await stack.query<{
      customer: {
        id: string;
        subscriptions: Array<{ status: string; quantity: number }>;
        invoices: { edges: Array<{ node: { number: string } }> };
        events: { edges: Array<{ node: { name: string; occurredAt: string } }> };
        links: Array<{ domain: string; provider: string; externalId: string }>;
      };
    }>(
      `query ($email: String!) { customer(email: $email) { id
        subscriptions { status quantity }
        invoices(first: 100) { edges { node { number } } }
        events(first: 3) { edges { node { name occurredAt } } }
        links { domain provider externalId } } }`,
      { email: contact?.email.toUpperCase() },
    );
    expect(res.errors).toBeUndefined();
    const got = res.data?.customer;
    expect(fromGlobalId(got?.id as string).id).toBe(contact?.crmId);
    const subs = dataset.subscriptions.filter((s) => s.customer === sub?.customer);
    expect(got?.subscriptions.map((s) => s.status).sort()).toEqual(
      subs.map((s) => s.status.toUpperCase()).sort(),
    );
    const invoices = dataset.invoices.filter((i) => i.customer === sub?.customer);
    expect(got?.invoices.edges.map((e) => e.node.number).sort()).toEqual(
      invoices.map((i) => i.number).sort(),
    );
    const times = got?.events.edges.map((e) => Date.parse(e.node.occurredAt)) ?? [];
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(got?.links).toEqual([
      { domain: 'CRM', provider: crm, externalId: contact?.crmId },
      { domain: 'PAYMENTS', provider: 'stripe', externalId: customer?.stripeId },
      { domain: 'ANALYTICS', provider: 'posthog', externalId: contact?.crmId },
    ]);
  });

  it('lists companies, deals by status, payments and invoices at the top level', async () => {
    const { dataset } = stack;
    const res = await stack.query<{
      companies: { edges: Array<{ node: { name: string } }> };
      deals: { totalCount: number };
      payments: { edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean } };
      invoices: { edges: Array<{ node: { id: string } }> };
    }>(`{ companies(first: 5) { edges { node { name } } } deals(first: 1, status: WON) { totalCount }
      payments(first: 3) { edges { node { id } } pageInfo { hasNextPage } } invoices(first: 2) { edges { node { id } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.companies.edges.map((e) => e.node.name)).toEqual(
      dataset.companies.slice(0, 5).map((c) => c.name),
    );
    expect(res.data?.deals.totalCount).toBe(dataset.deals.filter((d) => d.stage === 'closedwon').length);
    expect(res.data?.payments.edges).toHaveLength(3);
    expect(res.data?.payments.pageInfo.hasNextPage).toBe(true);
    expect(res.data?.invoices.edges).toHaveLength(2);
  });

  it('reports the providers in sandbox mode with their recent health', async () => {
    const res = await stack.query<{
      providers: Array<{ domain: string; name: string; mode: string; errorRate: number }>;
    }>('{ providers { domain name mode circuit errorRate latencyP50Ms latencyP95Ms } }');
    expect(res.data?.providers.map((p) => [p.domain, p.name, p.mode])).toEqual([
      ['CRM', crm, 'SANDBOX'],
      ['PAYMENTS', 'stripe', 'SANDBOX'],
      ['ANALYTICS', 'posthog', 'SANDBOX'],
    ]);
    for (const p of res.data?.providers ?? []) expect(p.errorRate).toBe(0);
  });
});
