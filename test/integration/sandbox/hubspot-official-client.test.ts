import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@hubspot/api-client';
import { AssociationTypes } from '@hubspot/api-client/lib/src/enums/AssociationTypes.js';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { ContactRecord, Dataset } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createHubSpotProtocol } from '../../../sandbox/hubspot/index.js';

const TOKEN = DEFAULT_SANDBOX_CREDENTIALS.hubspotAccessToken;

let dataset: Dataset;
let sim: SimulatorServer;
let knobs: KnobBoard;
let client: Client;

function clientFor(accessToken: string): Client {
  return new Client({ accessToken, basePath: sim.url, numberOfApiCallRetries: 0 });
}

const byNumericId = (a: { crmId: string }, b: { crmId: string }): number => Number(a.crmId) - Number(b.crmId);
const iso = (ms: number): string => new Date(ms).toISOString();

/** What the client threw, as its ApiException fields. */
async function failureOf(
  promise: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number; body: Record<string, unknown>; headers: Record<string, string> };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  knobs = new KnobBoard();
  sim = await serveSimulator({
    protocol: createHubSpotProtocol({ dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS }),
    knobs,
    counters: new RequestCounters(),
  });
  client = clientFor(TOKEN);
});

afterAll(async () => {
  await sim.close();
});

describe('contacts basic API', () => {
  it('pages every contact exactly once, in id order, with the requested properties', async () => {
    const seen: { id: string; email: string | null | undefined; company: string | null | undefined }[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await client.crm.contacts.basicApi.getPage(100, after, ['email', 'company']);
      pages += 1;
      for (const c of page.results)
        seen.push({ id: c.id, email: c.properties.email, company: c.properties.company });
      after = page.paging?.next?.after;
    } while (after);
    const expected = [...dataset.contacts].sort(byNumericId);
    expect(pages).toBe(Math.ceil(expected.length / 100));
    expect(seen.map((c) => c.id)).toEqual(expected.map((c) => c.crmId));
    expect(seen.map((c) => c.email)).toEqual(expected.map((c) => c.email));
    expect(seen.map((c) => c.company)).toEqual(
      expected.map((c) => dataset.companies[c.company]?.name ?? null),
    );
  });

  it('getAll returns the whole set with default properties and timestamps', async () => {
    const all = await client.crm.contacts.getAll();
    expect(all).toHaveLength(dataset.contacts.length);
    const first = [...dataset.contacts].sort(byNumericId)[0] as ContactRecord;
    const got = all.find((c) => c.id === first.crmId);
    expect(got?.properties).toEqual({
      createdate: iso(first.createdAt),
      email: first.email,
      firstname: first.firstName,
      hs_object_id: first.crmId,
      lastmodifieddate: iso(first.updatedAt),
      lastname: first.lastName,
    });
    expect(got?.createdAt.toISOString()).toBe(iso(first.createdAt));
    expect(got?.updatedAt.toISOString()).toBe(iso(first.updatedAt));
  });

  it('gets one contact by email with idProperty, and answers 404 for an unknown id', async () => {
    const contact = dataset.contacts[42] as ContactRecord;
    const got = await client.crm.contacts.basicApi.getById(
      contact.email.toUpperCase(),
      ['jobtitle'],
      undefined,
      ['companies'],
      false,
      'email',
    );
    expect(got.id).toBe(contact.crmId);
    expect(got.properties).toEqual({ hs_object_id: contact.crmId, jobtitle: contact.jobTitle });
    const company = dataset.companies[contact.company];
    expect(got.associations?.companies?.results.map((a) => a.id) ?? []).toEqual(
      company ? [company.crmId, company.crmId] : [],
    );
    const missing = await failureOf(client.crm.contacts.basicApi.getById('1'));
    expect(missing.code).toBe(404);
    expect(missing.body.category).toBe('OBJECT_NOT_FOUND');
  });
});

