import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AssociationTypes, type Client } from '@hubspot/api-client';
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4/models/AssociationSpec.js';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/deals/models/Filter.js';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/index.js';
import { FIDELITY_SANDBOX, hubspotClient, rejectionOf } from '../../../support/official-clients.js';

// The calls @hubspot/api-client's README and docs show, beyond those Concord's adapter makes,
// against the twin, read through the client's own models.

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

async function firstIds(): Promise<{ contact: string; company: string; deal: string }> {
  const [contacts, companies, deals] = await Promise.all([
    client.crm.contacts.basicApi.getPage(1),
    client.crm.companies.basicApi.getPage(1),
    client.crm.deals.basicApi.getPage(1),
  ]);
  return {
    contact: contacts.results[0]?.id ?? '',
    company: companies.results[0]?.id ?? '',
    deal: deals.results[0]?.id ?? '',
  };
}

describe("the README's first steps", () => {
  it('creates a contact and a company and associates them with AssociationTypes.companyToContact', async () => {
    const contact = await client.crm.contacts.basicApi.create({
      properties: { firstname: 'Readme', lastname: 'Contact', email: 'readme.contact@example.com' },
      associations: [],
    });
    const company = await client.crm.companies.basicApi.create({
      properties: { domain: 'readme.example.com', name: 'Readme Inc' },
      associations: [],
    });
    await client.crm.associations.v4.basicApi.create('companies', company.id, 'contacts', contact.id, [
      { associationCategory: HUBSPOT_DEFINED, associationTypeId: AssociationTypes.companyToContact },
    ]);
    const read = await client.crm.contacts.basicApi.getById(contact.id, ['firstname'], undefined, [
      'companies',
    ]);
    expect(read.properties.firstname).toBe('Readme');
    expect(read.associations?.companies?.results.map((r) => r.id)).toContain(company.id);
  });

  it('getAll pages through every contact with the requested properties', async () => {
    const all = await client.crm.contacts.getAll(100, undefined, ['email']);
    const total = (await client.crm.contacts.searchApi.doSearch({ limit: 1 })).total;
    expect(all).toHaveLength(total);
    expect(new Set(all.map((c) => c.id)).size).toBe(total);
    for (const contact of all.slice(0, 50)) expect(Object.keys(contact.properties)).toContain('email');
  });
});

describe('v4 associations: create, list, archive', () => {
  it('creates with a HubSpot-defined type, lists it both ways, and archives it', async () => {
    const { company } = await firstIds();
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'v4.associations@example.com' },
      associations: [],
    });
    const pair = await client.crm.associations.v4.basicApi.create(
      'contacts',
      contact.id,
      'companies',
      company,
      [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 1 }],
    );
    expect(pair).toEqual({
      fromObjectTypeId: '0-1',
      fromObjectId: Number(contact.id),
      toObjectTypeId: '0-2',
      toObjectId: Number(company),
      labels: ['Primary'],
    });

    const forward = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(forward.results).toHaveLength(1);
    expect(String(forward.results[0]?.toObjectId)).toBe(company);
    expect(forward.results[0]?.associationTypes).toEqual(
      expect.arrayContaining([{ category: 'HUBSPOT_DEFINED', typeId: 1, label: 'Primary' }]),
    );
    const back = await client.crm.associations.v4.basicApi.getPage(
      'companies',
      company,
      'contacts',
      undefined,
      500,
    );
    expect(back.results.map((r) => String(r.toObjectId))).toContain(contact.id);

    await client.crm.associations.v4.basicApi.archive('contacts', contact.id, 'companies', company);
    const gone = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(gone.results).toEqual([]);
    const backGone = await client.crm.associations.v4.basicApi.getPage(
      'companies',
      company,
      'contacts',
      undefined,
      500,
    );
    expect(backGone.results.map((r) => String(r.toObjectId))).not.toContain(contact.id);
  });

  it('creates the default association and reports the unlabeled type it used', async () => {
    const { deal } = await firstIds();
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'v4.default@example.com' },
      associations: [],
    });
    const made = await client.crm.associations.v4.basicApi.createDefault(
      'contacts',
      contact.id,
      'deals',
      deal,
    );
    expect(made.status).toBe('COMPLETE');
    expect(made.results).toEqual([
      {
        _from: { id: contact.id },
        to: { id: deal },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 },
      },
    ]);
    const read = await client.crm.contacts.basicApi.getById(contact.id, undefined, undefined, ['deals']);
    expect(read.associations?.deals?.results.map((r) => r.id)).toEqual([deal]);
  });

  it('refuses a custom label, a type id not defined for the pair, or a missing record, linking nothing', async () => {
    const { contact, company } = await firstIds();
    const before = await client.crm.associations.v4.basicApi.getPage('contacts', contact, 'companies');
    const label = await failure(
      client.crm.associations.v4.basicApi.create('contacts', contact, 'companies', company, [
        { associationCategory: AssociationSpecAssociationCategoryEnum.UserDefined, associationTypeId: 77 },
      ]),
    );
    const wrongPair = await failure(
      client.crm.associations.v4.basicApi.create('contacts', contact, 'companies', company, [
        { associationCategory: HUBSPOT_DEFINED, associationTypeId: 4 },
      ]),
    );
    for (const error of [label, wrongPair]) {
      expect(error.code).toBe(400);
      expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    }
    const missing = await failure(
      client.crm.associations.v4.basicApi.create('contacts', contact, 'companies', '999999999', [
        { associationCategory: HUBSPOT_DEFINED, associationTypeId: 279 },
      ]),
    );
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    const after = await client.crm.associations.v4.basicApi.getPage('contacts', contact, 'companies');
    expect(after.results).toEqual(before.results);
  });
});

