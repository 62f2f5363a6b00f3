import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@redis/client';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { mutationKey } from '../../../src/writes/idempotency.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { eventually } from '../../support/eventually.js';
import { TEST_ANCHOR, TEST_SEED, postQuery, startTestConcord } from '../../support/stack.js';
import { TEST_JWT, signTestToken } from '../../support/tokens.js';
import { liveEnv } from '../../support/live-env.js';

/**
 * createCustomer runs that stop before they learn whether their CRM contact was made (HubSpot's
 * answer never comes back) end with a final outcome: the CRM is asked, not written to again. No
 * contact made: the run is settled as rolled back by a sweep, and every retry answers that same
 * error. A contact made (write-key property off, so only its email and creation time tell it is the
 * run's): the run is rolled forward, and the retry answers that customer, not TAKEN.
 */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}`;
const CONTACT_CREATE = 'POST /crm/v3/objects/{objectType}';
/** HubSpot answers after the per-attempt timeout: the create's answer is lost. */
const TIMEOUT_MS = 300;
const SLOWER_MS = 700;

type CreatePayload = { createCustomer: { customer: { id: string } | null; userErrors: unknown[] } };

describe('a createCustomer stopped before its CRM answer', () => {
  let redis: TestRedis;
  let sandbox: RunningSandbox;
  let concord: Concord | undefined;
  let token: string;
  let client: ReturnType<typeof createClient>;

  const start = (env: Record<string, string>) => {
    return startTestConcord({
      ...liveEnv(sandbox),
      REDIS_URL: redis.url,
      ...TEST_JWT,
      CURSOR_SECRET: 'test-cursor-secret-0123456789',
      PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS),
      HUBSPOT_RETRIES: '0',
      COMPENSATION_LEASE_MS: '1000',
      ...env,
    });
  };
  const create = (input: Record<string, unknown>) =>
    postQuery<CreatePayload>((concord as Concord).gateway, CREATE, { input }, { token });
  const creates = () => sandbox.counters.snapshot().byEndpoint.hubspot[CONTACT_CREATE] ?? 0;
  const hubspotContact = (email: string) =>
    fetch(`${sandbox.urls.hubspot}/crm/v3/objects/contacts/${encodeURIComponent(email)}?idProperty=email`, {
      headers: { authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}` },
    });
  const entry = async (clientMutationId: string) => {
    const raw = await client.get(
      `concord:mutation:${mutationKey('jwt:test-user', 'createCustomer', clientMutationId)}`,
    );
    return raw ? (JSON.parse(raw) as { state: string }) : null;
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    token = await signTestToken();
    client = createClient({ url: redis.url });
    await client.connect();
  }, 90_000);
  afterEach(async () => {
    sandbox.knobs.reset();
    await concord?.stop();
    concord = undefined;
  });
  afterAll(async () => {
    await client?.close();
    await sandbox?.stop();
    await redis?.stop();
  });

  it('is settled as rolled back by a sweep when the contact was never made; every retry answers the same', async () => {
    concord = await start({ COMPENSATION_SWEEP_MS: '200' });
    const email = 'never.made@example.com';
    const input = { clientMutationId: 'stopped-never-made', email, lastName: 'Never' };
    // HubSpot is down, and says so only after the attempt gave up: the run cannot tell what happened.
    sandbox.knobs.set('hubspot', { outage: true, latencyMs: SLOWER_MS });
    const first = await create(input);
    expect(first.errors?.length).toBe(1);
    // The twin answers its 503 (nothing made) once the latency is over; then HubSpot is back.
    await new Promise((r) => setTimeout(r, SLOWER_MS));
    sandbox.knobs.reset('hubspot');

    // No retry: the sweep asks HubSpot, finds no contact with the run's key, and settles the run.
    await eventually(
      async () => ((await entry(input.clientMutationId))?.state === 'rolled-back' ? true : undefined),
      'the run settled by a sweep',
    );
    expect(await client.sMembers('concord:compensations')).toEqual([]);
    expect((await hubspotContact(email)).status).toBe(404);
    const settledCreates = creates();

    const retried = await create(input);
    expect(retried.data?.createCustomer ?? null).toBeNull();
    expect(retried.errors?.[0]).toMatchObject({
      extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'hubspot', rolledBack: true },
    });
    expect(retried.errors?.[0]?.message).toMatch(/^The customer was not created/);
    // Consistently: the same answer word for word, and nothing written by either retry.
    const again = await create(input);
    expect(again.errors).toEqual(retried.errors);
    expect(creates()).toBe(settledCreates);
    expect((await hubspotContact(email)).status).toBe(404);
  }, 90_000);

  it('with HUBSPOT_WRITE_KEY_PROPERTY=off, is rolled forward by a retry that finds the contact by its email', async () => {
    // No sweep during the test: the retry finishes the run itself.
    concord = await start({ COMPENSATION_SWEEP_MS: '600000', HUBSPOT_WRITE_KEY_PROPERTY: 'off' });
    const email = 'made.unseen@example.com';
    const input = { clientMutationId: 'stopped-made-unseen', email, firstName: 'Made', lastName: 'Unseen' };
    // HubSpot makes the contact, but answers after the attempt gave up.
    sandbox.knobs.set('hubspot', { latencyMs: SLOWER_MS });
    const first = await create(input);
    expect(first.errors?.length).toBe(1);
    sandbox.knobs.reset('hubspot');
    const made = await eventually(async () => {
      const res = await hubspotContact(email);
      return res.status === 200 ? ((await res.json()) as { id: string }) : undefined;
    }, 'the contact HubSpot made late');
    expect((await entry(input.clientMutationId))?.state).toBe('pending');
    // The twin counts a call when it answers, so the late create counts by now.
    const lateCreates = creates();

    // IN_PROGRESS while the stopped run's lease lapses (its lost write has landed by then), then the customer.
    const retried = await eventually(async () => {
      const res = await create(input);
      const codes = JSON.stringify(res.data?.createCustomer.userErrors ?? []);
      return codes.includes('IN_PROGRESS') ? undefined : res;
    }, 'the retry past the stopped run’s lease');
    expect(retried.errors).toBeUndefined();
    expect(retried.data?.createCustomer.userErrors).toEqual([]);
    const id = retried.data?.createCustomer.customer?.id as string;
    expect(Buffer.from(id, 'base64').toString()).toContain(made.id);
    expect((await entry(input.clientMutationId))?.state).toBe('done');
    // No second create (the email is unique in HubSpot: one contact), one payment account linked to
    // it, and the same answer on the next retry.
    expect(creates()).toBe(lateCreates);
    const listed = await fetch(`${sandbox.urls.stripe}/v1/customers?email=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${sandbox.credentials.stripeSecretKey}` },
    });
    const accounts = ((await listed.json()) as { data: Array<{ metadata: Record<string, string> }> }).data;
    expect(accounts).toHaveLength(1);
    expect(accounts[0]?.metadata.crm_contact_id).toBe(made.id);
    const again = await create(input);
    expect(again.data?.createCustomer.customer?.id).toBe(id);
    expect(creates()).toBe(lateCreates);
  }, 90_000);
});
