import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_HUBSPOT_ACCOUNT } from '../../../sandbox/hubspot/account.js';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { eventually } from '../../support/eventually.js';
import { degradedLine as degradedLineOf, readiness as readyz } from '../../support/readiness.js';
import { TEST_ANCHOR, TEST_SEED, postQuery, startTestConcord } from '../../support/stack.js';
import { liveEnv } from '../../support/live-env.js';

/**
 * Live mode against the HubSpot twin: a portal without the write-key property (archived through the
 * twin's properties API, as HubSpot's own) gets it made at start; a portal that cannot be asked
 * leaves /readyz degraded with one line until it can; a token HubSpot refuses the property's
 * creation (403, no schema scope) leaves one line naming the fix.
 */

const PROPERTY = 'concord_write_key';
const CREATE = `mutation ($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } userErrors { code } }
}`;

describe('the HubSpot write-key property in live mode', () => {
  let sandbox: RunningSandbox;
  let concord: Concord | undefined;

  const hubspot = (method: string, path: string, body?: unknown) =>
    fetch(`${sandbox.urls.hubspot}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${sandbox.credentials.hubspotAccessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const live = (twins: RunningSandbox = sandbox) => {
    return startTestConcord({
      ...liveEnv(twins),
      HUBSPOT_RETRIES: '1',
      RETRY_BASE_MS: '5',
      RETRY_MAX_MS: '10',
    });
  };
  const readiness = () => readyz((concord as Concord).gateway);
  const degradedLine = () => degradedLineOf((concord as Concord).gateway);

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
  }, 60_000);
  afterEach(async () => {
    sandbox.knobs.reset();
    await concord?.stop();
    concord = undefined;
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('the twin answers the properties API as HubSpot does, and refuses writes naming a missing property', async () => {
    const got = await hubspot('GET', `/crm/v3/properties/contacts/${PROPERTY}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ name: PROPERTY, type: 'string', fieldType: 'text' });
    expect((await hubspot('DELETE', `/crm/v3/properties/contacts/${PROPERTY}`)).status).toBe(204);
    const missing = await hubspot('GET', `/crm/v3/properties/contacts/${PROPERTY}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    const refused = await hubspot('POST', '/crm/v3/objects/contacts', {
      properties: { email: 'keyed@example.com', [PROPERTY]: 'k' },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('PROPERTY_DOESNT_EXIST');
    const property = {
      name: PROPERTY,
      label: 'x',
      type: 'string',
      fieldType: 'text',
      groupName: 'contactinformation',
    };
    expect((await hubspot('POST', '/crm/v3/properties/contacts', property)).status).toBe(201);
    const again = await hubspot('POST', '/crm/v3/properties/contacts', property);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ category: 'CONFLICT' });
    expect(
      (await hubspot('POST', '/crm/v3/properties/contacts', { ...property, name: 'Not A Name' })).status,
    ).toBe(400);
  });

  it('is made at start when the portal lacks it; createCustomer then works', async () => {
    expect((await hubspot('DELETE', `/crm/v3/properties/contacts/${PROPERTY}`)).status).toBe(204);
    concord = await live();
    await eventually(
      async () =>
        (await hubspot('GET', `/crm/v3/properties/contacts/${PROPERTY}`)).status === 200 ? true : undefined,
      'the property made by Concord',
    );
    expect((await readiness()).reasons ?? []).toEqual([]);
    const res = await postQuery<{
      createCustomer: { customer: { id: string } | null; userErrors: unknown[] };
    }>(concord.gateway, CREATE, {
      input: { clientMutationId: 'after-setup', email: 'after.setup@example.com' },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.createCustomer.userErrors).toEqual([]);
  }, 60_000);

  it('leaves /readyz degraded with one line while HubSpot cannot be asked, and makes it once it can', async () => {
    expect((await hubspot('DELETE', `/crm/v3/properties/contacts/${PROPERTY}`)).status).toBe(204);
    sandbox.knobs.set('hubspot', { outage: true });
    concord = await live();
    expect(await degradedLine()).toMatch(/^hubspot: could not check its setup for writes yet/);
    sandbox.knobs.set('hubspot', { outage: false });
    await eventually(
      async () =>
        (await hubspot('GET', `/crm/v3/properties/contacts/${PROPERTY}`)).status === 200 ? true : undefined,
      'the property made once HubSpot answers',
    );
    await eventually(
      async () => ((await readiness()).reasons === undefined ? true : undefined),
      'the line gone',
    );
  }, 60_000);

  it('leaves /readyz degraded with the fix in one line when HubSpot refuses the property (no schema scope)', async () => {
    // A portal whose token lacks crm.schemas.contacts.write, without the property.
    const unscoped = await startSandbox({
      seed: TEST_SEED,
      anchor: Date.parse(TEST_ANCHOR),
      hubspot: { ...DEFAULT_HUBSPOT_ACCOUNT, schemaWrite: false },
    });
    try {
      const archived = await fetch(`${unscoped.urls.hubspot}/crm/v3/properties/contacts/${PROPERTY}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${unscoped.credentials.hubspotAccessToken}` },
      });
      expect(archived.status).toBe(204);
      concord = await live(unscoped);
      const line = await degradedLine();
      expect(line).toMatch(
        /^hubspot: the contact property concord_write_key \(HUBSPOT_WRITE_KEY_PROPERTY\) is missing and could not be created \(HTTP 403; the token needs crm\.schemas\.contacts\.write\)/,
      );
      expect(line).toContain('HUBSPOT_WRITE_KEY_PROPERTY=off');
      // A refusal is the operator's to fix: asked once, not again with backoff.
      const creates = () =>
        unscoped.counters.snapshot().byEndpoint.hubspot['POST /crm/v3/properties/{objectType}'] ?? 0;
      expect(creates()).toBe(1);
      const still = await fetch(`${unscoped.urls.hubspot}/crm/v3/properties/contacts/${PROPERTY}`, {
        headers: { authorization: `Bearer ${unscoped.credentials.hubspotAccessToken}` },
      });
      expect(still.status).toBe(404);
    } finally {
      await concord?.stop();
      concord = undefined;
      await unscoped.stop();
    }
  }, 90_000);
});