describe('v4 associations in batches', () => {
  it('creates pairs (a missing record is a 207 error, the others made) and archives them', async () => {
    const deals = (await client.crm.deals.basicApi.getPage(2)).results.map((d) => d.id);
    const contact = await client.crm.contacts.basicApi.create({
      properties: { email: 'v4.batch@example.com' },
      associations: [],
    });
    const types = [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 4 }];
    const made = await client.crm.associations.v4.batchApi.create('contacts', 'deals', {
      inputs: deals.map((id) => ({ _from: { id: contact.id }, to: { id }, types })),
    });
    expect(made.status).toBe('COMPLETE');
    expect(made.results.map((r) => String(r.toObjectId)).sort()).toEqual([...deals].sort());
    const listed = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'deals');
    expect(listed.results.map((r) => String(r.toObjectId)).sort()).toEqual([...deals].sort());

    const partly = await client.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: [
        {
          _from: { id: contact.id },
          to: { id: '999999999' },
          types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 279 }],
        },
      ],
    });
    expect(partly).toMatchObject({ numErrors: 1, errors: [{ category: 'OBJECT_NOT_FOUND' }], results: [] });

    await client.crm.associations.v4.batchApi.archive('contacts', 'deals', {
      inputs: [{ _from: { id: contact.id }, to: deals.map((id) => ({ id })) }],
    });
    const gone = await client.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'deals');
    expect(gone.results).toEqual([]);
  });
});

