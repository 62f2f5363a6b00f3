import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ObjectSerializer as AssociationsSerializer } from '@hubspot/api-client/lib/codegen/crm/associations/v4/models/ObjectSerializer.js';
import { ObjectSerializer as CompaniesSerializer } from '@hubspot/api-client/lib/codegen/crm/companies/models/ObjectSerializer.js';
import { ObjectSerializer as ContactsSerializer } from '@hubspot/api-client/lib/codegen/crm/contacts/models/ObjectSerializer.js';
import { ObjectSerializer as DealsSerializer } from '@hubspot/api-client/lib/codegen/crm/deals/models/ObjectSerializer.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { Dataset } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createHubSpotProtocol } from '../../../sandbox/hubspot/index.js';

interface Serializer {
  deserialize(data: unknown, type: string, format: string): unknown;
  serialize(data: unknown, type: string, format: string): unknown;
}

const ANCHOR = Date.UTC(2026, 10, 24);
const SERIALIZERS: Record<'contacts' | 'companies' | 'deals', Serializer> = {
  contacts: ContactsSerializer,
  companies: CompaniesSerializer,
  deals: DealsSerializer,
};

async function startHubSpot(seed: number): Promise<{ dataset: Dataset; sim: SimulatorServer }> {
  const dataset = generateDataset({ seed, sizes: DEMO_SIZES, anchor: ANCHOR });
  const sim = await serveSimulator({
    protocol: createHubSpotProtocol({ dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS }),
    knobs: new KnobBoard(),
    counters: new RequestCounters(),
  });
  return { dataset, sim };
}