describe('batch read', () => {
  it('reads 100 contacts that match the data set', async () => {
    const wanted = dataset.contacts.slice(300, 400);
    const response = await client.crm.contacts.batchApi.read({
      inputs: wanted.map((c) => ({ id: c.crmId })),
      properties: ['email', 'associatedcompanyid', 'lifecyclestage'],
      propertiesWithHistory: [],
    });
    expect(response.status).toBe('COMPLETE');
    expect('errors' in response ? response.errors : undefined).toBeUndefined();
    expect(response.results.map((r) => r.id)).toEqual(wanted.map((c) => c.crmId));
    for (const [i, result] of response.results.entries()) {
      const c = wanted[i] as ContactRecord;
      expect(result.properties).toEqual({
        email: c.email,
        hs_object_id: c.crmId,
        associatedcompanyid: dataset.companies[c.company]?.crmId ?? null,
        lifecyclestage: c.lifecycleStage,
      });
    }
  });

  it('reads deals with amounts in major units and upper-case currency', async () => {
    const wanted = dataset.deals.slice(0, 50);
    const response = await client.crm.deals.batchApi.read({
      inputs: wanted.map((d) => ({ id: d.crmId })),
      properties: ['amount', 'deal_currency_code', 'dealstage', 'closedate', 'pipeline'],
      propertiesWithHistory: [],
    });
    for (const [i, result] of response.results.entries()) {
      const d = wanted[i];
      if (!d) throw new Error('result without a matching input');
      const divisor = d.currency === 'jpy' ? 1 : 100;
      expect(Number(result.properties.amount)).toBeCloseTo(d.amountMinor / divisor, 6);
      expect(result.properties.deal_currency_code).toBe(d.currency.toUpperCase());
      expect(result.properties.dealstage).toBe(d.stage);
      expect(result.properties.closedate).toBe(iso(d.closeDate));
      expect(result.properties.pipeline).toBe('default');
    }
  });

  it("lists the deal pipeline, whose stage ids are the deals' dealstage values, with labels", async () => {
    const response = await client.crm.pipelines.pipelinesApi.getAll('deals');
    expect(response.results.map((p) => [p.id, p.label])).toEqual([['default', 'Sales Pipeline']]);
    const stages = response.results[0]?.stages ?? [];
    expect(new Set(stages.map((s) => s.id))).toEqual(new Set(dataset.deals.map((d) => d.stage)));
    expect(stages.find((s) => s.id === 'contractsent')?.label).toBe('Contract Sent');
    expect(stages.find((s) => s.id === 'closedwon')?.metadata).toEqual({
      isClosed: 'true',
      probability: '1.0',
    });
  });

  it('answers 207 with OBJECT_NOT_FOUND errors naming the missing ids', async () => {
    const present = dataset.companies[3];
    if (!present) throw new Error('data set has too few companies');
    const response = await client.crm.companies.batchApi.read({
      inputs: [{ id: present.crmId }, { id: '1' }],
      properties: ['name', 'domain'],
      propertiesWithHistory: [],
    });
    expect(response.results.map((r) => r.properties)).toEqual([
      { name: present.name, domain: present.domain, hs_object_id: present.crmId },
    ]);
    if (!('errors' in response)) throw new Error('expected a 207 body with errors');
    expect(response.numErrors).toBe(1);
    expect(response.errors?.[0]?.category).toBe('OBJECT_NOT_FOUND');
    expect(response.errors?.[0]?.context).toEqual({ ids: ['1'] });
  });
});

