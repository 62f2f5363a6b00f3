import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { startTestStack, type TestStack } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';

/** Mutations through the gateway against the sandbox, over real HTTP, with the memory cache on. */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    clientMutationId
    customer { id name email links { provider externalId } }
    userErrors { code message field }
  }
}`;
const REFUND = `mutation ($input: RefundPaymentInput!) {
  refundPayment(input: $input) {
    payment { id status amount { amount currency } amountRefunded { amount currency } }
    userErrors { code message field }
  }
}`;
const PAYMENT = `query ($id: ID!) { node(id: $id) { ... on Payment { status amountRefunded { amount } } } }`;

type UserErrors = Array<{ code: string; message: string; field: string[] | null }>;
type Created = {
  createCustomer: {
    clientMutationId: string | null;
    customer: {
      id: string;
      name: string | null;
      email: string;
      links: Array<{ provider: string; externalId: string }>;
    } | null;
    userErrors: UserErrors;
  };
};
type Refunded = {
  refundPayment: {
    payment: {
      id: string;
      status: string;
      amount: { amount: string; currency: string };
      amountRefunded: { amount: string };
    } | null;
    userErrors: UserErrors;
  };
};

describe('mutations', () => {
  let stack: TestStack;
  const calls = (provider: 'hubspot' | 'stripe' | 'posthog', endpoint: string): number =>
    stack.sandbox.counters.snapshot().byEndpoint[provider][endpoint] ?? 0;

  beforeAll(async () => {
    stack = await startTestStack({ CACHE: 'true' });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(() => {
    stack.sandbox.knobs.reset();
    stack.sandbox.counters.reset();
  });

  /** A succeeded, unrefunded charge of the data set, different for each caller. */
  const unrefunded = (() => {
    let taken = 0;
    return () => {
      const charges = stack.sandbox.dataset.charges.filter(
        (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.currency === 'usd' && c.amount >= 1000,
      );
      const charge = charges[taken++];
      if (!charge) throw new Error('the data set ran out of refundable charges');
      return charge;
    };
  })();

  describe('createCustomer', () => {
    it('creates the CRM contact and the linked payment account', async () => {
      const input = {
        clientMutationId: 'create-1',
        email: 'ada.new@example.com',
        firstName: 'Ada',
        lastName: 'New',
      };
      const { data, errors } = await stack.query<Created>(CREATE, { input });
      expect(errors).toBeUndefined();
      const payload = data?.createCustomer;
      expect(payload?.userErrors).toEqual([]);
      expect(payload?.clientMutationId).toBe('create-1');
      expect(payload?.customer).toMatchObject({ name: 'Ada New', email: 'ada.new@example.com' });
      expect(payload?.customer?.links.map((l) => l.provider).sort()).toEqual([
        'hubspot',
        'posthog',
        'stripe',
      ]);
      expect(calls('hubspot', 'POST /crm/v3/objects/{objectType}')).toBe(1);
      expect(calls('stripe', 'POST /v1/customers')).toBe(1);

      // A later request finds it by email, with both faces linked.
      const again = await stack.query<{
        customer: { id: string; links: Array<{ provider: string }> } | null;
      }>('query ($email: String!) { customer(email: $email) { id links { provider } } }', {
        email: 'ADA.NEW@example.com',
      });
      expect(again.data?.customer?.id).toBe(payload?.customer?.id);
      expect(again.data?.customer?.links.map((l) => l.provider).sort()).toEqual([
        'hubspot',
        'posthog',
        'stripe',
      ]);
    });

    it('answers a retry with the same clientMutationId from the first run, writing nothing again', async () => {
      const input = { clientMutationId: 'create-retry', email: 'retry.me@example.com', firstName: 'Re' };
      const first = await stack.query<Created>(CREATE, { input });
      const second = await stack.query<Created>(CREATE, { input });
      expect(first.data?.createCustomer.customer?.id).toBeTruthy();
      expect(second.data?.createCustomer).toEqual(first.data?.createCustomer);
      expect(calls('hubspot', 'POST /crm/v3/objects/{objectType}')).toBe(1);
      expect(calls('stripe', 'POST /v1/customers')).toBe(1);
    });

    it('refuses the same clientMutationId with another input', async () => {
      await stack.query<Created>(CREATE, {
        input: { clientMutationId: 'create-twice', email: 'one@example.com' },
      });
      const other = await stack.query<Created>(CREATE, {
        input: { clientMutationId: 'create-twice', email: 'two@example.com' },
      });
      expect(other.data?.createCustomer.customer).toBeNull();
      expect(other.data?.createCustomer.userErrors).toEqual([
        expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'clientMutationId'] }),
      ]);
    });

    it('keeps clients apart: the same clientMutationId from another client is its own mutation', async () => {
      const input = { clientMutationId: 'shared-id', email: 'client.a@example.com' };
      const a = await stack.query<Created>(CREATE, { input });
      const token = await signTestToken({ sub: 'another-client' });
      const b = await stack.query<Created>(
        CREATE,
        { input: { ...input, email: 'client.b@example.com' } },
        { token },
      );
      expect(a.data?.createCustomer.customer?.email).toBe('client.a@example.com');
      expect(b.data?.createCustomer.customer?.email).toBe('client.b@example.com');
    });

    it('reports an email already in use as a userError', async () => {
      const taken = stack.sandbox.dataset.contacts[3]?.email as string;
      const { data, errors } = await stack.query<Created>(CREATE, { input: { email: taken } });
      expect(errors).toBeUndefined();
      expect(data?.createCustomer.customer).toBeNull();
      expect(data?.createCustomer.userErrors).toEqual([
        expect.objectContaining({ code: 'TAKEN', field: ['input', 'email'] }),
      ]);
      expect(calls('stripe', 'POST /v1/customers')).toBe(0);
    });

    it('removes the CRM contact again when the payment account cannot be made', async () => {
      stack.sandbox.knobs.set('stripe', { outage: true });
      const email = 'half.made@example.com';
      const { data, errors } = await stack.query<Created>(CREATE, {
        input: { clientMutationId: 'create-outage', email },
      });
      expect(data).toBeNull();
      expect(errors).toHaveLength(1);
      expect(errors?.[0]?.extensions).toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        provider: 'stripe',
        rolledBack: true,
      });
      expect(errors?.[0]?.message).toMatch(/not created.*Nothing was kept/);
      expect(calls('hubspot', 'POST /crm/v3/objects/{objectType}')).toBe(1);
      expect(calls('hubspot', 'DELETE /crm/v3/objects/{objectType}/{objectId}')).toBe(1);

      stack.sandbox.knobs.reset();
      const lookup = await stack.query<{ customer: unknown }>(
        'query ($e: String!) { customer(email: $e) { id } }',
        { e: email },
      );
      expect(lookup.errors).toBeUndefined();
      expect(lookup.data?.customer).toBeNull();
      // A retry with the same key is told the same outcome, and writes nothing again.
      const retried = await stack.query<Created>(CREATE, {
        input: { clientMutationId: 'create-outage', email },
      });
      expect(retried.data).toBeNull();
      expect(retried.errors?.map(({ message, extensions }) => ({ message, extensions }))).toEqual(
        errors?.map(({ message, extensions }) => ({ message, extensions })),
      );
      expect(calls('hubspot', 'POST /crm/v3/objects/{objectType}')).toBe(1);
      // Trying again is a new mutation: a new clientMutationId.
      const again = await stack.query<Created>(CREATE, {
        input: { clientMutationId: 'create-outage-2', email },
      });
      expect(again.data?.createCustomer.customer?.email).toBe(email);
    });

    it('needs both write scopes, and refuses without calling a provider', async () => {
      const token = await signTestToken({ scopes: ['crm:read', 'crm:write', 'payments:read'] });
      const { data, errors } = await stack.query<Created>(
        CREATE,
        { input: { email: 'no.scope@example.com' } },
        { token },
      );
      expect(data).toBeNull();
      expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(stack.sandbox.counters.snapshot().total).toEqual({
        hubspot: 0,
        stripe: 0,
        posthog: 0,
        salesforce: 0,
      });
    });
  });

  describe('updateCustomer', () => {
    it('changes the contact and its payment account, and the next read shows the change', async () => {
      const created = await stack.query<Created>(CREATE, {
        input: { email: 'before@example.com', firstName: 'Bea' },
      });
      const id = created.data?.createCustomer.customer?.id as string;
      // Fill the cache with the old state first.
      await stack.query('query ($e: String!) { customer(email: $e) { id email } }', {
        e: 'before@example.com',
      });
      const { data, errors } = await stack.query<{
        updateCustomer: { customer: { email: string; name: string } | null; userErrors: UserErrors };
      }>(
        `mutation ($input: UpdateCustomerInput!) {
          updateCustomer(input: $input) { customer { email name } userErrors { code } }
        }`,
        { input: { id, email: 'after@example.com', lastName: 'After' } },
      );
      expect(errors).toBeUndefined();
      expect(data?.updateCustomer).toEqual({
        customer: { email: 'after@example.com', name: 'Bea After' },
        userErrors: [],
      });
      expect(calls('stripe', 'POST /v1/customers/{id}')).toBe(1);

      const byOld = await stack.query<{ customer: unknown }>(
        'query ($e: String!) { customer(email: $e) { id } }',
        {
          e: 'before@example.com',
        },
      );
      const byNew = await stack.query<{ customer: { id: string } | null }>(
        'query ($e: String!) { customer(email: $e) { id } }',
        {
          e: 'after@example.com',
        },
      );
      expect(byOld.data?.customer).toBeNull();
      expect(byNew.data?.customer?.id).toBe(id);
    });
  });

  describe('updateDealStage', () => {
    it('moves a deal, and a cached deal is read fresh afterwards', async () => {
      const deal = stack.sandbox.dataset.deals.find(
        (d) => d.stage !== 'closedwon' && d.stage !== 'closedlost',
      );
      const id = toGlobalId('Deal', deal?.crmId as string);
      const read = () =>
        stack.query<{ node: { stage: string; status: string } }>(
          'query ($id: ID!) { node(id: $id) { ... on Deal { stage status } } }',
          { id },
        );
      expect((await read()).data?.node.status).toBe('OPEN');
      const { data } = await stack.query<{
        updateDealStage: { deal: { stage: string; status: string }; userErrors: UserErrors };
      }>(
        `mutation ($input: UpdateDealStageInput!) {
          updateDealStage(input: $input) { deal { stage status } userErrors { code } }
        }`,
        { input: { id, stage: 'closedwon' } },
      );
      expect(data?.updateDealStage).toEqual({ deal: { stage: 'closedwon', status: 'WON' }, userErrors: [] });
      expect((await read()).data?.node).toEqual({ stage: 'closedwon', status: 'WON' });
    });
  });

  describe('refundPayment', () => {
    it('refunds part, refuses more than what is left, then refunds the rest', async () => {
      const charge = unrefunded();
      const paymentId = toGlobalId('Payment', charge.stripeId);
      const cents = (n: number) => (n / 100).toFixed(2);
      // Cache the payment as it was.
      expect(
        (await stack.query<{ node: { status: string } }>(PAYMENT, { id: paymentId })).data?.node.status,
      ).toBe('SUCCEEDED');

      const part = await stack.query<Refunded>(REFUND, {
        input: {
          paymentId,
          amount: { amount: cents(500), currency: 'USD' },
          reason: 'REQUESTED_BY_CUSTOMER',
        },
      });
      expect(part.errors).toBeUndefined();
      expect(part.data?.refundPayment.payment).toMatchObject({
        status: 'PARTIALLY_REFUNDED',
        amountRefunded: { amount: '5.00' },
      });

      const tooMuch = await stack.query<Refunded>(REFUND, {
        input: { paymentId, amount: { amount: cents(charge.amount), currency: 'USD' } },
      });
      expect(tooMuch.errors).toBeUndefined();
      expect(tooMuch.data?.refundPayment.payment).toBeNull();
      expect(tooMuch.data?.refundPayment.userErrors).toEqual([
        expect.objectContaining({ code: 'AMOUNT_TOO_LARGE', field: ['input', 'amount'] }),
      ]);

      const rest = await stack.query<Refunded>(REFUND, { input: { paymentId } });
      expect(rest.data?.refundPayment.payment).toMatchObject({
        status: 'REFUNDED',
        amountRefunded: { amount: cents(charge.amount) },
      });
      expect(
        (await stack.query<{ node: { status: string } }>(PAYMENT, { id: paymentId })).data?.node.status,
      ).toBe('REFUNDED');

      const again = await stack.query<Refunded>(REFUND, { input: { paymentId } });
      expect(again.data?.refundPayment.userErrors.map((e) => e.code)).toEqual(['ALREADY_REFUNDED']);
    });

    it('refunds once for a retried request with the same clientMutationId', async () => {
      const paymentId = toGlobalId('Payment', unrefunded().stripeId);
      const input = {
        clientMutationId: 'refund-once',
        paymentId,
        amount: { amount: '1.00', currency: 'USD' },
      };
      const first = await stack.query<Refunded>(REFUND, { input });
      const retry = await stack.query<Refunded>(REFUND, { input });
      expect(first.data?.refundPayment.payment?.amountRefunded.amount).toBe('1.00');
      expect(retry.data?.refundPayment).toEqual(first.data?.refundPayment);
      expect(calls('stripe', 'POST /v1/refunds')).toBe(1);
    });

    it('refunds once when the same request arrives twice at the same time', async () => {
      const paymentId = toGlobalId('Payment', unrefunded().stripeId);
      const input = {
        clientMutationId: 'refund-race',
        paymentId,
        amount: { amount: '2.00', currency: 'USD' },
      };
      const answers = await Promise.all([
        stack.query<Refunded>(REFUND, { input }),
        stack.query<Refunded>(REFUND, { input }),
      ]);
      const outcomes = answers.map(
        (a) =>
          a.data?.refundPayment.payment?.amountRefunded.amount ?? a.data?.refundPayment.userErrors[0]?.code,
      );
      // One runs; the other either waited for its record or was told it is still running.
      expect(outcomes).toContain('2.00');
      expect(outcomes.every((o) => o === '2.00' || o === 'IN_PROGRESS')).toBe(true);
      expect(calls('stripe', 'POST /v1/refunds')).toBe(1);
    });

    it('refuses an amount in another currency, or one with too many decimals', async () => {
      const paymentId = toGlobalId('Payment', unrefunded().stripeId);
      const eur = await stack.query<Refunded>(REFUND, {
        input: { paymentId, amount: { amount: '1.00', currency: 'EUR' } },
      });
      const fine = await stack.query<Refunded>(REFUND, {
        input: { paymentId, amount: { amount: '1.005', currency: 'USD' } },
      });
      expect(eur.data?.refundPayment.userErrors.map((e) => e.code)).toEqual(['INVALID']);
      expect(fine.data?.refundPayment.userErrors.map((e) => e.code)).toEqual(['INVALID']);
      expect(calls('stripe', 'POST /v1/refunds')).toBe(0);
    });

    it('needs payments:write', async () => {
      const token = await signTestToken({ scopes: ['payments:read'] });
      const paymentId = toGlobalId('Payment', unrefunded().stripeId);
      const { errors } = await stack.query<Refunded>(REFUND, { input: { paymentId } }, { token });
      expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(calls('stripe', 'POST /v1/refunds')).toBe(0);
    });
  });

  describe('trackEvent', () => {
    const TRACK = `mutation ($input: TrackEventInput!) {
      trackEvent(input: $input) { eventId userErrors { code field } }
    }`;
    type Tracked = { trackEvent: { eventId: string | null; userErrors: UserErrors } };

    it('captures one event per clientMutationId, for the customer', async () => {
      const contact = stack.sandbox.dataset.contacts[5];
      const customerId = toGlobalId('Customer', contact?.crmId as string);
      const before = stack.sandbox.captured.length;
      const input = {
        clientMutationId: 'track-1',
        customerId,
        name: 'plan_viewed',
        properties: { plan: 'pro' },
      };
      const first = await stack.query<Tracked>(TRACK, { input });
      const second = await stack.query<Tracked>(TRACK, { input });
      expect(first.errors).toBeUndefined();
      expect(first.data?.trackEvent.eventId).toBeTruthy();
      expect(second.data?.trackEvent.eventId).toBe(first.data?.trackEvent.eventId);
      const captured = stack.sandbox.captured.slice(before);
      expect(captured).toHaveLength(1);
      expect(captured[0]).toMatchObject({
        event: 'plan_viewed',
        distinctId: contact?.crmId,
        properties: { plan: 'pro' },
      });
    });

    it('refuses an unknown customer and needs analytics:write', async () => {
      const unknown = await stack.query<Tracked>(TRACK, {
        input: { customerId: toGlobalId('Customer', '999999999'), name: 'x' },
      });
      expect(unknown.data?.trackEvent.userErrors).toEqual([
        { code: 'NOT_FOUND', field: ['input', 'customerId'] },
      ]);
      const token = await signTestToken({ scopes: ['analytics:read', 'crm:read'] });
      const denied = await stack.query<Tracked>(
        TRACK,
        {
          input: {
            customerId: toGlobalId('Customer', stack.sandbox.dataset.contacts[0]?.crmId as string),
            name: 'x',
          },
        },
        { token },
      );
      expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(calls('posthog', 'POST /i/v0/e/')).toBe(0);
    });
  });
});
