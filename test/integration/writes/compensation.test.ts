import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import type { RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { closeRedis, connectRedis, type RedisConnection } from '../../../src/redis/client.js';
import { inputHashOf, mutationKey } from '../../../src/writes/idempotency.js';
import { RedisLeases } from '../../../src/writes/leases.js';
import { RedisLedger } from '../../../src/writes/ledger.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { postQuery, startTestConcord, type GraphQLResponse } from '../../support/stack.js';
import { eventually } from '../../support/eventually.js';

/**
 * Undoing half-made customers past the request's deadline, recorded in the Redis ledger, and
 * finished by another replica's sweeper when the one that started the undo died.
 */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id email } userErrors { code message field } }
}`;
const UPDATE = `mutation ($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id name } userErrors { code message field } }
}`;
type Payload = {
  customer: { id: string; email?: string; name?: string } | null;
  userErrors: Array<{ code: string; message: string; field: string[] | null }>;
};
type Created = { createCustomer: Payload };
type Updated = { updateCustomer: Payload };

// Generous, so the contact is made well inside it on a loaded machine; Stripe answers long after it.
const DEADLINE_MS = 3_000;
const STRIPE_LATENCY_MS = 7_000;
const LEASE_MS = 1_500;

const CONTACT_CREATE = 'POST /crm/v3/objects/{objectType}';
const CONTACT_DELETE = 'DELETE /crm/v3/objects/{objectType}/{objectId}';

/** Polls until `check` returns a value (not undefined), or fails with what it last saw. */
/** The contact as the sandbox's HubSpot holds it (straight from its API), or null. */
async function hubspotContact(
  sandbox: RunningSandbox,
  key: string,
  idProperty?: 'email',
): Promise<{ id: string; properties: Record<string, string | null> } | null> {
  const query = `properties=email,firstname,lastname${idProperty ? `&idProperty=${idProperty}` : ''}`;
  const res = await fetch(
    `${sandbox.urls.hubspot}/crm/v3/objects/contacts/${encodeURIComponent(key)}?${query}`,
    { headers: { authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}` } },
  );
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`sandbox HubSpot answered ${res.status}`);
  return (await res.json()) as { id: string; properties: Record<string, string | null> };
}

/** What a client reads of each error: its message and extensions. */
const told = (res: GraphQLResponse<unknown>) =>
  res.errors?.map(({ message, extensions }) => ({ message, extensions }));

