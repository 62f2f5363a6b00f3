import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Dataset } from '../../../sandbox/data/dataset.js';
import { fromGlobalId } from '../../../src/relay/global-ids.js';
import { CRMS, startTestStack, type GraphQLResponse, type TestStack } from '../../support/stack.js';

interface Connection {
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

const CUSTOMERS = `query ($after: String) { customers(first: 100, after: $after) {
  edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;

const PAYMENTS = `query ($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  customer(id: $id) { payments(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;

/** The customer with the most charges: its payments span many pages. */
function busiestCustomer(dataset: Dataset): { contactId: string; chargeIds: string[] } {
  const counts = new Map<number, number>();
  for (const c of dataset.charges) counts.set(c.customer, (counts.get(c.customer) ?? 0) + 1);
  const [customer] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] as [number, number];
  const record = dataset.customers[customer];
  const chargeIds = dataset.charges
    .filter((c) => c.customer === customer)
    .sort(
      (a, b) =>
        Math.floor(b.createdAt / 1000) - Math.floor(a.createdAt / 1000) || (a.stripeId < b.stripeId ? -1 : 1),
    )
    .map((c) => c.stripeId);
  return { contactId: dataset.contacts[record?.contact ?? -1]?.crmId as string, chargeIds };
}

describe.each(CRMS)('Relay pagination over the providers (CRM: %s)', (crm) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({}, { crm });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('walks every customer exactly once with first: 100 and after', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res = await stack.query<{ customers: Connection }>(CUSTOMERS, { after });
      expect(res.errors).toBeUndefined();
      const connection = res.data?.customers as Connection;
      seen.push(...connection.edges.map((e) => fromGlobalId(e.node.id).id));
      pages++;
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
      expect(pages).toBeLessThan(100);
    }
    const expected = stack.dataset.contacts.map((c) => c.crmId);
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
  });

  it('counts the plain customers and companies lists: totalCount is the number of records the twin lists', async () => {
    for (const list of ['customers', 'companies'] as const) {
      const query = `query ($after: String) { ${list}(first: 100, after: $after) {
        totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
      const seen: string[] = [];
      const totals = new Set<number | null>();
      let after: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const res: GraphQLResponse<Record<string, Connection & { totalCount: number | null }>> =
          await stack.query(query, { after });
        expect(res.errors).toBeUndefined();
        const connection = res.data?.[list] as Connection & { totalCount: number | null };
        totals.add(connection.totalCount);
        seen.push(...connection.edges.map((e) => e.node.id));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(new Set(seen).size).toBe(seen.length);
      // Every page tells the whole list's size, and it is what walking the twin's list found.
      expect([...totals]).toEqual([seen.length]);
      const seeded = list === 'customers' ? stack.dataset.contacts : stack.dataset.companies;
      expect(seen.length).toBe(seeded.length);
      expect(seen.length).toBeGreaterThan(100);
    }
  });

  it('resumes from any edge, not only from the end of a page', async () => {
    const first = await stack.query<{ customers: Connection }>(CUSTOMERS, { after: null });
    const middle = first.data?.customers.edges[41];
    const res = await stack.query<{ customers: Connection }>(CUSTOMERS, { after: middle?.cursor });
    const expected = stack.dataset.contacts.slice(42, 142).map((c) => c.crmId);
    expect(res.data?.customers.edges.map((e) => fromGlobalId(e.node.id).id)).toEqual(expected);
  });

  it('walks one customer’s payments forwards and backwards, each exactly once and in order', async () => {
    const { contactId, chargeIds } = busiestCustomer(stack.dataset);
    expect(chargeIds.length).toBeGreaterThan(30);
    const id = Buffer.from(`v1:Customer:${contactId}`).toString('base64url');

    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res = await stack.query<{ customer: { payments: Connection } }>(PAYMENTS, {
        id,
        first: 7,
        after,
      });
      const connection = res.data?.customer.payments as Connection;
      forward.push(...connection.edges.map((e) => fromGlobalId(e.node.id).id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(forward).toEqual(chargeIds);

    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const res = await stack.query<{ customer: { payments: Connection } }>(PAYMENTS, {
        id,
        last: 7,
        before,
      });
      const connection = res.data?.customer.payments as Connection;
      backward.unshift(...connection.edges.map((e) => fromGlobalId(e.node.id).id));
      if (!connection.pageInfo.hasPreviousPage) break;
      before = connection.pageInfo.startCursor;
    }
    expect(backward).toEqual(chargeIds);
  });

  it('refuses a cursor from another list (another customer, another filter, another kind) as BAD_USER_INPUT', async () => {
    const dataset = stack.dataset;
    const { contactId, chargeIds } = busiestCustomer(dataset);
    const id = Buffer.from(`v1:Customer:${contactId}`).toString('base64url');
    const own = await stack.query<{ customer: { payments: Connection } }>(PAYMENTS, { id, first: 2 });
    const paymentCursor = own.data?.customer.payments.pageInfo.endCursor as string;
    // Opaque: neither the Stripe charge id nor the contact id can be read from it.
    for (const hidden of [chargeIds[1] as string, contactId]) {
      expect(paymentCursor).not.toContain(hidden);
      expect(Buffer.from(paymentCursor, 'base64url').toString('latin1')).not.toContain(hidden);
    }
    const other = dataset.contacts.find((c) => c.crmId !== contactId)?.crmId as string;
    const otherId = Buffer.from(`v1:Customer:${other}`).toString('base64url');

    const email = dataset.contacts[0]?.email as string;
    const FILTERED = `query ($email: String, $after: String) { customers(first: 1, after: $after, filter: { email: $email }) {
      edges { cursor } } }`;
    const filtered = await stack.query<{ customers: { edges: Array<{ cursor: string }> } }>(FILTERED, {
      email,
    });
    const filterCursor = filtered.data?.customers.edges[0]?.cursor as string;
    expect(filterCursor).toEqual(expect.any(String));
    expect(Buffer.from(filterCursor, 'base64url').toString('latin1')).not.toContain(email);

    const misuses: Array<[string, Record<string, unknown>]> = [
      [PAYMENTS, { id: otherId, first: 2, after: paymentCursor }],
      [CUSTOMERS, { after: paymentCursor }],
      [CUSTOMERS, { after: filterCursor }],
      [FILTERED, { email: dataset.contacts[1]?.email, after: filterCursor }],
    ];
    for (const [query, variables] of misuses) {
      const res = await stack.query(query, variables);
      expect(res.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
        ['BAD_USER_INPUT', 'Invalid cursor in `after`: it belongs to a different list.'],
      ]);
    }
    // The same cursors still page their own lists.
    const next = await stack.query<{ customer: { payments: Connection } }>(PAYMENTS, {
      id,
      first: 2,
      after: paymentCursor,
    });
    expect(next.errors).toBeUndefined();
    expect(next.data?.customer.payments.edges.map((e) => fromGlobalId(e.node.id).id)).toEqual(
      chargeIds.slice(2, 4),
    );
  });

  it('does not offer backward paging on customers (the CRM cannot): the schema refuses it before any call', async () => {
    const res = await stack.query(`{ customers(last: 5) { edges { node { id } } } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors?.[0]?.message).toMatch(/Unknown argument "last" on field "Query.customers"/);
  });
});
