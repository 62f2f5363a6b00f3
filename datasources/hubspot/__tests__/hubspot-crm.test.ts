import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { ContactRecord, Dataset, DealRecord } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import { createHubSpotProtocol } from '../../../sandbox/hubspot/index.js';
import type { Contact, Deal, DealStatus, Page } from '../../model.js';
import { UnsupportedPagingError } from '../../model.js';
import { ProviderErrorCode } from '../../transport/errors.js';
import { createHubSpotCrm, type HubSpotCrm } from '../crm.js';
import { providerFailure } from '../../../test/support/provider-failure.js';

const DAY = 86_400_000;
const BATCH_READ = 'POST /crm/v3/objects/{objectType}/batch/read';
const LIST = 'GET /crm/v3/objects/{objectType}';
const SEARCH = 'POST /crm/v3/objects/{objectType}/search';
const ASSOCIATIONS = 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read';

let dataset: Dataset;
let knobs: KnobBoard;
let counters: RequestCounters;
let sim: SimulatorServer;
let crm: HubSpotCrm;

beforeAll(async () => {
  dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  knobs = new KnobBoard();
  counters = new RequestCounters();
  sim = await serveSimulator({
    protocol: createHubSpotProtocol({ dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS }),
    knobs,
    counters,
  });
  crm = createHubSpotCrm({
    baseUrl: sim.url,
    accessToken: DEFAULT_SANDBOX_CREDENTIALS.hubspotAccessToken,
    timeoutMs: 5_000,
    portalId: '62515',
  });
});

afterAll(async () => {
  await crm.close();
  await sim.close();
});

afterEach(() => {
  knobs.reset('hubspot');
});

