import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@redis/client';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { mutationKey } from '../../../src/writes/idempotency.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { spawnGateway, type SpawnedGateway } from '../../support/spawn-gateway.js';
import { TEST_ANCHOR, TEST_SEED, postQuery, startTestConcord } from '../../support/stack.js';
import { TEST_JWT, signTestToken } from '../../support/tokens.js';
import { eventually } from '../../support/eventually.js';
import { liveEnv } from '../../support/live-env.js';

/**
 * Two replicas on one Redis and one sandbox: replica A makes the CRM contact of a createCustomer
 * and is killed (SIGKILL, by pid) while the payment account's call is still out. Nobody retries:
 * replica B's sweeper finishes the run from A's ledger record once A's lease lapses, and a retry
 * with the same clientMutationId then answers the customer.
 */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}`;
const CONTACT_CREATE = 'POST /crm/v3/objects/{objectType}';
const CONTACT_DELETE = 'DELETE /crm/v3/objects/{objectType}/{objectId}';
/** Longer than the test: A's account call is still out when A is killed. */
const STRIPE_STALL_MS = 120_000;
/** A claim with no progress recorded lapses after 60 s; the run must be finished well before. */
const FINISHED_WITHIN_MS = 30_000;

describe('a createCustomer whose replica dies between its two writes', () => {
  let redis: TestRedis;
  let sandbox: RunningSandbox;
  let replicaA: SpawnedGateway | undefined;
  let replicaB: Concord;

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    const shared = {
      ...liveEnv(sandbox),
      REDIS_URL: redis.url,
      ...TEST_JWT,
      CURSOR_SECRET: 'test-cursor-secret-0123456789',
      // A is killed long before its request's deadline: the undo path never starts.
      REQUEST_DEADLINE_MS: '110000',
      COMPENSATION_SWEEP_MS: '200',
      COMPENSATION_LEASE_MS: '1500',
    };
    [replicaA, replicaB] = await Promise.all([spawnGateway(shared, 90_000), startTestConcord(shared)]);
  }, 120_000);
  afterAll(async () => {
    replicaA?.child.kill('SIGKILL');
    await replicaB?.stop();
    await sandbox?.stop();
    await redis?.stop();
  });

  it('is finished by the live replica’s sweeper without a retry, and a retry answers the customer', async () => {
    const a = replicaA as SpawnedGateway;
    const calls = (endpoint: string) => sandbox.counters.snapshot().byEndpoint.hubspot[endpoint] ?? 0;
    const email = 'left.half.made@example.com';
    const input = { clientMutationId: 'killed-between-writes', email, firstName: 'Half', lastName: 'Made' };
    const token = await signTestToken();
    const key = mutationKey('jwt:test-user', 'createCustomer', input.clientMutationId);
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      sandbox.knobs.set('stripe', { latencyMs: STRIPE_STALL_MS });
      const answered = fetch(a.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: CREATE, variables: { input } }),
      }).catch(() => null);
      // The contact is made and A has recorded it: its next write is the payment account.
      await eventually(async () => {
        const raw = await client.get(`concord:mutation:${key}`);
        const entry = raw ? (JSON.parse(raw) as { progress?: { step?: { account?: unknown } } }) : null;
        return calls(CONTACT_CREATE) === 1 && entry?.progress?.step?.account ? true : undefined;
      }, 'the contact made and recorded by A');
      a.child.kill('SIGKILL');
      await answered;
      sandbox.knobs.set('stripe', { latencyMs: 0 });

      // No client retries: B's sweeper rolls the run forward with A's keys.
      const finished = await eventually(
        async () => {
          const raw = await client.get(`concord:mutation:${key}`);
          const entry = raw ? (JSON.parse(raw) as { state: string; record?: { contactId: string } }) : null;
          return entry?.state === 'done' ? entry : undefined;
        },
        "B's sweeper finishing A's run",
        FINISHED_WITHIN_MS,
      );
      const contactId = finished.record?.contactId as string;
      expect(contactId).toMatch(/^\d+$/);
      expect(await client.sMembers('concord:compensations')).toEqual([]);

      // One payment account, linked to the contact; the contact was kept.
      const listed = await fetch(`${sandbox.urls.stripe}/v1/customers?email=${encodeURIComponent(email)}`, {
        headers: { authorization: `Bearer ${sandbox.credentials.stripeSecretKey}` },
      });
      const accounts = ((await listed.json()) as { data: Array<{ metadata: Record<string, string> }> }).data;
      expect(accounts).toHaveLength(1);
      expect(accounts[0]?.metadata.crm_contact_id).toBe(contactId);
      const contact = await fetch(`${sandbox.urls.hubspot}/crm/v3/objects/contacts/${contactId}`, {
        headers: { authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}` },
      });
      expect(contact.status).toBe(200);
      expect(calls(CONTACT_CREATE)).toBe(1);
      expect(calls(CONTACT_DELETE)).toBe(0);

      // A retry with the same clientMutationId answers the customer, on either replica, without writing.
      const retried = await postQuery<{
        createCustomer: { customer: { id: string } | null; userErrors: unknown[] };
      }>(replicaB.gateway, CREATE, { input }, { token });
      expect(retried.errors).toBeUndefined();
      expect(retried.data?.createCustomer.userErrors).toEqual([]);
      expect(retried.data?.createCustomer.customer?.id).toBeTruthy();
      expect(calls(CONTACT_CREATE)).toBe(1);
    } finally {
      await client.close();
    }
  }, 120_000);
});
