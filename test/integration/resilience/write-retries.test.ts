import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import {
  retryingThroughFailures,
  serverErrors,
  startResilienceStack,
  type ResilienceStack,
} from './support.js';
import { CRMS, datasetAsSeenBy, stageLabel } from '../../support/stack.js';

/**
 * Every provider write carries a key that makes a repeat harmless (Stripe's Idempotency-Key,
 * HubSpot's write-key property, Salesforce's upsert by its write-key field, PostHog's event uuid,
 * or a PATCH that sets the same values), so the transport retries writes as it retries reads: with
 * every provider failing 30% of its attempts, every mutation still succeeds, and every failed
 * attempt was retried by the transport.
 */

const ROUNDS = 12;
/** The Salesforce twin's create and upsert endpoints, as its counters name them. */
const SALESFORCE_CREATE = 'POST /services/data/{version}/sobjects/{sobject}';
const SALESFORCE_UPSERT = 'PATCH /services/data/{version}/sobjects/{sobject}/{field}/{value}';

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}`;
const UPDATE = `mutation ($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id } userErrors { code } }
}`;
const DEAL_STAGE = `mutation ($input: UpdateDealStageInput!) {
  updateDealStage(input: $input) { deal { stage } userErrors { code } }
}`;
const REFUND = `mutation ($input: RefundPaymentInput!) {
  refundPayment(input: $input) { payment { id } userErrors { code } }
}`;
const TRACK = `mutation ($input: TrackEventInput!) {
  trackEvent(input: $input) { eventId userErrors { code } }
}`;

type Payload = Record<string, { userErrors: unknown[] } & Record<string, unknown>>;

describe.each(CRMS)('mutations with every provider (CRM %s) failing 30% of its calls', (crm) => {
  let stack: ResilienceStack;
  const PROVIDERS = [crm, 'stripe', 'posthog'] as const;

  beforeAll(async () => {
    stack = await startResilienceStack(retryingThroughFailures(PROVIDERS), { crm });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers every mutation in full, each failed write attempt retried under its key', async () => {
    const dataset = datasetAsSeenBy(stack.sandbox.dataset, crm);
    const deals = dataset.deals.filter((d) => d.stage !== 'closedwon' && d.stage !== 'closedlost');
    const charges = dataset.charges.filter(
      (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.currency === 'usd' && c.amount >= 1000,
    );
    const contacts = dataset.contacts;
    expect(deals.length).toBeGreaterThanOrEqual(ROUNDS);
    expect(charges.length).toBeGreaterThanOrEqual(ROUNDS);
    expect(contacts.length).toBeGreaterThanOrEqual(2 * ROUNDS);

    // Salesforce's OAuth token is taken while healthy: a failed token call is retried by the token
    // source's own policy, not the transport's, and would be one 5xx the retries below do not count.
    await stack.query('{ customers(first: 1) { edges { node { id } } } }', {});
    for (const p of PROVIDERS) stack.sandbox.knobs.set(p, { errorRate: 0.3 });
    stack.sandbox.counters.reset();
    const retriesBefore = PROVIDERS.map((p) => stack.concord.connected.policies.state(p).retries);

    const runs: Array<{ field: string; run: () => Promise<{ data?: Payload | null; errors?: unknown }> }> =
      [];
    for (let i = 0; i < ROUNDS; i++) {
      const deal = deals[i];
      const charge = charges[i];
      const contact = contacts[i];
      const other = contacts[ROUNDS + i];
      if (!deal || !charge || !contact || !other) throw new Error('the data set is too small');
      runs.push(
        {
          field: 'createCustomer',
          run: () =>
            stack.query<Payload>(CREATE, {
              input: {
                clientMutationId: `retried-create-${i}`,
                email: `retried.${i}@example.com`,
                // Salesforce needs a last name for a new contact.
                lastName: `Retried${i}`,
              },
            }),
        },
        {
          field: 'updateCustomer',
          run: () =>
            stack.query<Payload>(UPDATE, {
              input: {
                clientMutationId: `retried-update-${i}`,
                id: toGlobalId('Customer', other.crmId),
                firstName: `Retried${i}`,
              },
            }),
        },
        {
          field: 'updateDealStage',
          run: () =>
            stack.query<Payload>(DEAL_STAGE, {
              input: {
                clientMutationId: `retried-deal-${i}`,
                id: toGlobalId('Deal', deal.crmId),
                stage: stageLabel('closedwon', crm),
              },
            }),
        },
        {
          field: 'refundPayment',
          run: () =>
            stack.query<Payload>(REFUND, {
              input: {
                clientMutationId: `retried-refund-${i}`,
                paymentId: toGlobalId('Payment', charge.stripeId),
              },
            }),
        },
        {
          field: 'trackEvent',
          run: () =>
            stack.query<Payload>(TRACK, {
              input: {
                clientMutationId: `retried-track-${i}`,
                customerId: toGlobalId('Customer', contact.crmId),
                name: 'plan_viewed',
              },
            }),
        },
      );
    }
    // Five clients at once, as a gateway under load sees them.
    const answers: Array<{ field: string; res: { data?: Payload | null; errors?: unknown } }> = [];
    const queue = [...runs];
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          answers.push({ field: next.field, res: await next.run() });
        }
      }),
    );

    expect(answers).toHaveLength(5 * ROUNDS);
    for (const { field, res } of answers) {
      expect({ field, errors: res.errors }).toEqual({ field, errors: undefined });
      expect({ field, userErrors: res.data?.[field]?.userErrors }).toEqual({ field, userErrors: [] });
    }
    const counters = stack.sandbox.counters.snapshot();
    // Salesforce: one contact made per createCustomer (no create repeated after it took), each an
    // upsert by the write key (no plain create), its failed attempts repeated by the transport.
    if (crm === 'salesforce') {
      expect(counters.byStatus.salesforce['201']).toBe(ROUNDS);
      expect(counters.byEndpoint.salesforce[SALESFORCE_UPSERT] ?? 0).toBeGreaterThanOrEqual(ROUNDS);
      expect(counters.byEndpoint.salesforce[SALESFORCE_CREATE]).toBeUndefined();
    }
    PROVIDERS.forEach((p, i) => {
      // Failures happened, each one was retried (writes as well as reads), and no circuit opened.
      expect({ p, failed: serverErrors(counters.byStatus[p]) > 0 }).toEqual({ p, failed: true });
      const state = stack.concord.connected.policies.state(p);
      expect({ p, retries: state.retries - (retriesBefore[i] as number) }).toEqual({
        p,
        retries: serverErrors(counters.byStatus[p]),
      });
      expect(state.circuit).toBe('CLOSED');
    });
  }, 120_000);
});