describe('undoing a half-made customer', () => {
  let redis: TestRedis;
  let concord: Concord;
  let sandbox: RunningSandbox;
  const query = <T>(q: string, variables: Record<string, unknown>) =>
    postQuery<T>(concord.gateway, q, variables);
  const calls = (provider: 'hubspot' | 'stripe', endpoint: string): number =>
    sandbox.counters.snapshot().byEndpoint[provider][endpoint] ?? 0;

  beforeAll(async () => {
    redis = await startTestRedis();
    concord = await startTestConcord({
      REDIS_URL: redis.url,
      REQUEST_DEADLINE_MS: String(DEADLINE_MS),
      COMPENSATION_WAIT_MS: '3000',
      COMPENSATION_RETRY_BASE_MS: '50',
      COMPENSATION_RETRY_MAX_MS: '500',
      COMPENSATION_SWEEP_MS: '200',
      COMPENSATION_LEASE_MS: String(LEASE_MS),
      HUBSPOT_CIRCUIT_HALF_OPEN_MS: '500',
    });
    const running = concord.connected.sandbox;
    if (!running) throw new Error('these tests run against the sandbox');
    sandbox = running;
  }, 60_000);
  afterAll(async () => {
    await concord?.stop();
    await redis?.stop();
  });
  beforeEach(() => {
    sandbox.knobs.reset();
    sandbox.counters.reset();
  });

  it('deletes the contact when the payment account outlives the deadline, and a retry is told the same', async () => {
    sandbox.knobs.set('stripe', { latencyMs: STRIPE_LATENCY_MS });
    const email = 'slow.stripe@example.com';
    const input = { clientMutationId: 'slow-stripe', email, firstName: 'Slow' };

    const first = await query<Created>(CREATE, { input });
    expect(first.data).toBeNull();
    expect(told(first)).toEqual([
      {
        message: expect.stringMatching(/not created.*Nothing was kept/),
        extensions: expect.objectContaining({
          code: 'PROVIDER_UNAVAILABLE',
          provider: 'stripe',
          rolledBack: true,
        }),
      },
    ]);
    expect(calls('hubspot', CONTACT_CREATE)).toBe(1);
    expect(calls('hubspot', CONTACT_DELETE)).toBe(1);
    expect(await hubspotContact(sandbox, email, 'email')).toBeNull();

    // The same request again: the rolled-back error, word for word (not TAKEN), and no write.
    const retry = await query<Created>(CREATE, { input });
    expect(retry.data).toBeNull();
    expect(told(retry)).toEqual(told(first));
    expect(calls('hubspot', CONTACT_CREATE)).toBe(1);
    expect(calls('hubspot', CONTACT_DELETE)).toBe(1);
  });

  it('answers "in progress" while the undo cannot run yet, and the outcome once a retry of the undo has', async () => {
    sandbox.knobs.set('stripe', { latencyMs: STRIPE_LATENCY_MS });
    const email = 'crm.down.too@example.com';
    const input = { clientMutationId: 'crm-down-too', email };
    const first = query<Created>(CREATE, { input });
    // The contact is made; then the CRM goes down before Stripe's deadline passes, so the undo fails.
    await eventually(
      async () => (calls('hubspot', CONTACT_CREATE) === 1 ? true : undefined),
      'the contact create',
    );
    sandbox.knobs.set('hubspot', { outage: true });

    const answered = await first;
    expect(answered.data).toBeNull();
    expect(told(answered)).toEqual([
      {
        message: expect.stringMatching(/not created.*being undone/),
        extensions: expect.objectContaining({
          code: 'PROVIDER_UNAVAILABLE',
          provider: 'stripe',
          rolledBack: false,
        }),
      },
    ]);
    const meanwhile = await query<Created>(CREATE, { input });
    expect(meanwhile.errors).toBeUndefined();
    expect(meanwhile.data?.createCustomer).toEqual({
      customer: null,
      userErrors: [expect.objectContaining({ code: 'IN_PROGRESS', field: ['input', 'clientMutationId'] })],
    });

    sandbox.knobs.set('hubspot', { outage: false });
    const settled = await eventually(async () => {
      const res = await query<Created>(CREATE, { input });
      return res.errors ? res : undefined;
    }, 'the rolled-back answer');
    expect(told(settled)).toEqual([
      {
        message: expect.stringMatching(/not created.*Nothing was kept/),
        extensions: expect.objectContaining({
          code: 'PROVIDER_UNAVAILABLE',
          provider: 'stripe',
          rolledBack: true,
        }),
      },
    ]);
    expect(await hubspotContact(sandbox, email, 'email')).toBeNull();
    expect(calls('hubspot', CONTACT_CREATE)).toBe(1);
  }, 90_000);

  it('puts the changed fields back when the payment account cannot follow an update', async () => {
    const created = await query<Created>(CREATE, {
      input: { email: 'keep.my.name@example.com', firstName: 'Kept', lastName: 'Name' },
    });
    const id = created.data?.createCustomer.customer?.id as string;
    expect(id).toBeTruthy();
    const contactId = created.data?.createCustomer.customer ? id : '';
    const crmId = (await hubspotContact(sandbox, 'keep.my.name@example.com', 'email'))?.id as string;
    expect(toGlobalId('Customer', crmId)).toBe(contactId);

    // The account is looked up (and cached) before the outage: only the account's update fails.
    const linked = await query<{ node: { links: Array<{ provider: string }> } }>(
      'query ($id: ID!) { node(id: $id) { ... on Customer { links { provider } } } }',
      { id },
    );
    expect(linked.data?.node.links.map((l) => l.provider)).toContain('stripe');
    sandbox.knobs.set('stripe', { outage: true });
    const input = { clientMutationId: 'rename-outage', id, firstName: 'Changed' };
    const first = await query<Updated>(UPDATE, { input });
    expect(first.data).toBeNull();
    expect(told(first)).toEqual([
      {
        message: expect.stringMatching(/not updated.*Nothing was kept/),
        extensions: expect.objectContaining({ code: 'PROVIDER_UNAVAILABLE', rolledBack: true }),
      },
    ]);
    expect(calls('stripe', 'POST /v1/customers/{id}')).toBeGreaterThan(0);
    expect((await hubspotContact(sandbox, crmId))?.properties.firstname).toBe('Kept');

    sandbox.knobs.reset();
    const retry = await query<Updated>(UPDATE, { input });
    expect(told(retry)).toEqual(told(first));
    expect((await hubspotContact(sandbox, crmId))?.properties.firstname).toBe('Kept');
  });

  describe('a replica that dies while undoing', () => {
    let other: RedisConnection;
    beforeAll(async () => {
      other = await connectRedis(redis.url, pino({ level: 'silent' }), 'dead replica');
    });
    afterAll(async () => {
      await closeRedis(other);
    });

    it('leaves its undo to the sweeper of a replica still alive, and a retry then answers the outcome', async () => {
      // What the dead replica did: made the contact, saw its account fail, recorded the undo and
      // took the undo's lease, then died before deleting the contact.
      const email = 'orphan.of.a.dead.replica@example.com';
      const made = await fetch(`${sandbox.urls.hubspot}/crm/v3/objects/contacts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ properties: { email } }),
      });
      expect(made.status).toBe(201);
      const contactId = ((await made.json()) as { id: string }).id;
      const input = { clientMutationId: 'dead-replica', email };
      const key = mutationKey('jwt:test-user', 'createCustomer', input.clientMutationId);
      const inputHash = inputHashOf(input);
      expect(await new RedisLeases(other).acquire(`compensation:${key}`, 'dead-replica', LEASE_MS)).toBe(
        true,
      );
      await new RedisLedger(other).beginCompensation(key, inputHash, {
        what: 'The customer was not created',
        step: { kind: 'delete-contact', contactId },
        writeKey: `concord-${key.slice(0, 40)}-delete-contact-undo`,
        failure: {
          kind: 'provider',
          provider: 'stripe',
          code: 'TIMEOUT',
          status: null,
          retryable: true,
          endpoint: 'POST /v1/customers',
        },
        requestId: 'request-of-the-dead-replica',
      });

      // Until it is done, the retry is told it is in progress, never TAKEN.
      const meanwhile = await query<Created>(CREATE, { input });
      const code = meanwhile.data?.createCustomer.userErrors[0]?.code;
      if (code !== undefined) expect(code).toBe('IN_PROGRESS');

      const settled = await eventually(async () => {
        const res = await query<Created>(CREATE, { input });
        return res.errors ? res : undefined;
      }, 'the undo finished by the sweeper');
      expect(told(settled)).toEqual([
        {
          message: expect.stringMatching(/not created.*Nothing was kept/),
          extensions: expect.objectContaining({
            code: 'PROVIDER_UNAVAILABLE',
            provider: 'stripe',
            rolledBack: true,
          }),
        },
      ]);
      expect(await hubspotContact(sandbox, email, 'email')).toBeNull();
      expect(calls('hubspot', CONTACT_DELETE)).toBe(1);
      expect(calls('hubspot', CONTACT_CREATE)).toBe(1);
      expect(await other.sMembers('concord:compensations')).toEqual([]);
    }, 90_000);
  });
});
