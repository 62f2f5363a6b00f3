import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
import type { Dataset } from '../../../sandbox/data/dataset.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { DEMO_SIZES } from '../../../sandbox/data/sizes.js';
import { RequestCounters } from '../../../sandbox/http/counters.js';
import { KnobBoard } from '../../../sandbox/http/knobs.js';
import { serveSimulator, type SimulatorServer } from '../../../sandbox/http/serve.js';
import {
  DEFAULT_SALESFORCE_TWIN,
  createSalesforceTwin,
  salesforceSeededIds as ids,
  type SalesforceTwin,
} from '../../../sandbox/salesforce/index.js';
import { UnsupportedPagingError, WriteRejectedError } from '../../model.js';
import type { Page } from '../../model.js';
import type { RequestPolicy } from '../../transport/http-client.js';
import { newRequestScope, runInRequestScope } from '../../transport/request-scope.js';
import { createSalesforceCrm, salesforceSettings, type SalesforceCrm } from '../index.js';

/** The Salesforce adapter over real HTTP against the Salesforce twin (sandbox/salesforce). */

const QUERY = 'GET /services/data/{version}/query';
const QUERY_MORE = 'GET /services/data/{version}/query/{locator}';
const RETRIEVE = 'POST /services/data/{version}/composite/sobjects/{sobject}';
const TOKEN = 'POST /services/oauth2/token';
const passThrough: RequestPolicy = { run: (req, attempt) => attempt(req) };

let dataset: Dataset;
let counters: RequestCounters;
let twin: SalesforceTwin;
let sim: SimulatorServer;
let crm: SalesforceCrm;
const w = { idempotencyKey: 'k' };

function make(
  refreshToken = DEFAULT_SALESFORCE_TWIN.refreshToken,
  env: Record<string, unknown> = {},
): SalesforceCrm {
  // Pages of 500, so that walking 2,000 contacts follows nextRecordsUrl.
  return createSalesforceCrm(
    salesforceSettings({
      SALESFORCE_LOGIN_URL: sim.url,
      SALESFORCE_CLIENT_ID: DEFAULT_SALESFORCE_TWIN.clientId,
      SALESFORCE_CLIENT_SECRET: DEFAULT_SALESFORCE_TWIN.clientSecret,
      SALESFORCE_REFRESH_TOKEN: refreshToken,
      SALESFORCE_QUERY_BATCH_SIZE: 500,
      ...env,
    }),
    { timeoutMs: 5_000, onCall: () => undefined, policy: passThrough },
  );
}

beforeAll(async () => {
  dataset = generateDataset({ seed: 7, sizes: DEMO_SIZES, anchor: Date.UTC(2026, 10, 24) });
  counters = new RequestCounters();
  twin = createSalesforceTwin({ dataset, credentials: DEFAULT_SANDBOX_CREDENTIALS });
  sim = await serveSimulator({
    protocol: twin.protocol,
    knobs: new KnobBoard(),
    counters,
    admin: twin.admin,
  });
  crm = make();
});

afterAll(async () => {
  await crm.close();
  await sim.close();
});

beforeEach(() => counters.reset());

const calls = () => counters.snapshot().byEndpoint.salesforce;
function at<T>(list: readonly T[], i: number): T {
  const item = list[i];
  if (item === undefined) throw new Error(`no item ${i}`);
  return item;
}
const contactAt = (i: number) => at(dataset.contacts, i);
const accountIdOf = (company: number) => (company >= 0 ? ids.account(at(dataset.companies, company)) : null);