/** Upstream calls per endpoint made by `run`. */
async function callsOf<T>(run: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> {
  counters.reset();
  const result = await run();
  return { result, calls: counters.snapshot().byEndpoint.hubspot };
}

const byNumericId = (a: string, b: string): number => Number(a) - Number(b);
const companyIdOf = (contact: ContactRecord): string | null =>
  dataset.companies[contact.company]?.crmId ?? null;
const contactAt = (i: number): ContactRecord => {
  const contact = dataset.contacts[i];
  if (!contact) throw new Error(`no contact ${i}`);
  return contact;
};

function expectContact(actual: Contact | null | undefined, record: ContactRecord): void {
  expect(actual).toEqual({
    id: record.crmId,
    firstName: record.firstName,
    lastName: record.lastName,
    email: record.email,
    phone: record.phone,
    jobTitle: record.jobTitle,
    lifecycleStage: record.lifecycleStage,
    companyId: companyIdOf(record),
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
    ref: {
      domain: 'CRM',
      provider: 'hubspot',
      externalId: record.crmId,
      url: `https://app.hubspot.com/contacts/62515/record/0-1/${record.crmId}`,
    },
  });
}

/** `withParties`: the deal came with its contact and company (plain lists); else they load separately. */
function expectDeal(actual: Deal | null | undefined, record: DealRecord, withParties = false): void {
  const status: DealStatus =
    record.stage === 'closedwon' ? 'WON' : record.stage === 'closedlost' ? 'LOST' : 'OPEN';
  expect(actual).toMatchObject({
    id: record.crmId,
    name: record.name,
    amount: { minor: BigInt(record.amountMinor), currency: record.currency.toUpperCase() },
    status,
    stage: record.stage,
    closeDate: new Date(record.closeDate),
    createdAt: new Date(record.createdAt),
    parties: withParties ? partiesOf(record) : null,
  });
}

function partiesOf(record: DealRecord) {
  return {
    contactId: dataset.contacts[record.contact]?.crmId ?? null,
    companyId: dataset.companies[record.company]?.crmId ?? null,
  };
}

describe('batch reads', () => {
  it('reads 150 contacts in 2 batch calls, null in place for unknown ids', async () => {
    const known = dataset.contacts.slice(0, 147);
    const ids = known.map((c) => c.crmId);
    ids.splice(3, 0, '1');
    ids.splice(80, 0, '42');
    ids.push('999999999999');
    expect(ids).toHaveLength(150);

    const { result, calls } = await callsOf(() => crm.getContacts(ids));
    expect(calls).toEqual({ [BATCH_READ]: 2 });
    expect(result).toHaveLength(150);
    ids.forEach((id, i) => {
      const record = dataset.contacts.find((c) => c.crmId === id);
      if (record) expectContact(result[i], record);
      else expect(result[i]).toBeNull();
    });
  });

  it('reads contacts by email in one call, ignoring case, in the order asked', async () => {
    const a = contactAt(5);
    const b = contactAt(10);
    const emails = [a.email.toUpperCase(), 'nobody@nowhere.example', b.email, a.email];
    const { result, calls } = await callsOf(() => crm.getContactsByEmail(emails));
    expect(calls).toEqual({ [BATCH_READ]: 1 });
    expectContact(result[0], a);
    expect(result[1]).toBeNull();
    expectContact(result[2], b);
    expectContact(result[3], a);
  });

  it('answers an empty batch without calling HubSpot, and blank ids with null', async () => {
    const { result, calls } = await callsOf(() => crm.getContacts([]));
    expect(result).toEqual([]);
    expect(calls).toEqual({});
    const record = contactAt(0);
    expect(await crm.getContacts(['', record.crmId])).toEqual([
      null,
      expect.objectContaining({ id: record.crmId }),
    ]);
  });

  it('reads companies', async () => {
    const record = dataset.companies[3];
    if (!record) throw new Error('no company');
    const [company, missing] = await crm.getCompanies([record.crmId, '7']);
    expect(company).toEqual({
      id: record.crmId,
      name: record.name,
      domain: record.domain,
      industry: record.industry,
      city: record.city,
      country: record.country,
      employeeCount: record.employees,
      createdAt: new Date(record.createdAt),
      ref: {
        domain: 'CRM',
        provider: 'hubspot',
        externalId: record.crmId,
        url: `https://app.hubspot.com/contacts/62515/record/0-2/${record.crmId}`,
      },
    });
    expect(missing).toBeNull();
  });

  it('reads deals with money and status, in batch reads only', async () => {
    const records = dataset.deals.slice(0, 120);
    const ids = [...records.map((d) => d.crmId), '3'];
    const { result, calls } = await callsOf(() => crm.getDeals(ids));
    expect(calls).toEqual({ [BATCH_READ]: 2 });
    records.forEach((record, i) => expectDeal(result[i], record));
    expect(result[120]).toBeNull();
    expect(records.some((d) => d.currency === 'jpy')).toBe(true);
  });

  it('reads deal parties in one association batch each for contacts and companies', async () => {
    const records = dataset.deals.slice(0, 120);
    const { result, calls } = await callsOf(() => crm.dealParties(records.map((d) => d.crmId)));
    expect(calls).toEqual({ [ASSOCIATIONS]: 2 });
    expect(result).toEqual(records.map(partiesOf));
  });
});

describe('listContacts', () => {
  const sortedIds = (): string[] => dataset.contacts.map((c) => c.crmId).sort(byNumericId);

  it('walks every contact once, one list call per page of 100', async () => {
    const { result: ids, calls } = await callsOf(async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const page = await crm.listContacts({ limit: 100, after });
        expect(page.totalCount).toBeNull();
        expect(page.cursors).toHaveLength(page.items.length);
        seen.push(...page.items.map((c) => c.id));
        if (page.nextCursor === null) break;
        after = page.nextCursor;
      }
      return seen;
    });
    expect(ids).toEqual(sortedIds());
    expect(calls).toEqual({ [LIST]: Math.ceil(dataset.contacts.length / 100) });
  });

  it('resumes from a mid-page item cursor with the items that follow it', async () => {
    const all = sortedIds();
    const first = await crm.listContacts({ limit: 30 });
    const cursor = first.cursors[9];
    if (!cursor) throw new Error('no cursor');
    // Skips 10 of a HubSpot page and needs 100 more: two calls across HubSpot's page boundary.
    const { result: resumed, calls } = await callsOf(() => crm.listContacts({ limit: 100, after: cursor }));
    expect(resumed.items.map((c) => c.id)).toEqual(all.slice(10, 110));
    expect(calls).toEqual({ [LIST]: 2 });

    const again = await crm.listContacts({ limit: 5, after: resumed.cursors[50] ?? null });
    expect(again.items.map((c) => c.id)).toEqual(all.slice(61, 66));
    const fromNext = await crm.listContacts({ limit: 3, after: first.nextCursor });
    expect(fromNext.items.map((c) => c.id)).toEqual(all.slice(30, 33));
  });

  it('filters by company through search, with the total', async () => {
    const perCompany = new Map<string, string[]>();
    for (const contact of dataset.contacts) {
      const company = companyIdOf(contact);
      if (company) perCompany.set(company, [...(perCompany.get(company) ?? []), contact.crmId]);
    }
    const [companyId, expected] = [...perCompany].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    if (!companyId || !expected) throw new Error('no company with contacts');

    const { result: page, calls } = await callsOf(() =>
      crm.listContacts({ limit: expected.length + 5 }, { companyId }),
    );
    expect(calls).toEqual({ [SEARCH]: 1 });
    expect(page.totalCount).toBe(expected.length);
    expect(page.items.map((c) => c.id)).toEqual(expected.sort(byNumericId));
    expect(page.items.every((c) => c.companyId === companyId)).toBe(true);
    expect(page.nextCursor).toBeNull();
  });

  it('filters by creation time, walking search pages with item cursors', async () => {
    const createdAfter = new Date(dataset.anchor - 200 * DAY);
    const expected = dataset.contacts
      .filter((c) => c.createdAt >= createdAfter.getTime())
      .map((c) => c.crmId)
      .sort(byNumericId);
    expect(expected.length).toBeGreaterThan(150);

    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page = await crm.listContacts({ limit: 70, after }, { createdAfter });
      expect(page.totalCount).toBe(expected.length);
      seen.push(...page.items.map((c) => c.id));
      if (page.nextCursor === null) break;
      after = page.nextCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('filters by email and by a closed creation range', async () => {
    const target = contactAt(42);
    const byEmail = await crm.listContacts({ limit: 10 }, { email: target.email });
    expect(byEmail.totalCount).toBe(1);
    expectContact(byEmail.items[0], target);

    const createdAfter = new Date(dataset.anchor - 60 * DAY);
    const createdBefore = new Date(dataset.anchor - 30 * DAY);
    const expected = dataset.contacts.filter(
      (c) => c.createdAt >= createdAfter.getTime() && c.createdAt < createdBefore.getTime(),
    );
    const page = await crm.listContacts({ limit: 200 }, { createdAfter, createdBefore });
    expect(page.totalCount).toBe(expected.length);
    expect(page.items.map((c) => c.id)).toEqual(expected.map((c) => c.crmId).sort(byNumericId));
  });

  it('refuses backward paging and cursors that are not its own', async () => {
    await expect(crm.listContacts({ limit: 10, before: 'x~1' })).rejects.toBeInstanceOf(
      UnsupportedPagingError,
    );
    const foreign = await providerFailure(crm.listContacts({ limit: 10, after: 'not-a-cursor' }));
    expect(foreign.code).toBe(ProviderErrorCode.REJECTED);
    // Ours in shape, but HubSpot never issued the `after` in it: HubSpot's own 400.
    const forged = await providerFailure(crm.listContacts({ limit: 10, after: 'Zm9yZ2Vk~0' }));
    expect(forged.code).toBe(ProviderErrorCode.REJECTED);
    expect(forged.status).toBe(400);
    expect(forged.providerCode).toBe('VALIDATION_ERROR');
  });
});

describe('companies and deals lists', () => {
  it('walks companies', async () => {
    const first = await crm.listCompanies({ limit: 150 });
    expect(first.items.map((c) => c.id)).toEqual(dataset.companies.slice(0, 150).map((c) => c.crmId));
    const rest = await crm.listCompanies({ limit: 1000, after: first.nextCursor });
    expect(rest.items.map((c) => c.id)).toEqual(dataset.companies.slice(150).map((c) => c.crmId));
    expect(rest.nextCursor).toBeNull();
  });

  it('counts a plain list only when asked: one search of one result beside the list page', async () => {
    const cases: Array<{ list: () => Promise<Page<unknown>>; expected: number }> = [
      { list: () => crm.listContacts({ limit: 5, total: true }), expected: dataset.contacts.length },
      { list: () => crm.listCompanies({ limit: 5, total: true }), expected: dataset.companies.length },
      { list: () => crm.listDeals({ limit: 5, total: true }, {}), expected: dataset.deals.length },
    ];
    for (const { list, expected } of cases) {
      const { result: page, calls } = await callsOf(list);
      expect(page.totalCount).toBe(expected);
      expect(page.items).toHaveLength(5);
      expect(calls).toEqual({ [LIST]: 1, [SEARCH]: 1 });
    }
    const { result: unasked, calls } = await callsOf(() => crm.listCompanies({ limit: 5 }));
    expect(unasked.totalCount).toBeNull();
    expect(calls).toEqual({ [LIST]: 1 });
    // A filtered list's search tells its total anyway: asking costs nothing more.
    const company = dataset.companies[0]?.crmId as string;
    const filtered = await callsOf(() => crm.listContacts({ limit: 1, total: true }, { companyId: company }));
    expect(filtered.calls).toEqual({ [SEARCH]: 1 });
    expect(filtered.result.totalCount).toBe(
      dataset.contacts.filter((c) => companyIdOf(c) === company).length,
    );
  });

  it('counts deals per status in one search per page', async () => {
    const statusOf = (d: DealRecord): DealStatus =>
      d.stage === 'closedwon' ? 'WON' : d.stage === 'closedlost' ? 'LOST' : 'OPEN';
    let sum = 0;
    for (const status of ['OPEN', 'WON', 'LOST'] as const) {
      const expected = dataset.deals.filter((d) => statusOf(d) === status);
      const { result: page, calls } = await callsOf(() => crm.listDeals({ limit: 50 }, { status }));
      expect(page.totalCount).toBe(expected.length);
      expect(calls).toEqual({ [SEARCH]: 1 });
      expected.slice(0, 50).forEach((record, i) => expectDeal(page.items[i], record));
      sum += page.totalCount ?? 0;
    }
    expect(sum).toBe(dataset.deals.length);
  });

  it('lists all deals in one call per page, links inline', async () => {
    const { result: page, calls } = await callsOf(() => crm.listDeals({ limit: 80 }, {}));
    expect(calls).toEqual({ [LIST]: 1 });
    expect(page.totalCount).toBeNull();
    dataset.deals.slice(0, 80).forEach((record, i) => expectDeal(page.items[i], record, true));
  });

  it('lists one company’s deals, with a status too', async () => {
    const company = dataset.deals.find((d) => d.company >= 0)?.company as number;
    const companyId = dataset.companies[company]?.crmId as string;
    const all = dataset.deals.filter((d) => d.company === company);
    const page = await crm.listDeals({ limit: 100 }, { companyId });
    expect(page.items.map((d) => d.id).sort()).toEqual(all.map((d) => d.crmId).sort());
    expect(page.totalCount).toBe(all.length);
    const won = await crm.listDeals({ limit: 100 }, { companyId, status: 'WON' });
    expect(won.items.map((d) => d.id).sort()).toEqual(
      all
        .filter((d) => d.stage === 'closedwon')
        .map((d) => d.crmId)
        .sort(),
    );
  });
});

describe('dealIdsOfContacts', () => {
  const dealsOf = (contactIds: readonly string[]): string[][] => {
    const index = new Map(dataset.contacts.map((c, i) => [c.crmId, i]));
    const per = new Map<number, string[]>();
    for (const deal of dataset.deals) per.set(deal.contact, [...(per.get(deal.contact) ?? []), deal.crmId]);
    return contactIds.map((id) => [...(per.get(index.get(id) ?? -1) ?? [])].sort(byNumericId));
  };

  it('answers 1,000 contacts with one association call', async () => {
    const ids = dataset.contacts.slice(0, 1000).map((c) => c.crmId);
    const { result, calls } = await callsOf(() => crm.dealIdsOfContacts(ids));
    expect(calls).toEqual({ [ASSOCIATIONS]: 1 });
    expect(result).toEqual(dealsOf(ids));
    expect(result.some((deals) => deals.length === 0)).toBe(true);
    expect(result.some((deals) => deals.length > 1)).toBe(true);
  });

  it('splits beyond 1,000 and keeps the order asked, unknown ids empty', async () => {
    const ids = [...dataset.contacts.slice(0, 1200).map((c) => c.crmId), '5'].reverse();
    const { result, calls } = await callsOf(() => crm.dealIdsOfContacts(ids));
    expect(calls).toEqual({ [ASSOCIATIONS]: 2 });
    expect(result).toEqual(dealsOf(ids));
    expect(result[0]).toEqual([]);
  });
});

describe('countContactsCreated', () => {
  const countLocally = (since: number, until: number, starts: readonly number[]): number[] =>
    starts.map((start, i) => {
      const from = Math.max(since, start);
      const to = Math.min(until, starts[i + 1] ?? until);
      return dataset.contacts.filter((c) => c.createdAt >= from && c.createdAt < to).length;
    });

  it('pages one search and buckets locally when that is cheaper', async () => {
    const until = dataset.anchor;
    const since = until - 120 * DAY;
    const starts = Array.from({ length: 120 / 7 + 1 }, (_, i) => since + i * 7 * DAY).filter(
      (t) => t < until,
    );
    const inRange = dataset.contacts.filter((c) => c.createdAt >= since && c.createdAt < until).length;
    const { result, calls } = await callsOf(() =>
      crm.countContactsCreated(
        new Date(since),
        new Date(until),
        starts.map((t) => new Date(t)),
      ),
    );
    expect(result).toEqual(countLocally(since, until, starts));
    expect(result.reduce((a, b) => a + b, 0)).toBe(inRange);
    expect(calls).toEqual({ [SEARCH]: Math.ceil(inRange / 200) });
  });

  it('asks for one total per bucket when buckets are fewer than pages', async () => {
    const until = dataset.anchor;
    const since = until - 730 * DAY;
    const starts = [0, 1, 2, 3].map((q) => since + q * 183 * DAY);
    const { result, calls } = await callsOf(() =>
      crm.countContactsCreated(
        new Date(since),
        new Date(until),
        starts.map((t) => new Date(t)),
      ),
    );
    expect(result).toEqual(countLocally(since, until, starts));
    expect(calls).toEqual({ [SEARCH]: 1 + starts.length });
  });

  it('answers zeros for an empty range without a call', async () => {
    const at = new Date(dataset.anchor);
    const { result, calls } = await callsOf(() => crm.countContactsCreated(at, at, [at]));
    expect(result).toEqual([0]);
    expect(calls).toEqual({});
  });
});

describe('failures', () => {
  it('turns an outage into UNAVAILABLE', async () => {
    knobs.set('hubspot', { outage: true });
    const error = await providerFailure(crm.getContacts(['1']));
    expect(error.code).toBe(ProviderErrorCode.UNAVAILABLE);
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(error.endpoint).toBe(BATCH_READ);
  });

  it('turns the rate limit into RATE_LIMITED with a wait', async () => {
    knobs.set('hubspot', { rateLimit: { limit: 0, windowMs: 60_000 } });
    const error = await providerFailure(crm.listContacts({ limit: 10 }));
    expect(error.code).toBe(ProviderErrorCode.RATE_LIMITED);
    expect(error.status).toBe(429);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThan(0);
  });

  it('turns a wrong token into UNAUTHORIZED', async () => {
    const wrong = createHubSpotCrm({ baseUrl: sim.url, accessToken: 'pat-na1-wrong' });
    try {
      const error = await providerFailure(wrong.getContacts(['1']));
      expect(error.code).toBe(ProviderErrorCode.UNAUTHORIZED);
      expect(error.status).toBe(401);
      expect(error.providerCode).toBe('INVALID_AUTHENTICATION');
      expect(error.retryable).toBe(false);
    } finally {
      await wrong.close();
    }
  });

  describe('a provider answering garbage', () => {
    let server: Server;
    let body = '';
    let garbage: HubSpotCrm;

    beforeAll(async () => {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(body);
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      garbage = createHubSpotCrm({
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        accessToken: 'anything',
      });
    });

    afterAll(async () => {
      await garbage.close();
      server.closeAllConnections();
      server.close();
    });

    const shapes: Array<[string, string, (crm: HubSpotCrm) => Promise<unknown>]> = [
      ['not JSON', '<html>oops</html>', (c) => c.getContacts(['1'])],
      ['no results', '{"status":"COMPLETE"}', (c) => c.getContacts(['1'])],
      [
        'an object without an id',
        '{"results":[{"properties":{},"createdAt":"2025-01-01T00:00:00Z"}]}',
        (c) => c.getContacts(['1']),
      ],
      [
        'a number where a property string belongs',
        '{"results":[{"id":"1","properties":{"email":5},"createdAt":"2025-01-01T00:00:00Z"}]}',
        (c) => c.getContacts(['1']),
      ],
      [
        'an unreadable createdAt',
        '{"results":[{"id":"1","properties":{},"createdAt":"soon"}]}',
        (c) => c.listCompanies({ limit: 5 }),
      ],
      ['a search without total', '{"results":[]}', (c) => c.listContacts({ limit: 5 }, { email: 'a@b.c' })],
      [
        'associations without targets',
        '{"results":[{"from":{"id":"1"}}]}',
        (c) => c.dealIdsOfContacts(['1']),
      ],
    ];

    it.each(shapes)('answers %s with BAD_RESPONSE', async (_label, text, run) => {
      body = text;
      const error = await providerFailure(run(garbage));
      expect(error.code).toBe(ProviderErrorCode.BAD_RESPONSE);
      expect(error.retryable).toBe(false);
    });
  });
});
