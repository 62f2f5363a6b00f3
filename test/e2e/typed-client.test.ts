import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { minorToDecimal } from '../../datasources/money.js';
import type { ContactRecord } from '../../sandbox/data/dataset.js';
import { createConcordClient, DOCUMENT_IDS } from '../../client/example.js';
import type { CustomerByEmailQuery, DashboardQuery, MetricsQuery } from '../../client/generated/graphql.js';
import type { RunningSandbox } from '../../sandbox/index.js';
import type { Concord } from '../../src/app.js';
import { toGlobalId } from '../../src/relay/global-ids.js';
import { TEST_ANCHOR, queryHeaders, startTestConcord } from '../support/stack.js';

/** Compile-time equality: the assignments below fail `npm run typecheck` if a type drifts. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const DAY = 86_400_000;

describe('the typed client (client/example.ts) against a live gateway', () => {
  let concord: Concord;
  let stack: { url: string; sandbox: RunningSandbox };
  /** The typed client as a frontend would make it, with the sandbox's development token. */
  let client: (options?: { persisted?: boolean }) => ReturnType<typeof createConcordClient>;

  beforeAll(async () => {
    concord = await startTestConcord();
    const sandbox = concord.connected.sandbox;
    if (!sandbox) throw new Error('this test runs against the sandbox');
    stack = { url: concord.gateway.url, sandbox };
    // The test gateway's full-scope token, as a signed-in frontend would send it.
    const headers = queryHeaders(concord.gateway);
    client = (options = {}) => createConcordClient(stack.url, { ...options, headers });
  });
  afterAll(async () => {
    await concord.stop();
  });

  it('runs the dashboard; its result type is the generated DashboardQuery', async () => {
    const api = client();
    const result = await api.dashboard({ first: 5, paymentsPerCustomer: 3 });
    const typed: Equals<typeof result, DashboardQuery> = true;
    expect(typed).toBe(true);

    const { dataset } = stack.sandbox;
    const edges = result.customers?.edges ?? [];
    expect(edges).toHaveLength(5);
    edges.forEach(({ node }, i) => {
      const contact = dataset.contacts[i] as ContactRecord;
      const name: string | null = node.name;
      expect(name).toBe(`${contact.firstName} ${contact.lastName}`);
      expect(node.email).toBe(contact.email);
      expect(node.id).toBe(toGlobalId('Customer', contact.crmId));
      expect(node.company?.name ?? null).toBe(
        contact.company >= 0 ? (dataset.companies[contact.company]?.name ?? null) : null,
      );
      const openDeals = dataset.deals.filter(
        (d) => d.contact === i && d.stage !== 'closedwon' && d.stage !== 'closedlost',
      );
      expect(node.deals?.totalCount).toBe(openDeals.length);
      expect(node.payments?.edges.length).toBeLessThanOrEqual(3);
    });
    expect(result.customers?.pageInfo.hasNextPage).toBe(true);
  });

  it('finds a customer by email, with the plans and provider links the data set says', async () => {
    const { dataset } = stack.sandbox;
    const customerIndex = dataset.customers.findIndex((c) =>
      dataset.subscriptions.some((s) => s.customer === dataset.customers.indexOf(c)),
    );
    const customer = dataset.customers[customerIndex];
    const contact = dataset.contacts[customer?.contact ?? -1] as ContactRecord;

    const result = await client().customerByEmail(contact.email);
    const typed: Equals<typeof result, CustomerByEmailQuery> = true;
    expect(typed).toBe(true);
    expect(result.customer?.email).toBe(contact.email);
    expect(result.customer?.jobTitle).toBe(contact.jobTitle);
    expect(result.customer?.createdAt).toBe(new Date(contact.createdAt).toISOString());
    const subscriptions = dataset.subscriptions.filter((s) => s.customer === customerIndex);
    expect(result.customer?.subscriptions?.map((s) => s.id).sort()).toEqual(
      subscriptions.map((s) => toGlobalId('BillingSubscription', s.stripeId)).sort(),
    );
    expect(result.customer?.links).toEqual(
      expect.arrayContaining([
        { domain: 'CRM', provider: 'hubspot', externalId: contact.crmId },
        { domain: 'PAYMENTS', provider: 'stripe', externalId: customer?.stripeId },
      ]),
    );
  });

  it('pages through a customer’s payments with the typed cursor variables', async () => {
    const { dataset } = stack.sandbox;
    const customerIndex = dataset.customers.findIndex(
      (_c, k) => dataset.charges.filter((ch) => ch.customer === k).length >= 3,
    );
    const customer = dataset.customers[customerIndex];
    const contact = dataset.contacts[customer?.contact ?? -1] as ContactRecord;
    const charges = dataset.charges.filter((c) => c.customer === customerIndex);
    const api = client();
    const customerId = toGlobalId('Customer', contact.crmId);

    const seen: string[] = [];
    let after: string | null | undefined = null;
    for (let page = 0; page < 50; page++) {
      const result = await api.paymentsPage({ customerId, first: 2, after });
      const node = result.node;
      const payments = node && 'payments' in node ? node.payments : null;
      expect(payments?.totalCount ?? charges.length).toBe(charges.length);
      seen.push(...(payments?.edges.map((e) => e.node.id) ?? []));
      if (!payments?.pageInfo.hasNextPage) break;
      after = payments.pageInfo.endCursor;
    }
    expect(seen.sort()).toEqual(charges.map((c) => toGlobalId('Payment', c.stripeId)).sort());
  });

  it('reads metrics; new customers per day match the CRM data', async () => {
    const until = new Date(Date.parse(TEST_ANCHOR));
    const since = new Date(until.getTime() - 7 * DAY);
    const result = await client().metrics({
      since: since.toISOString(),
      until: until.toISOString(),
      interval: 'DAY',
    });
    const typed: Equals<typeof result, MetricsQuery> = true;
    expect(typed).toBe(true);
    const buckets = result.metrics?.buckets ?? [];
    expect(buckets).toHaveLength(7);
    const { dataset } = stack.sandbox;
    buckets.forEach((bucket, i) => {
      const from = since.getTime() + i * DAY;
      const inBucket = (t: number) => t >= from && t < from + DAY;
      expect(bucket.newCustomers).toBe(dataset.contacts.filter((c) => inBucket(c.createdAt)).length);
      const revenue = new Map<string, bigint>();
      for (const charge of dataset.charges) {
        if (charge.status !== 'succeeded' || !inBucket(Math.floor(charge.createdAt / 1000) * 1000)) continue;
        const currency = charge.currency.toUpperCase();
        revenue.set(currency, (revenue.get(currency) ?? 0n) + BigInt(charge.amount));
      }
      const expected = [...revenue]
        .map(([currency, minor]) => ({ amount: minorToDecimal({ minor, currency }), currency }))
        .sort((a, b) => a.currency.localeCompare(b.currency));
      expect([...(bucket.revenue ?? [])].sort((a, b) => a.currency.localeCompare(b.currency))).toEqual(
        expected,
      );
    });
  });

  it('sends manifest ids instead of text when asked (what trusted-documents mode accepts)', async () => {
    expect([...DOCUMENT_IDS.keys()].sort()).toEqual([
      'CustomerByEmail',
      'Dashboard',
      'Metrics',
      'PaymentsPage',
    ]);
    const contact = stack.sandbox.dataset.contacts[0] as ContactRecord;
    const result = await client({ persisted: true }).customerByEmail(contact.email);
    expect(result.customer?.email).toBe(contact.email);
  });
});
