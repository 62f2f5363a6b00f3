import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { fromGlobalId } from '../../../src/relay/global-ids.js';
import { eventually } from '../../support/eventually.js';
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

describe('a createCustomer stopped by a Salesforce create that lands after the run gave up', () => {
  let concord: Concord;
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    // No transport retries (the run stops at the lost answer), a short lease, and no sweep: the
    // client's retry finishes the run.
    ({ concord, sandbox } = await start({
      SALESFORCE_RETRIES: '0',
      COMPENSATION_LEASE_MS: '1000',
      COMPENSATION_SWEEP_MS: '600000',
    }));
  }, 60_000);
  afterAll(async () => {
    await concord?.stop();
  });

  it('is rolled forward by a retry that finds the contact by its write key, not made again', async () => {
    const email = 'stopped.keyed@example.com';
    const input = { clientMutationId: 'stopped-keyed', email, firstName: 'Made', lastName: 'Late' };
    await postQuery(concord.gateway, '{ customers(first: 1) { edges { node { id } } } }');
    sandbox.counters.reset();
    sandbox.salesforce.landWritesLate(1, 100);

    const first = await postQuery<CreatePayload>(concord.gateway, CREATE, { input });
    expect(first.errors?.length).toBe(1);
    const landed = await eventually(async () => {
      const state = sandbox.salesforce.lateWrites();
      return state.pending === 0 ? state.landed[0] : undefined;
    }, 'the lost create landing');
    expect(landed).toEqual({ status: 201, id: expect.any(String), errorCode: null });

    // IN_PROGRESS while the stopped run's lease lapses, then the customer: the contact the late create made.
    const retried = await eventually(async () => {
      const res = await postQuery<CreatePayload>(concord.gateway, CREATE, { input });
      const codes = res.data?.createCustomer.userErrors.map((e) => e.code) ?? [];
      return codes.includes('IN_PROGRESS') ? undefined : res;
    }, 'the retry past the stopped run’s lease');
    expect(retried.errors).toBeUndefined();
    expect(retried.data?.createCustomer.userErrors).toEqual([]);
    expect(fromGlobalId(retried.data?.createCustomer.customer?.id as string).id).toBe(landed.id);
    expect(await contactsWithEmail(sandbox, email)).toEqual([landed.id]);
    // Whatever the retry asked or wrote, nothing answered 201: no contact was made but the late one.
    expect(sandbox.counters.snapshot().byStatus.salesforce['201']).toBeUndefined();
    // One payment account, linked to that contact.
    const listed = await fetch(`${sandbox.urls.stripe}/v1/customers?email=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${sandbox.credentials.stripeSecretKey}` },
    });
    const accounts = ((await listed.json()) as { data: Array<{ metadata: Record<string, string> }> }).data;
    expect(accounts.map((a) => a.metadata.crm_contact_id)).toEqual([landed.id]);
  }, 60_000);
});