describe('search', () => {
  it('finds a contact by email with EQ, ignoring case', async () => {
    const contact = dataset.contacts[123] as ContactRecord;
    const response = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'email', operator: FilterOperatorEnum.Eq, value: contact.email.toUpperCase() },
          ],
        },
      ],
      properties: ['email', 'firstname'],
      limit: 10,
    });
    expect(response.total).toBe(dataset.contacts.filter((c) => c.email === contact.email).length);
    expect(response.results.map((r) => r.id)).toEqual([contact.crmId]);
    expect(response.results[0]?.properties).toEqual({
      email: contact.email,
      firstname: contact.firstName,
      hs_object_id: contact.crmId,
    });
    expect(response.paging).toBeUndefined();
  });

  it('pages a GTE createdate filter sorted descending with after, matching the data set', async () => {
    const threshold = dataset.anchor - 120 * 86_400_000;
    const expected = dataset.contacts
      .filter((c) => c.createdAt >= threshold)
      .sort((a, b) => b.createdAt - a.createdAt || Number(a.crmId) - Number(b.crmId))
      .map((c) => c.crmId);
    const ids: string[] = [];
    let after: string | undefined;
    let total: number | undefined;
    do {
      const page = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [
          {
            filters: [
              { propertyName: 'createdate', operator: FilterOperatorEnum.Gte, value: String(threshold) },
            ],
          },
        ],
        sorts: [JSON.stringify({ propertyName: 'createdate', direction: 'DESCENDING' })],
        properties: ['createdate'],
        limit: 37,
        ...(after ? { after } : {}),
      });
      total = page.total;
      ids.push(...page.results.map((r) => r.id));
      after = page.paging?.next?.after;
    } while (after);
    expect(expected.length).toBeGreaterThan(37);
    expect(total).toBe(expected.length);
    expect(ids).toEqual(expected);
  });

  it('ORs filter groups and applies IN within a group', async () => {
    const company = dataset.companies[5];
    if (!company) throw new Error('data set has too few companies');
    const response = await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            {
              propertyName: 'dealstage',
              operator: FilterOperatorEnum.In,
              values: ['closedwon', 'contractsent'],
            },
            { propertyName: 'deal_currency_code', operator: FilterOperatorEnum.Eq, value: 'JPY' },
          ],
        },
        {
          filters: [
            { propertyName: 'associations.company', operator: FilterOperatorEnum.Eq, value: company.crmId },
          ],
        },
      ],
      sorts: ['hs_object_id'],
      properties: ['dealname'],
      limit: 200,
    });
    const expected = dataset.deals
      .filter(
        (d) =>
          ((d.stage === 'closedwon' || d.stage === 'contractsent') && d.currency === 'jpy') ||
          dataset.companies[d.company]?.crmId === company.crmId,
      )
      .sort(byNumericId);
    expect(response.total).toBe(expected.length);
    expect(response.results.map((r) => r.id)).toEqual(expected.slice(0, 200).map((d) => d.crmId));
  });

  it('lists the contacts of a company with an associations filter', async () => {
    const company = dataset.companies[9];
    if (!company) throw new Error('data set has too few companies');
    const response = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'associations.company', operator: FilterOperatorEnum.Eq, value: company.crmId },
          ],
        },
      ],
      limit: 100,
    });
    const expected = dataset.contacts
      .filter((c) => dataset.companies[c.company]?.crmId === company.crmId)
      .sort(byNumericId);
    expect(response.results.map((r) => r.id)).toEqual(expected.map((c) => c.crmId));
  });

  it('refuses a sixth filter group and a limit above 200', async () => {
    const group = { filters: [{ propertyName: 'email', operator: FilterOperatorEnum.HasProperty }] };
    const groups = await failureOf(
      client.crm.contacts.searchApi.doSearch({ filterGroups: Array.from({ length: 6 }, () => group) }),
    );
    expect(groups.code).toBe(400);
    expect(groups.body.category).toBe('VALIDATION_ERROR');
    const limit = await failureOf(client.crm.contacts.searchApi.doSearch({ limit: 201 }));
    expect(limit.code).toBe(400);
    expect(String(limit.body.message)).toContain('limit');
  });
});

