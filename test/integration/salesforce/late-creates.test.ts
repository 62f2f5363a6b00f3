import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { fromGlobalId } from '../../../src/relay/global-ids.js';
import { salesforceAccessToken } from '../../support/salesforce-token.js';
import { postQuery, startTestConcord } from '../../support/stack.js';

/**
 * A contact create whose answer is lost before Salesforce carries it out, and which lands late:
 * just before the repeat reaches the org (the twin's landWritesLate). With the write-key field, the
 * create is an upsert by the write's key, repeated by the transport: the late attempt makes the
 * contact and the repeat finds it, so the client gets that contact, once, and a retry with the same
 * clientMutationId answers it again. With SALESFORCE_WRITE_KEY_FIELD=off the look-up by email
 * before the repeat finds nothing (the lost create has not landed yet), the repeat then meets the
 * contact the late attempt made, and the client is refused its own contact: the hole the key closes.
 */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code field } }
}`;
const UPSERT = 'PATCH /services/data/{version}/sobjects/{sobject}/{field}/{value}';
const POST_CREATE = 'POST /services/data/{version}/sobjects/{sobject}';

type CreatePayload = {
  createCustomer: { customer: { id: string } | null; userErrors: Array<{ code: string }> };
};

async function start(env: Record<string, string>): Promise<{ concord: Concord; sandbox: RunningSandbox }> {
  const concord = await startTestConcord({
    CRM_PROVIDER: 'salesforce',
    SALESFORCE_RETRIES: '3',
    RETRY_BASE_MS: '5',
    RETRY_MAX_MS: '20',
    ...env,
  });
  const sandbox = concord.connected.sandbox;
  if (!sandbox) throw new Error('expected the sandbox');
  return { concord, sandbox };
}

/** The ids of the twin's contacts holding `email`, asked of Salesforce itself (SOQL). */
async function contactsWithEmail(sandbox: RunningSandbox, email: string): Promise<string[]> {
  const token = await salesforceAccessToken(sandbox);
  const q = encodeURIComponent(`SELECT Id FROM Contact WHERE Email = '${email}'`);
  const res = await fetch(`${sandbox.urls.salesforce}/services/data/v65.0/query?q=${q}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { records: Array<{ Id: string }> }).records.map((r) => r.Id);
}

describe('a Salesforce contact create that lands late, with the write-key field', () => {
  let concord: Concord;
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    ({ concord, sandbox } = await start({}));
  }, 60_000);
  afterAll(async () => {
    await concord?.stop();
  });

  it('makes one contact, answers it, and answers it again to a retry; the transport repeated the upsert', async () => {
    const email = 'late.keyed@example.com';
    const input = { clientMutationId: 'late-keyed', email, lastName: 'Late' };
    // The OAuth token and the first reads are taken first, so the counters below are the create's.
    await postQuery(concord.gateway, '{ customers(first: 1) { edges { node { id } } } }');
    sandbox.counters.reset();
    const retriesBefore = concord.connected.policies.state('salesforce').retries;
    sandbox.salesforce.landWritesLate(1, 60_000);

    const first = await postQuery<CreatePayload>(concord.gateway, CREATE, { input });
    expect(first.errors).toBeUndefined();
    expect(first.data?.createCustomer.userErrors).toEqual([]);
    const late = sandbox.salesforce.lateWrites();
    // The lost attempt landed before its repeat and made the contact; the repeat found it.
    expect(late).toEqual({ pending: 0, landed: [{ status: 201, id: expect.any(String), errorCode: null }] });
    const made = late.landed[0]?.id as string;
    expect(await contactsWithEmail(sandbox, email)).toEqual([made]);
    expect(fromGlobalId(first.data?.createCustomer.customer?.id as string).id).toBe(made);

    const counters = sandbox.counters.snapshot();
    expect(counters.byEndpoint.salesforce[UPSERT]).toBe(2);
    expect(counters.byEndpoint.salesforce[POST_CREATE]).toBeUndefined();
    expect(concord.connected.policies.state('salesforce').retries - retriesBefore).toBe(1);

    const retried = await postQuery<CreatePayload>(concord.gateway, CREATE, { input });
    expect(retried.errors).toBeUndefined();
    expect(retried.data?.createCustomer).toEqual(first.data?.createCustomer);
    expect(await contactsWithEmail(sandbox, email)).toEqual([made]);
  }, 60_000);
});

describe('a Salesforce contact create that lands late, with SALESFORCE_WRITE_KEY_FIELD=off', () => {
  let concord: Concord;
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    ({ concord, sandbox } = await start({ SALESFORCE_WRITE_KEY_FIELD: 'off' }));
  }, 60_000);
  afterAll(async () => {
    await concord?.stop();
  });

  it('refuses the client its own contact: the look-up by email ran before the lost create landed', async () => {
    const email = 'late.unkeyed@example.com';
    const input = { clientMutationId: 'late-unkeyed', email, lastName: 'Late' };
    await postQuery(concord.gateway, '{ customers(first: 1) { edges { node { id } } } }');
    sandbox.counters.reset();
    sandbox.salesforce.landWritesLate(1, 60_000);

    const first = await postQuery<CreatePayload>(concord.gateway, CREATE, { input });
    const late = sandbox.salesforce.lateWrites();
    expect(late).toEqual({ pending: 0, landed: [{ status: 201, id: expect.any(String), errorCode: null }] });
    // Two plain creates: the lost one, and the adapter's repeat, which met the contact it made.
    expect(sandbox.counters.snapshot().byEndpoint.salesforce[POST_CREATE]).toBe(2);
    expect(first.data?.createCustomer.userErrors.map((e) => e.code)).toEqual(['TAKEN']);
    const retried = await postQuery<CreatePayload>(concord.gateway, CREATE, { input });
    expect(retried.data?.createCustomer.userErrors.map((e) => e.code)).toEqual(['TAKEN']);
    expect(await contactsWithEmail(sandbox, email)).toEqual([late.landed[0]?.id]);
  }, 60_000);
});
