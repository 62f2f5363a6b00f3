import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { CRMS, TEST_ANCHOR, stageLabel, startTestStack, type TestStack } from '../../support/stack.js';

/**
 * The CRM paths of the writes and resilience suites, once per CRM: the same operations, the same
 * answers and error codes, whichever CRM is behind the schema. Provider names appear only where the
 * schema itself reports them (`links`, `extensions.provider`). The HubSpot suites (writes/,
 * resilience/) keep the per-endpoint detail. Subscriptions are not here: Salesforce's changes
 * reach subscribers through polling at Get Updated's one-minute grain (test/integration/salesforce/
 * subscriptions.test.ts, through the gateway with a clock it moves), HubSpot's through webhooks
 * (writes/subscriptions).
 */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id name email links { domain provider } }
    userErrors { code field }
  }
}`;
const UPDATE = `mutation ($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id email name } userErrors { code field } }
}`;
const DEAL_STAGE = `mutation ($input: UpdateDealStageInput!) {
  updateDealStage(input: $input) { deal { stage status } userErrors { code field } }
}`;
const BY_EMAIL = 'query ($e: String!) { customer(email: $e) { id email name } }';

type UserErrors = Array<{ code: string; field: string[] | null }>;
type Created = {
  createCustomer: {
    customer: {
      id: string;
      name: string | null;
      email: string;
      links: Array<{ domain: string; provider: string }>;
    } | null;
    userErrors: UserErrors;
  };
};

const DAY = 86_400_000;
const until = new Date(Date.parse(TEST_ANCHOR));
const WINDOW = { since: new Date(until.getTime() - 30 * DAY).toISOString(), until: until.toISOString() };

describe.each(CRMS)('the CRM-neutral schema (CRM: %s)', (crm) => {
  let stack: TestStack;

  beforeAll(async () => {
    // Few, quick retries: the outage test waits for them.
    stack = await startTestStack(
      { CACHE: 'true', RETRY_BASE_MS: '5', RETRY_MAX_MS: '20', [`${crm.toUpperCase()}_RETRIES`]: '1' },
      { crm },
    );
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(() => {
    stack.sandbox.knobs.reset();
    stack.sandbox.counters.reset();
  });

  const crmCalls = () => stack.sandbox.counters.snapshot().total[crm];

  describe('writes', () => {
    it('creates a customer in the CRM and the payments provider, found by email afterwards', async () => {
      const input = { email: `ada.${crm}@example.com`, firstName: 'Ada', lastName: 'Neutral' };
      const { data, errors } = await stack.query<Created>(CREATE, { input });
      expect(errors).toBeUndefined();
      const payload = data?.createCustomer;
      expect(payload?.userErrors).toEqual([]);
      expect(payload?.customer).toMatchObject({ name: 'Ada Neutral', email: input.email });
      expect(payload?.customer?.links).toEqual([
        { domain: 'CRM', provider: crm },
        { domain: 'PAYMENTS', provider: 'stripe' },
        { domain: 'ANALYTICS', provider: 'posthog' },
      ]);
      const again = await stack.query<{ customer: { id: string } | null }>(BY_EMAIL, {
        e: input.email.toUpperCase(),
      });
      expect(again.data?.customer?.id).toBe(payload?.customer?.id);
    });

    it('reports an email the CRM already holds as TAKEN, before the payments provider is asked', async () => {
      const taken = stack.dataset.contacts[3]?.email as string;
      const { data, errors } = await stack.query<Created>(CREATE, {
        input: { email: taken, lastName: 'Again' },
      });
      expect(errors).toBeUndefined();
      expect(data?.createCustomer.customer).toBeNull();
      expect(data?.createCustomer.userErrors).toEqual([{ code: 'TAKEN', field: ['input', 'email'] }]);
      expect(stack.sandbox.counters.snapshot().total.stripe).toBe(0);
    });

    it('removes the CRM contact again when the payment account cannot be made', async () => {
      stack.sandbox.knobs.set('stripe', { outage: true });
      const email = `half.made.${crm}@example.com`;
      const { data, errors } = await stack.query<Created>(CREATE, {
        input: { clientMutationId: `outage-${crm}`, email, lastName: 'Half' },
      });
      expect(data).toBeNull();
      expect(errors?.map((e) => e.extensions)).toEqual([
        expect.objectContaining({ code: 'PROVIDER_UNAVAILABLE', provider: 'stripe', rolledBack: true }),
      ]);
      // The CRM was written to and written to again (the compensation), and holds nothing now.
      expect(crmCalls()).toBeGreaterThanOrEqual(2);
      stack.sandbox.knobs.reset();
      const lookup = await stack.query<{ customer: unknown }>(BY_EMAIL, { e: email });
      expect(lookup.errors).toBeUndefined();
      expect(lookup.data?.customer).toBeNull();
    });

    it('updates a customer, and the next read (cached before) shows the change', async () => {
      const contact = stack.dataset.contacts[11];
      const id = toGlobalId('Customer', contact?.crmId as string);
      const before = await stack.query<{ customer: { email: string } }>(BY_EMAIL, { e: contact?.email });
      expect(before.data?.customer.email).toBe(contact?.email);
      const email = `moved.${crm}@example.com`;
      const { data, errors } = await stack.query<{
        updateCustomer: { customer: { id: string; email: string; name: string }; userErrors: UserErrors };
      }>(UPDATE, { input: { id, email, lastName: 'Moved' } });
      expect(errors).toBeUndefined();
      expect(data?.updateCustomer).toEqual({
        customer: { id, email, name: `${contact?.firstName} Moved` },
        userErrors: [],
      });
      const byOld = await stack.query<{ customer: unknown }>(BY_EMAIL, { e: contact?.email });
      const byNew = await stack.query<{ customer: { id: string } | null }>(BY_EMAIL, { e: email });
      expect(byOld.data?.customer).toBeNull();
      expect(byNew.data?.customer?.id).toBe(id);
    });

    it('refuses to update a customer the CRM does not have as NOT_FOUND', async () => {
      const other = crm === 'hubspot' ? '003Sb0000000Q1kIAE' : '999999999';
      const { data, errors } = await stack.query<{ updateCustomer: { userErrors: UserErrors } }>(UPDATE, {
        input: { id: toGlobalId('Customer', other), phone: '+1 555 0199' },
      });
      expect(errors).toBeUndefined();
      expect(data?.updateCustomer.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    });

    it("moves a deal to the CRM's won stage; its status follows, and a cached deal is read fresh", async () => {
      const deal = stack.dataset.deals.find((d) => d.stage !== 'closedwon' && d.stage !== 'closedlost');
      const id = toGlobalId('Deal', deal?.crmId as string);
      const read = () =>
        stack.query<{ node: { stage: string; status: string } }>(
          'query ($id: ID!) { node(id: $id) { ... on Deal { stage status } } }',
          { id },
        );
      expect((await read()).data?.node.status).toBe('OPEN');
      const won = stageLabel('closedwon', crm);
      const { data } = await stack.query<{
        updateDealStage: { deal: { stage: string; status: string }; userErrors: UserErrors };
      }>(DEAL_STAGE, { input: { id, stage: won } });
      expect(data?.updateDealStage).toEqual({ deal: { stage: won, status: 'WON' }, userErrors: [] });
      expect((await read()).data?.node).toEqual({ stage: won, status: 'WON' });
    });
  });

  describe('totals', () => {
    it("counts filtered lists alike: a company's customers and deals, and deals by status", async () => {
      const { dataset } = stack;
      const company = dataset.companies.findIndex(
        (_, i) => dataset.contacts.filter((c) => c.company === i).length > 1,
      );
      const companyId = toGlobalId('Company', dataset.companies[company]?.crmId as string);
      const res = await stack.query<{
        customers: { totalCount: number | null; edges: unknown[] };
        company: { deals: { totalCount: number | null } };
        lost: { totalCount: number | null };
      }>(
        `query ($c: ID!) {
          customers(first: 1, filter: { companyId: $c }) { totalCount edges { cursor } }
          company: node(id: $c) { ... on Company { deals(first: 1) { totalCount } } }
          lost: deals(first: 1, status: LOST) { totalCount }
        }`,
        { c: companyId },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data?.customers.totalCount).toBe(
        dataset.contacts.filter((c) => c.company === company).length,
      );
      expect(res.data?.customers.edges).toHaveLength(1);
      expect(res.data?.company.deals.totalCount).toBe(
        dataset.deals.filter((d) => d.company === company).length,
      );
      expect(res.data?.lost.totalCount).toBe(dataset.deals.filter((d) => d.stage === 'closedlost').length);
    });
  });

  describe('totals of plain lists', () => {
    it('counts the customers and companies lists with a call of their own, made only when totalCount is selected', async () => {
      // Page sizes no other test asks for: the cache (on in this suite) holds none of these pages.
      for (const list of ['customers', 'companies'] as const) {
        const plain = await stack.query<Record<string, { edges: unknown[] }>>(
          `{ ${list}(first: 13) { edges { node { id } } } }`,
        );
        expect(plain.errors).toBeUndefined();
        expect(plain.data?.[list]?.edges).toHaveLength(13);
        expect(crmCalls()).toBe(1);
        stack.sandbox.counters.reset();
        const counted = await stack.query<Record<string, { totalCount: number | null; edges: unknown[] }>>(
          `{ ${list}(first: 14) { ...total edges { node { id } } } }
          fragment total on ${list === 'customers' ? 'CustomerConnection' : 'CompanyConnection'} { totalCount }`,
        );
        expect(counted.errors).toBeUndefined();
        expect(counted.data?.[list]?.edges).toHaveLength(14);
        // At least the seeded records (the writes above may have added customers).
        const seeded = list === 'customers' ? stack.dataset.contacts : stack.dataset.companies;
        expect(counted.data?.[list]?.totalCount).toBeGreaterThanOrEqual(seeded.length);
        expect(crmCalls()).toBe(2);
        stack.sandbox.counters.reset();
        const skipped = await stack.query<Record<string, { totalCount?: number }>>(
          `query ($skip: Boolean!) { ${list}(first: 15) { totalCount @skip(if: $skip) edges { cursor } } }`,
          { skip: true },
        );
        expect(skipped.errors).toBeUndefined();
        expect(skipped.data?.[list]).not.toHaveProperty('totalCount');
        expect(crmCalls()).toBe(1);
        stack.sandbox.counters.reset();
      }
    });
  });

  describe('resilience', () => {
    it('with the CRM down, answers the other providers and fails only the CRM fields with its code', async () => {
      stack.sandbox.knobs.set(crm, { outage: true });
      const res = await stack.query<{
        customers: unknown;
        payments: { edges: unknown[] };
      }>(
        `query ($since: DateTime!, $until: DateTime!) {
          customers(first: 2) { edges { node { id } } }
          payments(first: 2) { edges { node { id } } }
          metrics(since: $since, until: $until, interval: WEEK) { buckets { activeUsers } }
        }`,
        WINDOW,
      );
      expect(res.data?.payments.edges).toHaveLength(2);
      const crmErrors = (res.errors ?? []).filter((e) => e.path?.[0] === 'customers');
      expect(crmErrors.map((e) => e.extensions)).toEqual([
        expect.objectContaining({ code: 'PROVIDER_UNAVAILABLE', provider: crm }),
      ]);
      expect(JSON.stringify(res.errors)).not.toMatch(/127\.0\.0\.1|ECONN|503/);
      stack.sandbox.knobs.reset();
      const healed = await stack.query<{ customers: { edges: unknown[] } }>(
        '{ customers(first: 2) { edges { node { id } } } }',
      );
      expect(healed.errors).toBeUndefined();
      expect(healed.data?.customers.edges).toHaveLength(2);
    });
  });
});
