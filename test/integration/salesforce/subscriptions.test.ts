import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection } from '@jsforce/jsforce-node';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { stageLabel, startTestStack, type TestStack } from '../../support/stack.js';
import { subscribe, untilSubscribed, type TestSubscription } from '../../support/subscribe.js';
import { signTestToken } from '../../support/tokens.js';

/**
 * Salesforce has no webhooks: a change made in the org reaches the gateway's subscribers and cache
 * through change polling (src/webhooks/change-poll.ts), here every second
 * (SALESFORCE_POLL_INTERVAL_MS). Get Updated reads whole minutes only, so the test moves the clock
 * the twin and the poller share by two minutes instead of waiting for them.
 */

const POLL_INTERVAL_MS = 1_000;
const MINUTE = 60_000;
const CUSTOMER_UPDATED = 'subscription ($id: ID!) { customerUpdated(id: $id) { id jobTitle } }';
const CUSTOMER = 'query ($id: ID!) { node(id: $id) { ... on Customer { jobTitle } } }';
const DEAL = 'query ($id: ID!) { node(id: $id) { ... on Deal { stage } } }';

type CustomerEvent = { customerUpdated: { id: string; jobTitle: string | null } };

describe('Salesforce changes through the gateway (polled, no webhooks)', () => {
  let stack: TestStack;
  let skew = 0;
  const subscriptions: Array<TestSubscription<unknown>> = [];

  beforeAll(async () => {
    stack = await startTestStack(
      { CACHE: 'true', SALESFORCE_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS) },
      { crm: 'salesforce', providerClock: () => Date.now() + skew },
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(subscriptions.map((s) => s.close()));
    await stack?.stop();
  });

  /** The org's own API, as another app (or a person in Salesforce) changes it: jsforce, unchanged. */
  function org(): Connection {
    const { clientId, clientSecret, refreshToken } = stack.sandbox.salesforce.settings;
    const url = stack.sandbox.urls.salesforce;
    return new Connection({
      oauth2: { clientId, clientSecret, loginUrl: url },
      instanceUrl: url,
      accessToken: 'none-yet',
      refreshToken,
    });
  }

  it('a contact and a deal changed in Salesforce: the subscriber hears of the contact, and the cache forgets both', async () => {
    const contact = stack.dataset.contacts[4];
    const deal = stack.dataset.deals.find((d) => d.stage !== 'closedwon' && d.stage !== 'closedlost');
    const customerId = toGlobalId('Customer', contact?.crmId as string);
    const dealId = toGlobalId('Deal', deal?.crmId as string);

    // Read once, so that both sit in the cache with their old values.
    const before = await stack.query<{ node: { jobTitle: string | null } }>(CUSTOMER, { id: customerId });
    expect(before.errors).toBeUndefined();
    const oldStage = stageLabel(deal?.stage ?? 'closedwon', 'salesforce');
    expect((await stack.query<{ node: { stage: string } }>(DEAL, { id: dealId })).data?.node.stage).toBe(
      oldStage,
    );

    const origin = new URL(stack.gateway.url).origin;
    const sub = subscribe<CustomerEvent>(
      stack.gateway.url,
      CUSTOMER_UPDATED,
      { id: customerId },
      await signTestToken({ expiresInS: 600 }),
    );
    subscriptions.push(sub as TestSubscription<unknown>);
    await untilSubscribed(origin, 1);

    const title = 'Head of Polling';
    const won = stageLabel('closedwon', 'salesforce');
    const conn = org();
    await conn.sobject('Contact').update({ Id: contact?.crmId as string, Title: title });
    await conn.sobject('Opportunity').update({ Id: deal?.crmId as string, StageName: won });

    // Within the minute nothing is read yet (Get Updated's grain): polls come and go, the cache holds.
    await new Promise((resolve) => setTimeout(resolve, 2 * POLL_INTERVAL_MS + 200));
    expect(sub.received).toHaveLength(0);
    const cached = await stack.query<{ node: { jobTitle: string | null } }>(CUSTOMER, { id: customerId });
    expect(cached.data?.node.jobTitle).toBe(before.data?.node.jobTitle);

    skew += 2 * MINUTE;
    const [event] = await sub.next(1, 10_000);
    expect(event?.errors).toBeUndefined();
    expect(event?.data?.customerUpdated).toEqual({ id: customerId, jobTitle: title });

    const after = await stack.query<{ node: { jobTitle: string | null } }>(CUSTOMER, { id: customerId });
    expect(after.data?.node.jobTitle).toBe(title);
    const dealAfter = await stack.query<{ node: { stage: string } }>(DEAL, { id: dealId });
    expect(dealAfter.data?.node.stage).toBe(won);
  });
});
