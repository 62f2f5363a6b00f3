import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { errorKinds, startResilienceStack, type ResilienceStack } from '../resilience/support.js';

/**
 * createCustomer writes the CRM contact, then the payment account. When the CRM's quota would let
 * the contact go only so late that the account could not follow inside the request's deadline, the
 * mutation is refused before anything is made (rate limited by the CRM), instead of making the
 * contact, failing at Stripe and undoing it.
 */

// One HubSpot call per 2 s, a 2.75 s deadline: the create's quota wait (~2 s) fits the deadline
// less a call's least time (2.5 s) but not less the second step's reserve (1.5 s).
const QUOTA = '1/2s';
const DEADLINE_MS = 2_750;
const CONTACT_CREATE = 'POST /crm/v3/objects/{objectType}';
const CONTACT_DELETE = 'DELETE /crm/v3/objects/{objectType}/{objectId}';

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}`;

describe('a two-provider write the CRM quota would leave no time to finish', () => {
  let stack: ResilienceStack;

  beforeAll(async () => {
    stack = await startResilienceStack({ REQUEST_DEADLINE_MS: String(DEADLINE_MS), HUBSPOT_QUOTA: QUOTA });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('is refused as rate limited by the CRM, with nothing made and Stripe never asked', async () => {
    const contact = stack.sandbox.dataset.contacts[0];
    if (!contact) throw new Error('the data set has no contacts');
    // Stripe slow enough that an account started late would miss the deadline.
    stack.sandbox.knobs.set('stripe', { latencyMs: 1_500 });
    // The twin's HubSpot says the same limit in its rate-limit headers (Concord adopts what they say).
    stack.sandbox.knobs.set('hubspot', { rateLimit: { limit: 1, windowMs: 2_000 } });
    stack.sandbox.counters.reset();
    // One HubSpot read spends the window.
    const read = await stack.query(`{ node(id: "${toGlobalId('Customer', contact.crmId)}") { id } }`);
    expect(read.errors).toBeUndefined();

    const res = await stack.query<{ createCustomer: unknown }>(CREATE, {
      input: { clientMutationId: 'late-for-stripe', email: 'late.for.stripe@example.com' },
    });
    expect(errorKinds(res.errors)).toEqual(['PROVIDER_RATE_LIMITED/hubspot']);
    const counters = stack.sandbox.counters.snapshot();
    expect(counters.byEndpoint.hubspot[CONTACT_CREATE] ?? 0).toBe(0);
    expect(counters.byEndpoint.hubspot[CONTACT_DELETE] ?? 0).toBe(0);
    expect(counters.total.stripe).toBe(0);
  });
});
