import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fromGlobalId } from '../../../src/relay/global-ids.js';
import { eventually } from '../../support/eventually.js';
import { salesforceAccessToken } from '../../support/salesforce-token.js';
import { startTestStack, type TestStack } from '../../support/stack.js';

/**
 * Salesforce takes no idempotency key. With the write-key field (the default), a contact create is an
 * upsert by the write's key, which the transport repeats like any keyed write; with
 * SALESFORCE_WRITE_KEY_FIELD=off, a create is repeated by the adapter only after asking whether the
 * failed attempt made it (by its email). Either way, with the Salesforce twin failing 30% of
 * requests, half of them after carrying the request out (the contact made, its answer lost), every
 * createCustomer ends with exactly one contact for its email: none made twice, none lost.
 */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}`;
const CONTACT_CREATE = 'POST /services/data/{version}/sobjects/{sobject}';
const CONTACT_UPSERT = 'PATCH /services/data/{version}/sobjects/{sobject}/{field}/{value}';
const CREATES = 40;

type CreatePayload = { createCustomer: { customer: { id: string } | null; userErrors: unknown[] } };

describe.each<{ how: string; env: Record<string, string>; endpoint: string; late: number }>([
  // Upserts also take creates that land late, after their answer was lost: each is found by its
  // repeat, or finds what the repeat made. Plain creates lose that race only when the late create
  // lands between their look-up and their repeat, which other clients' writes here make rare (each
  // lands a held create early): test/integration/salesforce/late-creates.test.ts shows it exactly.
  { how: 'upserts by the write key', env: {}, endpoint: CONTACT_UPSERT, late: 8 },
  {
    how: 'plain creates (write-key field off)',
    env: { SALESFORCE_WRITE_KEY_FIELD: 'off' },
    endpoint: CONTACT_CREATE,
    late: 0,
  },
])('Salesforce contact creates as $how with 30% of requests failing', ({ env, endpoint, late }) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      ...env,
      CRM_PROVIDER: 'salesforce',
      // Generous: the point is whether creates are repeated safely, not how fast a loaded machine answers.
      REQUEST_DEADLINE_MS: '30000',
      // Ten retries leave a call failing for good about twice in a million (0.3^11).
      SALESFORCE_RETRIES: '10',
      RETRY_BASE_MS: '5',
      RETRY_MAX_MS: '40',
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** The ids of the twin's contacts holding `email`, asked of Salesforce itself (SOQL). */
  async function contactsWithEmail(email: string): Promise<string[]> {
    const base = stack.sandbox.urls.salesforce;
    const token = await salesforceAccessToken(stack.sandbox);
    const q = `SELECT Id FROM Contact WHERE Email = '${email}'`;
    const res = await fetch(`${base}/services/data/v65.0/query?q=${encodeURIComponent(q)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { records: Array<{ Id: string }> }).records.map((r) => r.Id);
  }

  it('makes each contact exactly once, answers it, and answers it again to a retry', async () => {
    const tag = endpoint === CONTACT_UPSERT ? 'keyed' : 'unkeyed';
    const emails = Array.from({ length: CREATES }, (_, i) => `sf.retried.${tag}.${i}@example.com`);
    for (const email of emails) expect(await contactsWithEmail(email)).toEqual([]);
    // Concord's OAuth token is taken while healthy: this test is about creates, and a token call failing
    // all its tries would answer PROVIDER_UNAVAILABLE (reason auth) to the first create.
    expect(
      (await stack.query('{ customers(first: 1) { edges { node { id } } } }', {})).errors,
    ).toBeUndefined();
    stack.sandbox.knobs.set('salesforce', { errorRate: 0.15, lostAnswerRate: 0.15 });
    stack.sandbox.salesforce.landWritesLate(late, 100);
    stack.sandbox.counters.reset();

    const answers = new Map<string, Awaited<ReturnType<TestStack['query']>>>();
    const queue = [...emails];
    // Four clients at once, as a gateway under load sees them.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let email = queue.shift(); email; email = queue.shift()) {
          const input = { clientMutationId: `sf-${email}`, email, lastName: 'Retried' };
          answers.set(email, await stack.query<CreatePayload>(CREATE, { input }));
        }
      }),
    );
    const counters = stack.sandbox.counters.snapshot();
    // Each held write has landed (before the next write, or on its own soon after).
    const landed = await eventually(async () => {
      const state = stack.sandbox.salesforce.lateWrites();
      return state.pending === 0 ? state.landed : undefined;
    }, 'the late writes landing');
    expect(landed).toHaveLength(late);

    // Every client asks again with its clientMutationId, the faults still on: the same customer.
    await Promise.all(
      emails.map(async (email) => {
        const input = { clientMutationId: `sf-${email}`, email, lastName: 'Retried' };
        const again = await stack.query<CreatePayload>(CREATE, { input });
        expect({ email, again: again.data?.createCustomer ?? again.errors }).toEqual({
          email,
          again: (answers.get(email) as { data?: CreatePayload }).data?.createCustomer,
        });
      }),
    );
    stack.sandbox.knobs.reset('salesforce');

    for (const email of emails) {
      const res = answers.get(email) as { data?: CreatePayload | null; errors?: unknown };
      expect({ email, errors: res.errors }).toEqual({ email, errors: undefined });
      expect({ email, userErrors: res.data?.createCustomer.userErrors }).toEqual({ email, userErrors: [] });
      const held = await contactsWithEmail(email);
      // Not made twice, not lost: one contact, the one the client was answered.
      expect({ email, contacts: held.length }).toEqual({ email, contacts: 1 });
      const id = res.data?.createCustomer.customer?.id as string;
      expect(fromGlobalId(id).id).toBe(held[0]);
    }
    // Both paths were taken (each has a chance under 0.1% of not being: 0.85^40). One contact per
    // email was made, so attempts past CREATES failed before doing anything and were repeated; and
    // fewer than CREATES creates were answered 201 (only creates answer 201): the rest were made with
    // their answer lost, and found (by the repeated upsert's key, or by the look-up by email)
    // rather than made again. Only the configured kind of create was sent.
    const attempts = counters.byEndpoint.salesforce[endpoint] ?? 0;
    expect(attempts).toBeGreaterThan(CREATES);
    expect(counters.byStatus.salesforce['201'] ?? 0).toBeLessThan(CREATES);
    const other = endpoint === CONTACT_UPSERT ? CONTACT_CREATE : CONTACT_UPSERT;
    expect(counters.byEndpoint.salesforce[other]).toBeUndefined();
  }, 120_000);
});