describe('reads', () => {
  it('reads contacts by id in one Collections retrieve, in order, null for unknown and foreign ids', async () => {
    await crm.getContacts([ids.contact(contactAt(0))]); // the session's token
    counters.reset();
    const wanted = dataset.contacts.slice(0, 120).map((c) => ids.contact(c));
    const asked = [...wanted, '003000000000000AAA', ids.account(at(dataset.companies, 0)), 'junk'];
    const contacts = await crm.getContacts(asked);
    expect(calls()).toEqual({ [RETRIEVE]: 1 });
    contacts.slice(0, 120).forEach((c, i) => {
      const record = contactAt(i);
      expect(c).toMatchObject({
        id: wanted[i],
        firstName: record.firstName,
        lastName: record.lastName,
        email: record.email,
        companyId: accountIdOf(record.company),
        createdAt: new Date(Math.floor(record.createdAt / 1000) * 1000),
        ref: { domain: 'CRM', provider: 'salesforce', externalId: wanted[i] },
      });
    });
    expect(contacts.slice(120)).toEqual([null, null, null]);
  });

  it('reads contacts by email with one SOQL IN query, case-insensitively', async () => {
    const people = dataset.contacts.slice(3, 8);
    const answers = await crm.getContactsByEmail([
      ...people.map((p) => p.email.toUpperCase()),
      'nobody@example.com',
    ]);
    expect(calls()[QUERY]).toBe(1);
    expect(answers.map((c) => c?.id ?? null)).toEqual([...people.map((p) => ids.contact(p)), null]);
  });

  it('reads companies and deals, money from the major-unit Amount and CurrencyIsoCode, status from IsClosed/IsWon', async () => {
    const deals = dataset.deals.slice(0, 30);
    const [companies, found] = await Promise.all([
      crm.getCompanies(dataset.companies.slice(0, 5).map((c) => ids.account(c))),
      crm.getDeals(deals.map((d) => ids.opportunity(d))),
    ]);
    expect(calls()[RETRIEVE]).toBe(2);
    expect(companies.map((c) => c?.name)).toEqual(dataset.companies.slice(0, 5).map((c) => c.name));
    found.forEach((deal, i) => {
      const record = at(deals, i);
      expect(deal).toMatchObject({
        id: ids.opportunity(record),
        name: record.name,
        amount: { minor: BigInt(record.amountMinor), currency: record.currency.toUpperCase() },
        status: record.stage === 'closedwon' ? 'WON' : record.stage === 'closedlost' ? 'LOST' : 'OPEN',
        parties: null,
      });
    });
  });

  it("finds deal parties and a contact's deals through OpportunityContactRole, one query each", async () => {
    const deals = dataset.deals.slice(0, 40);
    const parties = await crm.dealParties(deals.map((d) => ids.opportunity(d)));
    expect(calls()).toEqual({ [QUERY]: 1 });
    parties.forEach((p, i) => {
      const record = at(deals, i);
      expect(p).toEqual({
        contactId: ids.contact(contactAt(record.contact)),
        companyId: accountIdOf(record.company),
      });
    });
    counters.reset();
    const contacts = dataset.contacts.slice(0, 50);
    const dealIds = await crm.dealIdsOfContacts(contacts.map((c) => ids.contact(c)));
    expect(calls()).toEqual({ [QUERY]: 1 });
    contacts.forEach((contact, i) => {
      const expected = dataset.deals
        .filter((d) => dataset.contacts[d.contact] === contact)
        .map((d) => ids.opportunity(d))
        .sort();
      expect([...(dealIds[i] ?? [])].sort()).toEqual(expected);
    });
  });

  it('walks every page of a large query with nextRecordsUrl', async () => {
    const since = new Date(0);
    const until = new Date(Date.UTC(2100, 0, 1));
    const [count] = await crm.countContactsCreated(since, until, [since]);
    expect(count).toBe(dataset.contacts.length);
    const pages = Math.ceil(dataset.contacts.length / 500);
    expect(pages).toBeGreaterThan(1);
    expect(calls()[QUERY]).toBe(1);
    expect(calls()[QUERY_MORE] ?? 0).toBe(pages - 1);
  });
});

