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
 * Two replicas on one Redis and one sandbox (both in live mode against it): replica A is killed
 * while it retries an undo the CRM refuses; replica B's sweeper finishes it once A's lease lapses.
 */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}`;
const CONTACT_CREATE = 'POST /crm/v3/objects/{objectType}';
const CONTACT_DELETE = 'DELETE /crm/v3/objects/{objectType}/{objectId}';

describe('an undo whose replica dies', () => {
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
      REQUEST_DEADLINE_MS: '3000',
      COMPENSATION_SWEEP_MS: '200',
      COMPENSATION_LEASE_MS: '1500',
      // Keep the CRM's circuit closed: the undo's attempts should reach it.
      HUBSPOT_CIRCUIT_MIN_CALLS: '100000',
    };
    [replicaA, replicaB] = await Promise.all([
      spawnGateway(
        {
          ...shared,
          // A keeps retrying its undo for as long as the test needs it alive.
          COMPENSATION_DEADLINE_MS: '600000',
          COMPENSATION_RETRIES: '100',
          COMPENSATION_RETRY_BASE_MS: '100',
          COMPENSATION_RETRY_MAX_MS: '300',
        },
        90_000,
      ),
      startTestConcord(shared),
    ]);
  }, 120_000);
  afterAll(async () => {
    replicaA?.child.kill('SIGKILL');
    await replicaB?.stop();
    await sandbox?.stop();
    await redis?.stop();
  });

  it('is finished by the sweeper of the replica still alive, and a retry there answers the rollback', async () => {
    const a = replicaA as SpawnedGateway;
    const calls = (endpoint: string) => sandbox.counters.snapshot().byEndpoint.hubspot[endpoint] ?? 0;
    const email = 'left.by.a.dead.replica@example.com';
    const input = { clientMutationId: 'dead-mid-undo', email };
    const token = await signTestToken();

    // Stripe answers after the deadline; once the contact is made, the CRM goes down, so A's undo
    // keeps failing and A keeps retrying it.
    sandbox.knobs.set('stripe', { latencyMs: 8_000 });
    const answered = fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: CREATE, variables: { input } }),
    }).catch(() => null);
    await eventually(async () => (calls(CONTACT_CREATE) === 1 ? true : undefined), 'the contact create');
    sandbox.knobs.set('hubspot', { outage: true });

    const key = mutationKey('jwt:test-user', 'createCustomer', input.clientMutationId);
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      await eventually(async () => {
        const owed = await client.sMembers('concord:compensations');
        return owed.includes(key) && calls(CONTACT_DELETE) >= 2 ? true : undefined;
      }, "A's undo recorded and under way");
      a.child.kill('SIGKILL');
      await answered;
      sandbox.knobs.set('hubspot', { outage: false });

      const settled = await eventually(async () => {
        const res = await postQuery<{ createCustomer: unknown }>(
          replicaB.gateway,
          CREATE,
          { input },
          { token },
        );
        return res.errors ? res : undefined;
      }, "B's sweeper finishing the undo");
      expect(settled.data).toBeNull();
      expect(settled.errors?.[0]?.extensions).toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        provider: 'stripe',
        rolledBack: true,
      });
      expect(await client.sMembers('concord:compensations')).toEqual([]);
    } finally {
      await client.close();
    }
    const lookup = await fetch(
      `${sandbox.urls.hubspot}/crm/v3/objects/contacts/${encodeURIComponent(email)}?idProperty=email`,
      { headers: { authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}` } },
    );
    expect(lookup.status).toBe(404);
    expect(calls(CONTACT_CREATE)).toBe(1);
  }, 120_000);
});