describe('associations v4', () => {
  it('lists a contact’s company and deals with HubSpot’s default type ids', async () => {
    const index = dataset.deals[0]?.contact ?? 0;
    const contact = dataset.contacts[index] as ContactRecord;
    const companies = await client.crm.associations.v4.basicApi.getPage(
      'contacts',
      contact.crmId,
      'companies',
    );
    const company = dataset.companies[contact.company];
    expect(companies.results.map((r) => r.toObjectId)).toEqual(company ? [company.crmId] : []);
    for (const r of companies.results) {
      expect(r.associationTypes.map((t) => t.typeId)).toEqual([
        AssociationTypes.primaryContactToCompany,
        AssociationTypes.contactToCompany,
      ]);
    }
    const deals = await client.crm.associations.v4.basicApi.getPage('contacts', contact.crmId, 'deals');
    const expectedDeals = dataset.deals.filter((d) => d.contact === index).sort(byNumericId);
    expect(deals.results.map((r) => r.toObjectId)).toEqual(expectedDeals.map((d) => d.crmId));
    expect(deals.results[0]?.associationTypes).toEqual([
      { category: 'HUBSPOT_DEFINED', typeId: AssociationTypes.contactToDeal, label: null },
    ]);
  });

  it('pages associations with limit and after', async () => {
    const company = dataset.companies.find(
      (c, i) => dataset.contacts.filter((k) => k.company === i).length >= 3,
    );
    if (!company) throw new Error('no company with three contacts');
    const companyIndex = dataset.companies.indexOf(company);
    const expected = dataset.contacts
      .filter((c) => c.company === companyIndex)
      .sort(byNumericId)
      .map((c) => c.crmId);
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await client.crm.associations.v4.basicApi.getPage(
        'companies',
        company.crmId,
        'contacts',
        after,
        2,
      );
      ids.push(...page.results.map((r) => String(r.toObjectId)));
      after = page.paging?.next?.after;
    } while (after);
    expect(ids).toEqual(expected);
  });

  it('batch-reads company→deal associations and reports objects with none', async () => {
    const withDeals = dataset.companies.slice(0, 20);
    const response = await client.crm.associations.v4.batchApi.getPage('companies', 'deals', {
      inputs: [...withDeals.map((c) => ({ id: c.crmId })), { id: '1' }],
    });
    for (const result of response.results) {
      const index = dataset.companies.findIndex((c) => c.crmId === result._from.id);
      const expected = dataset.deals
        .filter((d) => d.company === index)
        .sort(byNumericId)
        .map((d) => d.crmId);
      expect(result.to.map((t) => String(t.toObjectId))).toEqual(expected);
      expect(result.to[0]?.associationTypes.map((t) => t.typeId)).toEqual([
        AssociationTypes.primaryCompanyToDeal,
        AssociationTypes.companyToDeal,
      ]);
    }
    const expectedWith = withDeals
      .filter((_, i) => dataset.deals.some((d) => d.company === i))
      .map((c) => c.crmId);
    expect(response.results.map((r) => r._from.id)).toEqual(expectedWith);
    if (!('errors' in response)) throw new Error('expected a 207 body');
    expect(response.errors?.map((e) => e.context)).toContainEqual({ fromObjectId: ['1'] });
  });
});

describe('errors', () => {
  it('answers a bad token with 401 INVALID_AUTHENTICATION', async () => {
    const failure = await failureOf(clientFor('pat-na1-wrong').crm.contacts.basicApi.getPage(10));
    expect(failure.code).toBe(401);
    expect(failure.body.category).toBe('INVALID_AUTHENTICATION');
    expect(typeof failure.body.message).toBe('string');
    expect(failure.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses limit 0, limit 1000 and a forged after with 400 VALIDATION_ERROR', async () => {
    for (const call of [
      client.crm.contacts.basicApi.getPage(0),
      client.crm.contacts.basicApi.getPage(1000),
      client.crm.contacts.basicApi.getPage(10, 'NTI1Cg'),
    ]) {
      const failure = await failureOf(call);
      expect(failure.code).toBe(400);
      expect(failure.body.category).toBe('VALIDATION_ERROR');
    }
  });

  it('answers 429 over the rate-limit knob, with policyName and the rate-limit headers', async () => {
    knobs.set('hubspot', { rateLimit: { limit: 2, windowMs: 10_000 } });
    try {
      const ok = await client.crm.companies.basicApi.getPageWithHttpInfo(1);
      expect(ok.headers['x-hubspot-ratelimit-max']).toBe('2');
      expect(ok.headers['x-hubspot-ratelimit-remaining']).toBe('1');
      expect(ok.headers['x-hubspot-ratelimit-interval-milliseconds']).toBe('10000');
      await client.crm.companies.basicApi.getPage(1);
      const failure = await failureOf(client.crm.companies.basicApi.getPage(1));
      expect(failure.code).toBe(429);
      expect(failure.body.message).toBe('You have reached your ten_secondly_rolling limit.');
      expect(failure.headers['x-hubspot-ratelimit-remaining']).toBe('0');
      expect(failure.headers['x-hubspot-ratelimit-daily']).toBeDefined();
      // The client keeps the 429 body as sent (its retry logic reads policyName from it).
      expect(failure.body).toMatchObject({
        status: 'error',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      });
    } finally {
      knobs.reset('hubspot');
    }
  });
});