describe('paging', () => {
  it('pages contacts forward by id, one query per page, never backwards', async () => {
    const first = await crm.listContacts({ limit: 20 });
    const second = await crm.listContacts({ limit: 20, after: first.nextCursor });
    expect(calls()[QUERY]).toBe(2);
    // Unasked, no total (no COUNT() query).
    expect(first.totalCount).toBeNull();
    expect(first.items).toHaveLength(20);
    expect(second.items).toHaveLength(20);
    const all = [...first.items, ...second.items].map((c) => c.id);
    expect(new Set(all).size).toBe(40);
    expect([...all].sort()).toEqual(all);
    expect(second.cursors[0]).toBe(second.items[0]?.id);
    await expect(crm.listContacts({ limit: 5, before: first.nextCursor })).rejects.toBeInstanceOf(
      UnsupportedPagingError,
    );
    await expect(crm.listContacts({ limit: 5, after: "x' OR Id != '" })).rejects.toMatchObject({
      providerCode: 'INVALID_CURSOR',
    });
  });

  it('counts a plain list only when asked, by a COUNT() query beside the page', async () => {
    const cases: Array<{ list: () => Promise<Page<unknown>>; expected: number }> = [
      { list: () => crm.listContacts({ limit: 5, total: true }), expected: dataset.contacts.length },
      { list: () => crm.listCompanies({ limit: 5, total: true }), expected: dataset.companies.length },
      { list: () => crm.listDeals({ limit: 5, total: true }, {}), expected: dataset.deals.length },
    ];
    for (const { list, expected } of cases) {
      counters.reset();
      const page = await list();
      expect(page.totalCount).toBe(expected);
      expect(page.items).toHaveLength(5);
      expect(calls()).toEqual({ [QUERY]: 2 });
    }
    counters.reset();
    const unasked = await crm.listCompanies({ limit: 5 });
    expect(unasked.totalCount).toBeNull();
    expect(calls()).toEqual({ [QUERY]: 1 });
  });

  it('counts a filtered contact list when asked; a company id of another type matches nothing without a call', async () => {
    const company = at(dataset.companies, 3);
    const members = dataset.contacts.filter((c) => c.company === 3).length;
    const unasked = await crm.listContacts({ limit: 1 }, { companyId: ids.account(company) });
    expect(unasked.totalCount).toBeNull();
    expect(calls()).toEqual({ [QUERY]: 1 });
    const page = await crm.listContacts({ limit: 1, total: true }, { companyId: ids.account(company) });
    expect(page.totalCount).toBe(members);
    expect(members).toBeGreaterThan(1);
    expect(page.nextCursor).not.toBeNull();
    counters.reset();
    const none = await crm.listContacts({ limit: 1, total: true }, { companyId: ids.contact(contactAt(0)) });
    expect(none).toMatchObject({ items: [], totalCount: 0 });
    expect(calls()).toEqual({});
  });

  it('lists open deals with their parties in the same query, and their total from a COUNT() query beside it', async () => {
    const page = await crm.listDeals({ limit: 10, total: true }, { status: 'OPEN' });
    expect(calls()).toEqual({ [QUERY]: 2 });
    const open = dataset.deals.filter((d) => d.stage !== 'closedwon' && d.stage !== 'closedlost');
    expect(page.totalCount).toBe(open.length);
    expect(open.length).toBeGreaterThan(10);
    // The total is of the whole filtered list, on every page.
    const next = await crm.listDeals({ limit: 10, after: page.nextCursor, total: true }, { status: 'OPEN' });
    expect(next.totalCount).toBe(open.length);
    expect(page.items.length).toBeGreaterThan(0);
    for (const deal of page.items) {
      expect(deal.status).toBe('OPEN');
      expect(deal.parties?.contactId).toMatch(/^003/);
    }
  });
});

describe('the dashboard at the floor', () => {
  /** The dashboard's CRM reads in loader order: a page of contacts, their companies, their deals. */
  async function dashboard() {
    const page = await crm.listContacts({ limit: 50 });
    const companyIds = [...new Set(page.items.flatMap((c) => (c.companyId ? [c.companyId] : [])))];
    const [companies, dealIds] = await Promise.all([
      crm.getCompanies(companyIds),
      crm.dealIdsOfContacts(page.items.map((c) => c.id)),
    ]);
    const deals = await crm.getDeals(dealIds.flat());
    return { page, companies, dealIds, deals };
  }

  it('answers the companies and deals of a page of contacts from its relationship query: one call in all', async () => {
    const fresh = await dashboard();
    expect(calls()).toEqual({ [QUERY]: 2, [RETRIEVE]: 2 });
    counters.reset();
    const memo = await runInRequestScope(newRequestScope('dashboard', null), dashboard);
    expect(calls()).toEqual({ [QUERY]: 1 });
    // The same answers as the separate reads gave.
    expect(memo).toEqual(fresh);
    expect(fresh.deals.length).toBeGreaterThan(0);
    expect(fresh.companies.every((c) => c !== null)).toBe(true);
  });
});

