import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/index.js';
import { FIDELITY_SANDBOX, hubspotClient, rejectionOf } from '../../../support/official-clients.js';

let sandbox: RunningSandbox;
let client: Client;

beforeAll(async () => {
  sandbox = await startSandbox(FIDELITY_SANDBOX);
  client = hubspotClient(sandbox);
});

afterAll(async () => {
  await sandbox.stop();
});

const failure = (promise: Promise<unknown>) => rejectionOf<{ code?: number; body?: unknown }>(promise);

const HUBSPOT_DEFINED = AssociationSpecAssociationCategoryEnum.HubspotDefined;

describe('HubSpot properties as the client reads them', () => {
  it('returns every requested known property, null when unset, keys sorted, hs_object_id always', async () => {
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: 'only.email@example.com' },
      associations: [],
    });
    const read = await client.crm.contacts.basicApi.getById(created.id, [
      'firstname',
      'email',
      'hs_lead_status',
      'state',
      'no_such_property',
    ]);
    expect(Object.keys(read.properties)).toEqual([
      'email',
      'firstname',
      'hs_lead_status',
      'hs_object_id',
      'state',
    ]);
    expect(read.properties).toEqual({
      email: 'only.email@example.com',
      firstname: null,
      hs_lead_status: null,
      hs_object_id: created.id,
      state: null,
    });
  });

  it('has the standard contact properties a CRM user filters on (owner, lead status, city, country)', async () => {
    const page = await client.crm.contacts.basicApi.getPage(20, undefined, [
      'hubspot_owner_id',
      'hs_lead_status',
      'city',
      'country',
    ]);
    const owned = page.results.find((c) => c.properties.hubspot_owner_id);
    expect(owned).toBeDefined();
    for (const contact of page.results) {
      expect(Object.keys(contact.properties).sort()).toEqual([
        'city',
        'country',
        'hs_lead_status',
        'hs_object_id',
        'hubspot_owner_id',
      ]);
    }
    const owner = owned?.properties.hubspot_owner_id ?? '';
    const search = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'hubspot_owner_id', operator: FilterOperatorEnum.Eq, value: owner }] },
      ],
      properties: ['hubspot_owner_id'],
      limit: 100,
    });
    expect(search.total).toBeGreaterThan(0);
    for (const contact of search.results) expect(contact.properties.hubspot_owner_id).toBe(owner);
  });
});

describe('associations given at create', () => {
  it('are made, both ways, and read back through v3 and v4', async () => {
    const company = (await client.crm.companies.basicApi.getPage(1)).results[0];
    const deal = (await client.crm.deals.basicApi.getPage(1)).results[0];
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'linked.at.create@example.com', firstname: 'Linked' },
      associations: [
        {
          to: { id: company?.id ?? '' },
          types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 279 }],
        },
        {
          to: { id: deal?.id ?? '' },
          types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 4 }],
        },
      ],
    });
    const read = await client.crm.contacts.basicApi.getById(contact.id, undefined, undefined, [
      'companies',
      'deals',
    ]);
    expect(read.associations?.companies?.results.map((r) => r.id)).toContain(company?.id);
    expect(read.associations?.deals?.results.map((r) => r.id)).toContain(deal?.id);
    const back = await client.crm.associations.v4.basicApi.getPage(
      'companies',
      company?.id ?? '',
      'contacts',
      undefined,
      500,
    );
    expect(back.results.map((r) => String(r.toObjectId))).toContain(contact.id);
  });

  it('refuse a bad type id or a missing record with a 400, creating nothing', async () => {
    const company = (await client.crm.companies.basicApi.getPage(1)).results[0];
    const badType = await failure(
      client.crm.contacts.basicApi.create({
        properties: { email: 'never.created.1@example.com' },
        associations: [
          {
            to: { id: company?.id ?? '' },
            types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 999 }],
          },
        ],
      }),
    );
    const missing = await failure(
      client.crm.contacts.basicApi.create({
        properties: { email: 'never.created.2@example.com' },
        associations: [
          {
            to: { id: '999999999' },
            types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 279 }],
          },
        ],
      }),
    );
    for (const error of [badType, missing]) {
      expect(error.code).toBe(400);
      expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    }
    for (const email of ['never.created.1@example.com', 'never.created.2@example.com']) {
      const gone = await failure(
        client.crm.contacts.basicApi.getById(email, undefined, undefined, undefined, false, 'email'),
      );
      expect(gone.code).toBe(404);
    }
  });
});

describe('associations given at update', () => {
  it('are not part of an update: the client leaves them out, and a raw PATCH with them is refused, changing nothing', async () => {
    const company = (await client.crm.companies.basicApi.getPage(1)).results[0];
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'patched.later@example.com', firstname: 'Before' },
      associations: [],
    });
    const links = {
      to: { id: company?.id ?? '' },
      types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 279 }],
    };

    // SimplePublicObjectInput has no associations: the client serialises properties only, so none are sent.
    const updated = await client.crm.contacts.basicApi.update(contact.id, {
      properties: { firstname: 'Through the client' },
      associations: [links],
    } as { properties: Record<string, string> });
    expect(updated.properties.firstname).toBe('Through the client');

    // Sent anyway (through the client's raw request), HubSpot's strict JSON binding refuses the field.
    const raw = await client.apiRequest({
      method: 'PATCH',
      path: `/crm/v3/objects/contacts/${contact.id}`,
      body: { properties: { firstname: 'Raw' }, associations: [links] },
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: expect.stringContaining('associations'),
    });

    const read = await client.crm.contacts.basicApi.getById(contact.id, ['firstname'], undefined, [
      'companies',
    ]);
    expect(read.properties.firstname).toBe('Through the client');
    expect(read.associations?.companies?.results ?? []).toEqual([]);
  });
});

describe('calls the sandbox does not simulate', () => {
  it("answer HubSpot's own 404, never a silent success", async () => {
    // Owners are not simulated (pipelines and the properties API are).
    const error = await failure(client.crm.owners.ownersApi.getPage());
    expect(error.code).toBe(404);
    expect(error.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });
});