async function call(
  sim: SimulatorServer,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const res = await fetch(sim.url + path, {
    method,
    headers: {
      authorization: `Bearer ${DEFAULT_SANDBOX_CREDENTIALS.hubspotAccessToken}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

/** Through the client's model and back: equal JSON means nothing was lost and no field is unknown to the model. */
function roundTrip(serializer: Serializer, json: unknown, type: string): unknown {
  const model = serializer.deserialize(json, type, '');
  // An unknown type name deserializes to the input itself, which would make the check vacuous.
  if (typeof model !== 'object' || model === null || model.constructor === Object)
    throw new Error(`${type} is not a model`);
  return JSON.parse(JSON.stringify(serializer.serialize(model, type, ''))) as unknown;
}

let a: { dataset: Dataset; sim: SimulatorServer };

beforeAll(async () => {
  a = await startHubSpot(7);
});

afterAll(async () => {
  await a.sim.close();
});

describe('responses fit @hubspot/api-client models exactly', () => {
  for (const type of ['contacts', 'companies', 'deals'] as const) {
    it(`${type}: list, get, batch, search`, async () => {
      const serializer = SERIALIZERS[type];
      const others = (['contacts', 'companies', 'deals'] as const).filter((t) => t !== type).join(',');
      const list = await call(
        a.sim,
        'GET',
        `/crm/v3/objects/${type}?limit=25&associations=${others}&propertiesWithHistory=createdate,hs_object_id`,
      );
      expect(list.status).toBe(200);
      const listJson = JSON.parse(list.text) as {
        results: { id: string; associations?: unknown }[];
        paging?: unknown;
      };
      expect(listJson.paging).toBeDefined();
      expect(listJson.results.some((r) => r.associations !== undefined)).toBe(true);
      expect(
        roundTrip(serializer, listJson, 'CollectionResponseSimplePublicObjectWithAssociationsForwardPaging'),
      ).toStrictEqual(listJson);

      const ids = listJson.results.map((r) => r.id);
      const get = await call(a.sim, 'GET', `/crm/v3/objects/${type}/${ids[0]}?associations=${others}`);
      expect(get.status).toBe(200);
      expect(roundTrip(serializer, JSON.parse(get.text), 'SimplePublicObjectWithAssociations')).toStrictEqual(
        JSON.parse(get.text),
      );

      const batch = await call(a.sim, 'POST', `/crm/v3/objects/${type}/batch/read`, {
        inputs: ids.map((id) => ({ id })),
        properties: [],
      });
      expect(batch.status).toBe(200);
      expect(roundTrip(serializer, JSON.parse(batch.text), 'BatchResponseSimplePublicObject')).toStrictEqual(
        JSON.parse(batch.text),
      );

      const partial = await call(a.sim, 'POST', `/crm/v3/objects/${type}/batch/read`, {
        inputs: [{ id: ids[1] }, { id: '2' }],
        properties: ['hs_object_id'],
        propertiesWithHistory: ['hs_object_id'],
      });
      expect(partial.status).toBe(207);
      expect(
        roundTrip(serializer, JSON.parse(partial.text), 'BatchResponseSimplePublicObjectWithErrors'),
      ).toStrictEqual(JSON.parse(partial.text));

      const search = await call(a.sim, 'POST', `/crm/v3/objects/${type}/search`, {
        filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'HAS_PROPERTY' }] }],
        limit: 30,
      });
      expect(search.status).toBe(200);
      const searchJson = JSON.parse(search.text) as { total: number; paging?: unknown };
      expect(searchJson.total).toBe(a.dataset[type].length);
      expect(
        roundTrip(serializer, searchJson, 'CollectionResponseWithTotalSimplePublicObjectForwardPaging'),
      ).toStrictEqual(searchJson);
    });
  }

  it('associations v4: list pages and batch reads (200 and 207)', async () => {
    const company = a.dataset.companies.find(
      (_, i) => a.dataset.contacts.filter((c) => c.company === i).length >= 2,
    );
    if (!company) throw new Error('no company with two contacts');
    const page = await call(
      a.sim,
      'GET',
      `/crm/v4/objects/companies/${company.crmId}/associations/contacts?limit=1`,
    );
    expect(page.status).toBe(200);
    const pageJson = JSON.parse(page.text) as { paging?: unknown };
    expect(pageJson.paging).toBeDefined();
    expect(
      roundTrip(
        AssociationsSerializer,
        pageJson,
        'CollectionResponseMultiAssociatedObjectWithLabelForwardPaging',
      ),
    ).toStrictEqual(pageJson);

    const contact = a.dataset.contacts.find((c) => c.company >= 0);
    if (!contact) throw new Error('no contact with a company');
    const batch = await call(a.sim, 'POST', '/crm/v4/associations/contacts/companies/batch/read', {
      inputs: [{ id: contact.crmId }],
    });
    expect(batch.status).toBe(200);
    expect(
      roundTrip(
        AssociationsSerializer,
        JSON.parse(batch.text),
        'BatchResponsePublicAssociationMultiWithLabel',
      ),
    ).toStrictEqual(JSON.parse(batch.text));

    const partial = await call(a.sim, 'POST', '/crm/v4/associations/contacts/companies/batch/read', {
      inputs: [{ id: contact.crmId }, { id: '3' }],
    });
    expect(partial.status).toBe(207);
    expect(
      roundTrip(
        AssociationsSerializer,
        JSON.parse(partial.text),
        'BatchResponsePublicAssociationMultiWithLabelWithErrors',
      ),
    ).toStrictEqual(JSON.parse(partial.text));
  });

  it('error bodies fit the Error model apart from the status field HubSpot also sends', async () => {
    const failure = await call(a.sim, 'GET', '/crm/v3/objects/contacts?limit=0');
    expect(failure.status).toBe(400);
    const { status, ...rest } = JSON.parse(failure.text) as Record<string, unknown>;
    expect(status).toBe('error');
    expect(roundTrip(ContactsSerializer, rest, 'ModelError')).toStrictEqual(rest);
  });
});

describe('determinism', () => {
  const paths: [method: 'GET' | 'POST', path: (d: Dataset) => string, body?: (d: Dataset) => unknown][] = [
    [
      'GET',
      () =>
        '/crm/v3/objects/contacts?limit=100&associations=companies,deals&properties=email,company,createdate',
    ],
    ['GET', () => '/crm/v3/objects/deals?limit=100&properties=amount,deal_currency_code,closedate'],
    [
      'POST',
      () => '/crm/v3/objects/companies/search',
      () => ({ sorts: ['-createdate'], limit: 50, after: '50' }),
    ],
    [
      'POST',
      () => '/crm/v3/objects/contacts/batch/read',
      (d) => ({ inputs: d.contacts.slice(0, 100).map((c) => ({ id: c.crmId })) }),
    ],
    ['GET', (d) => `/crm/v4/objects/companies/${d.companies[0]?.crmId}/associations/deals`],
  ];

  async function responsesOf(target: { dataset: Dataset; sim: SimulatorServer }): Promise<string[]> {
    const texts: string[] = [];
    for (const [method, path, body] of paths) {
      texts.push((await call(target.sim, method, path(target.dataset), body?.(target.dataset))).text);
    }
    // The second page too, through the cursor the first one handed out.
    const first = JSON.parse(texts[0] ?? '{}') as { paging?: { next?: { after?: string } } };
    texts.push(
      (await call(target.sim, 'GET', `/crm/v3/objects/contacts?limit=100&after=${first.paging?.next?.after}`))
        .text,
    );
    return texts;
  }

  it('gives byte-identical pages for the same seed from separately started simulators, and different ones for another seed', async () => {
    const b = await startHubSpot(7);
    const c = await startHubSpot(8);
    try {
      const fromA = await responsesOf(a);
      expect(await responsesOf(b)).toEqual(fromA);
      const fromC = await responsesOf(c);
      expect(fromC[0]).not.toEqual(fromA[0]);
      expect(fromC[1]).not.toEqual(fromA[1]);
    } finally {
      await b.sim.close();
      await c.sim.close();
    }
  });
});