describe('writes', () => {
  it('creates, updates and deletes a contact; a taken email is a CONFLICT naming the holder', async () => {
    const created = await crm.createContact(
      { firstName: 'Grace', lastName: 'Hopper', email: 'grace.h6@example.com' },
      w,
    );
    expect(created).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', email: 'grace.h6@example.com' });
    expect(created.id).toMatch(/^003/);
    const updated = await crm.updateContact(created.id, { jobTitle: 'Rear Admiral', phone: null }, w);
    expect(updated).toMatchObject({ jobTitle: 'Rear Admiral', phone: null });
    // Another write (another key) with the same email.
    const taken = await crm
      .createContact({ lastName: 'Again', email: 'GRACE.h6@example.com' }, { idempotencyKey: 'other' })
      .catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(WriteRejectedError);
    expect(taken).toMatchObject({ reason: 'CONFLICT', field: 'email', existingId: created.id });
    await crm.deleteContact(created.id, w);
    await crm.deleteContact(created.id, w); // already gone: not an error
    expect(await crm.getContacts([created.id])).toEqual([null]);
  });

  it('creates by upsert on the write key: the same write again answers the same contact, found by its key', async () => {
    const input = { lastName: 'Keyed', email: 'keyed.once@example.com' };
    const key = { idempotencyKey: 'concord-keyed-once-crm-contact' };
    const since = new Date(Date.now() + 60_000);
    expect(await crm.findCreatedContact(input, { ...key, since })).toBeNull();
    const created = await crm.createContact(input, key);
    const again = await crm.createContact(input, key);
    expect(again.id).toBe(created.id);
    // By the key, whatever the time: the email and `since` do not decide.
    expect(await crm.findCreatedContact({ lastName: 'Keyed' }, { ...key, since })).toMatchObject({
      id: created.id,
    });
    expect(await crm.findCreatedContact(input, { idempotencyKey: 'another', since })).toBeNull();
    await crm.deleteContact(created.id, key);
  });

  it('on an API version before 46.0, takes the 204 of a repeated upsert and reads the contact by its key', async () => {
    const old = make(undefined, { SALESFORCE_API_VERSION: '45.0' });
    try {
      const input = { lastName: 'Old', email: 'old.api@example.com' };
      const key = { idempotencyKey: 'concord-old-api-crm-contact' };
      const created = await old.createContact(input, key);
      counters.reset();
      expect((await old.createContact(input, key)).id).toBe(created.id);
      expect(counters.snapshot().byStatus.salesforce['204']).toBe(1);
      await old.deleteContact(created.id, key);
    } finally {
      await old.close();
    }
  });

  it('with the write-key field off, finds the contact a create made by its email, only among contacts created since the given time', async () => {
    const plain = make(undefined, { SALESFORCE_WRITE_KEY_FIELD: 'off' });
    try {
      const input = { lastName: 'Found', email: 'found.later@example.com' };
      const since = new Date(Date.now() - 1_000);
      expect(await plain.findCreatedContact(input, { ...w, since })).toBeNull();
      const created = await plain.createContact(input, w);
      expect(await plain.findCreatedContact(input, { ...w, since })).toMatchObject({ id: created.id });
      // A contact that held the email before the run began is not the run's.
      const later = new Date(Date.now() + 60_000);
      expect(await plain.findCreatedContact(input, { ...w, since: later })).toBeNull();
      expect(await plain.findCreatedContact({ lastName: 'No Email' }, { ...w, since })).toBeNull();
      await plain.deleteContact(created.id, w);
    } finally {
      await plain.close();
    }
  });

  it('refuses a contact without a last name, or an unknown id, before any call', async () => {
    await expect(crm.createContact({ email: 'x@example.com' }, w)).rejects.toMatchObject({
      reason: 'INVALID',
      field: 'lastName',
    });
    await expect(crm.updateContact('nope', { firstName: 'A' }, w)).rejects.toMatchObject({
      reason: 'NOT_FOUND',
    });
    expect(calls()).toEqual({});
  });

  it('moves an opportunity to another stage; an unknown stage is INVALID on stage', async () => {
    const deal = at(
      dataset.deals.filter((d) => d.stage !== 'closedwon'),
      0,
    );
    const won = await crm.updateDealStage(ids.opportunity(deal), 'Closed Won', w);
    expect(won).toMatchObject({ stage: 'Closed Won', status: 'WON' });
    await expect(crm.updateDealStage(ids.opportunity(deal), 'No Such Stage', w)).rejects.toMatchObject({
      reason: 'INVALID',
      field: 'stage',
    });
  });
});

describe('session', () => {
  it('an expired session (INVALID_SESSION_ID) refreshes once and retries, for all concurrent calls', async () => {
    await crm.getContacts([ids.contact(contactAt(0))]);
    twin.controls.expireAccessTokens();
    counters.reset();
    const answers = await Promise.all(
      [...Array(10)].map((_, i) => crm.getContacts([ids.contact(contactAt(i))])),
    );
    expect(answers.every(([c]) => c !== null)).toBe(true);
    expect(calls()[TOKEN]).toBe(1);
    expect(counters.snapshot().byStatus.salesforce['401']).toBeGreaterThanOrEqual(1);
  });

  it('reads Sforce-Limit-Info from every answer', async () => {
    await crm.getContacts([ids.contact(contactAt(1))]);
    expect(crm.limitInfo()).toMatchObject({ allocation: DEFAULT_SALESFORCE_TWIN.dailyApiRequests });
  });

  it('a revoked refresh token is PROVIDER_UNAVAILABLE with reason auth, and the credential reads revoked', async () => {
    const other = make();
    try {
      await other.getContacts([ids.contact(contactAt(0))]);
      twin.controls.revokeRefreshTokens(DEFAULT_SALESFORCE_TWIN.refreshToken);
      twin.controls.expireAccessTokens();
      await expect(other.getContacts([ids.contact(contactAt(0))])).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        retryable: false,
        details: { reason: 'auth', oauthError: 'invalid_grant' },
      });
    } finally {
      await other.close();
    }
  });
});