describe('deals batch update', () => {
  it('updates every input and answers the batch model, written properties included', async () => {
    const page = await client.crm.deals.basicApi.getPage(3, undefined, ['dealname', 'amount']);
    const inputs = page.results.map((deal, i) => ({
      id: deal.id,
      properties: { amount: String(1000 + i), dealname: `Batch ${i}` },
    }));
    const response = await client.crm.deals.batchApi.update({ inputs });
    expect(response.status).toBe('COMPLETE');
    expect(response.startedAt).toBeInstanceOf(Date);
    expect(response.completedAt).toBeInstanceOf(Date);
    expect(response.results.map((r) => r.id).sort()).toEqual(inputs.map((i) => i.id).sort());
    for (const result of response.results) {
      const input = inputs.find((i) => i.id === result.id);
      expect(result.properties).toMatchObject(input?.properties ?? {});
      expect(result.properties.hs_object_id).toBe(result.id);
      expect(result.updatedAt).toBeInstanceOf(Date);
    }
    const read = await client.crm.deals.batchApi.read({
      inputs: inputs.map(({ id }) => ({ id })),
      properties: ['amount', 'dealname'],
      propertiesWithHistory: [],
    });
    for (const deal of read.results) {
      expect(deal.properties).toMatchObject(inputs.find((i) => i.id === deal.id)?.properties ?? {});
    }
  });

  it('writes the ids that exist and lists the missing ones in a 207, which the client returns as its WithErrors model', async () => {
    const deal = (await client.crm.deals.basicApi.getPage(1)).results[0];
    const response = await client.crm.deals.batchApi.update({
      inputs: [
        { id: deal?.id ?? '', properties: { dealname: 'Half a batch' } },
        { id: '999999999', properties: { dealname: 'Nobody' } },
      ],
    });
    expect(response).toMatchObject({
      status: 'COMPLETE',
      numErrors: 1,
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', context: { ids: ['999999999'] } }],
    });
    expect(response.results.map((r) => r.id)).toEqual([deal?.id]);
    const read = await client.crm.deals.basicApi.getById(deal?.id ?? '', ['dealname']);
    expect(read.properties.dealname).toBe('Half a batch');
  });

  it('refuses a batch with an unknown property or a repeated id as a whole, changing nothing', async () => {
    const deal = (await client.crm.deals.basicApi.getPage(1, undefined, ['dealname'])).results[0];
    const unknown = await failure(
      client.crm.deals.batchApi.update({
        inputs: [
          { id: deal?.id ?? '', properties: { dealname: 'Never written' } },
          { id: deal?.id ?? '', properties: { no_such_property: 'x' } },
        ],
      }),
    );
    const repeated = await failure(
      client.crm.deals.batchApi.update({
        inputs: [
          { id: deal?.id ?? '', properties: { dealname: 'Never written' } },
          { id: deal?.id ?? '', properties: { dealname: 'Never written either' } },
        ],
      }),
    );
    for (const error of [unknown, repeated]) {
      expect(error.code).toBe(400);
      expect(error.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    }
    const read = await client.crm.deals.basicApi.getById(deal?.id ?? '', ['dealname']);
    expect(read.properties.dealname).toBe(deal?.properties.dealname);
  });
});

describe('contacts batch update with emails', () => {
  it("changes an email, and refuses one another contact holds (or two inputs give) with the single update's 409, writing nothing", async () => {
    const [a, b, c] = (await client.crm.contacts.basicApi.getPage(3, undefined, ['email', 'firstname']))
      .results;
    const moved = await client.crm.contacts.batchApi.update({
      inputs: [{ id: a?.id ?? '', properties: { email: 'Batch.Moved@Example.com' } }],
    });
    expect(moved.results[0]?.properties.email).toBe('batch.moved@example.com');

    const taken = await failure(
      client.crm.contacts.batchApi.update({
        inputs: [
          { id: b?.id ?? '', properties: { firstname: 'Not written', email: 'batch.moved@example.com' } },
        ],
      }),
    );
    const twice = await failure(
      client.crm.contacts.batchApi.update({
        inputs: [
          { id: b?.id ?? '', properties: { email: 'batch.twice@example.com' } },
          { id: c?.id ?? '', properties: { email: 'batch.twice@example.com' } },
        ],
      }),
    );
    for (const [error, holder] of [
      [taken, a?.id],
      [twice, b?.id],
    ] as const) {
      expect(error.code).toBe(409);
      expect(error.body).toMatchObject({
        status: 'error',
        category: 'CONFLICT',
        message: `Contact already exists. Existing ID: ${holder}`,
      });
    }
    for (const contact of [b, c]) {
      const read = await client.crm.contacts.basicApi.getById(contact?.id ?? '', ['email', 'firstname']);
      expect(read.properties).toMatchObject({
        email: contact?.properties.email,
        firstname: contact?.properties.firstname,
      });
    }
  });
});

describe('search with filters, sorts and paging', () => {
  it('pages through every match in the sort order, the total matching the pages', async () => {
    const request = {
      filterGroups: [
        {
          filters: [
            { propertyName: 'amount', operator: FilterOperatorEnum.Gte, value: '1000' },
            { propertyName: 'dealstage', operator: FilterOperatorEnum.HasProperty },
          ],
        },
      ],
      sorts: [JSON.stringify({ propertyName: 'amount', direction: 'DESCENDING' })],
      properties: ['amount', 'dealstage'],
      limit: 20,
    };
    const seen: { id: string; amount: number }[] = [];
    let after: string | undefined;
    let total: number;
    let pages = 0;
    do {
      const page = await client.crm.deals.searchApi.doSearch({ ...request, ...(after ? { after } : {}) });
      total = page.total;
      pages += 1;
      for (const deal of page.results) {
        expect(deal.properties).toEqual(
          expect.objectContaining({ amount: expect.any(String), dealstage: expect.any(String) }),
        );
        seen.push({ id: deal.id, amount: Number(deal.properties.amount) });
      }
      after = page.paging?.next?.after;
    } while (after);
    expect(total).toBeGreaterThan(20);
    expect(seen).toHaveLength(total);
    expect(pages).toBe(Math.ceil(total / 20));
    expect(new Set(seen.map((d) => d.id)).size).toBe(total);
    for (const deal of seen) expect(deal.amount).toBeGreaterThanOrEqual(1000);
    for (let i = 1; i < seen.length; i += 1)
      expect((seen[i - 1] as { amount: number }).amount).toBeGreaterThanOrEqual(
        (seen[i] as { amount: number }).amount,
      );
  });

  it('ORs filter groups and refuses a sixth group with HubSpot 400', async () => {
    const stage = (await client.crm.deals.basicApi.getPage(1, undefined, ['dealstage'])).results[0]
      ?.properties.dealstage as string;
    const either = await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'dealstage', operator: FilterOperatorEnum.Eq, value: stage }] },
        { filters: [{ propertyName: 'dealstage', operator: FilterOperatorEnum.Neq, value: stage }] },
      ],
      properties: ['dealstage'],
      limit: 1,
    });
    const all = await client.crm.deals.searchApi.doSearch({ limit: 1 });
    expect(either.total).toBe(all.total);
    const tooMany = await failure(
      client.crm.deals.searchApi.doSearch({
        filterGroups: Array.from({ length: 6 }, () => ({
          filters: [{ propertyName: 'dealstage', operator: FilterOperatorEnum.Eq, value: stage }],
        })),
        limit: 1,
      }),
    );
    expect(tooMany.code).toBe(400);
    expect(tooMany.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });
});
