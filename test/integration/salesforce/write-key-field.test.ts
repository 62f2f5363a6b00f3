import { afterEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_SALESFORCE_TWIN } from '../../../sandbox/salesforce/index.js';
import type { WriteKeyFieldSetup } from '../../../sandbox/salesforce/schema.js';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { eventually } from '../../support/eventually.js';
import { degradedLine as degradedLineOf, readiness as readyz } from '../../support/readiness.js';
import { liveEnv } from '../../support/live-env.js';
import { TEST_ANCHOR, TEST_SEED, postQuery, startTestConcord } from '../../support/stack.js';

/**
 * Live mode with Salesforce as the CRM, against the twin: Concord describes Contact at start and
 * /readyz says, in one line an operator acts on, when the org lacks the write-key field or has it
 * without External ID and Unique (the REST data API cannot create fields, so nothing is made).
 */

const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}`;
type CreatePayload = { createCustomer: { customer: { id: string } | null; userErrors: unknown[] } };

describe('the Salesforce write-key field in live mode', () => {
  let sandbox: RunningSandbox | undefined;
  let concord: Concord | undefined;

  afterEach(async () => {
    await concord?.stop();
    concord = undefined;
    await sandbox?.stop();
    sandbox = undefined;
  });

  async function live(writeKeyField: WriteKeyFieldSetup, env: Record<string, string> = {}) {
    sandbox = await startSandbox({
      seed: TEST_SEED,
      anchor: Date.parse(TEST_ANCHOR),
      crm: 'salesforce',
      salesforce: { ...DEFAULT_SALESFORCE_TWIN, writeKeyField },
    });
    const { HUBSPOT_ACCESS_TOKEN: _token, HUBSPOT_BASE_URL: _url, ...others } = liveEnv(sandbox);
    concord = await startTestConcord({
      ...others,
      CRM_PROVIDER: 'salesforce',
      SALESFORCE_LOGIN_URL: sandbox.urls.salesforce,
      SALESFORCE_CLIENT_ID: sandbox.salesforce.settings.clientId,
      SALESFORCE_CLIENT_SECRET: sandbox.salesforce.settings.clientSecret,
      SALESFORCE_REFRESH_TOKEN: sandbox.salesforce.settings.refreshToken,
      ...env,
    });
    return concord;
  }
  const readiness = () => readyz((concord as Concord).gateway);
  const degradedLine = async () => (await degradedLineOf((concord as Concord).gateway)) as string;
  const create = (clientMutationId: string, email: string) =>
    postQuery<CreatePayload>((concord as Concord).gateway, CREATE, {
      input: { clientMutationId, email, lastName: 'Keyed' },
    });

  it('is ready when the org has the field as External ID and Unique; createCustomer upserts by it', async () => {
    await live('unique');
    const counted = (sandbox as RunningSandbox).counters;
    await eventually(
      async () =>
        (counted.snapshot().byEndpoint.salesforce[
          'GET /services/data/{version}/sobjects/{sobject}/describe'
        ] ?? 0) > 0
          ? true
          : undefined,
      'the describe at start',
    );
    expect((await readiness()).reasons ?? []).toEqual([]);
    const res = await create('live-keyed', 'live.keyed@example.com');
    expect(res.errors).toBeUndefined();
    expect(res.data?.createCustomer.userErrors).toEqual([]);
    const byEndpoint = counted.snapshot().byEndpoint.salesforce;
    expect(byEndpoint['PATCH /services/data/{version}/sobjects/{sobject}/{field}/{value}']).toBe(1);
    expect(byEndpoint['POST /services/data/{version}/sobjects/{sobject}']).toBeUndefined();
  }, 60_000);

  it('says what to create when the org lacks the field, and createCustomer fails without a contact made', async () => {
    await live('off');
    const line = await degradedLine();
    expect(line).toMatch(
      /^salesforce: the Contact field Concord_Write_Key__c \(SALESFORCE_WRITE_KEY_FIELD\) is missing in the org: create it in Setup/,
    );
    expect(line).toContain('"External ID" and "Unique"');
    expect(line).toContain('SALESFORCE_WRITE_KEY_FIELD=off');
    const res = await create('live-missing', 'live.missing@example.com');
    expect(res.data?.createCustomer ?? null).toBeNull();
    expect(res.errors?.length).toBe(1);
    const creates = (sandbox as RunningSandbox).counters.snapshot().byStatus.salesforce['201'] ?? 0;
    expect(creates).toBe(0);
  }, 60_000);

  it('says the field is not Unique when it is an External ID only', async () => {
    await live('non-unique');
    expect(await degradedLine()).toMatch(
      /^salesforce: the Contact field Concord_Write_Key__c \(SALESFORCE_WRITE_KEY_FIELD\) is not Unique: /,
    );
  }, 60_000);

  it('asks nothing of the org with SALESFORCE_WRITE_KEY_FIELD=off, and creates as before', async () => {
    await live('off', { SALESFORCE_WRITE_KEY_FIELD: 'off' });
    const res = await create('live-off', 'live.off@example.com');
    expect(res.errors).toBeUndefined();
    expect(res.data?.createCustomer.userErrors).toEqual([]);
    expect((await readiness()).reasons ?? []).toEqual([]);
    const counted = (sandbox as RunningSandbox).counters.snapshot().byEndpoint.salesforce;
    expect(counted['GET /services/data/{version}/sobjects/{sobject}/describe']).toBeUndefined();
  }, 60_000);
});
