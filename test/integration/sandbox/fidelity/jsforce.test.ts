import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Connection } from '@jsforce/jsforce-node';
import { startSandbox, type RunningSandbox } from '../../../../sandbox/index.js';
import { salesforceAccessToken } from '../../../support/salesforce-token.js';

/** The official-grade client against the Salesforce twin, unchanged: what it sends, the twin must answer. */
let sandbox: RunningSandbox;
/** The twin's clock: sessions expire and changes are stamped by it, so tests move time instead of waiting. */
let now = Date.UTC(2026, 10, 24, 12, 0, 0);

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, anchor: Date.UTC(2026, 10, 24), clock: () => now });
});

afterAll(async () => {
  await sandbox.stop();
});

const TOKEN_ENDPOINT = 'POST /services/oauth2/token';

function tokenCalls(): number {
  return sandbox.counters.snapshot().byEndpoint.salesforce[TOKEN_ENDPOINT] ?? 0;
}

/** A connection as an app with a stored refresh token builds it: no access token yet, refreshed on the first 401. */
function connect(refreshToken = sandbox.salesforce.settings.refreshToken): Connection {
  const { clientId, clientSecret } = sandbox.salesforce.settings;
  return new Connection({
    oauth2: { clientId, clientSecret, loginUrl: sandbox.urls.salesforce },
    instanceUrl: sandbox.urls.salesforce,
    accessToken: 'none-yet',
    refreshToken,
  });
}

async function failure(
  promise: PromiseLike<unknown>,
): Promise<Error & { errorCode?: string; data?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { errorCode?: string };
  }
  throw new Error('expected the call to fail');
}

interface ContactRow {
  Id: string;
  Name: string;
  Email: string;
  Account: { Name: string } | null;
}

describe('SOQL through conn.query', () => {
  let conn: Connection;
  beforeAll(() => {
    conn = connect();
  });

  it('serves the seeded people: contacts with their account, as in the data set', async () => {
    const result = await conn.query<ContactRow>(
      'SELECT Id, Name, Email, Account.Name FROM Contact ORDER BY Email LIMIT 5',
    );
    expect(result.done).toBe(true);
    expect(result.totalSize).toBe(5);
    const emails = sandbox.dataset.contacts
      .map((c) => c.email)
      .sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
    expect(result.records.map((r) => r.Email)).toEqual(emails.slice(0, 5));
    for (const record of result.records) {
      const seeded = sandbox.dataset.contacts.find((c) => c.email === record.Email);
      expect(record.Name).toBe(`${seeded?.firstName} ${seeded?.lastName}`);
      const company = seeded && seeded.company >= 0 ? sandbox.dataset.companies[seeded.company] : undefined;
      expect(record.Account?.Name ?? null).toBe(company?.name ?? null);
      expect(record.Id).toMatch(/^003[A-Za-z0-9]{15}$/);
    }
  });

  it('pages with nextRecordsUrl: queryMore and autoFetch read every row once', async () => {
    const headers = { 'Sforce-Query-Options': 'batchSize=500' };
    const first = await conn.query<{ Id: string }>('SELECT Id FROM Contact', { headers });
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(500);
    expect(first.nextRecordsUrl).toMatch(/\/query\/01g[A-Za-z0-9]{15}-500$/);
    const second = await conn.queryMore<{ Id: string }>(first.nextRecordsUrl as string);
    expect(second.records).toHaveLength(500);
    expect(second.records[0]?.Id).not.toBe(first.records[0]?.Id);

    const all = await conn
      .query<{ Id: string }>('SELECT Id FROM Contact')
      .run({ autoFetch: true, maxFetch: 10_000, headers });
    expect(all.records).toHaveLength(sandbox.dataset.contacts.length);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(sandbox.dataset.contacts.length);
  });

  it('answers child subqueries and relationship filters the way an adapter batches deal parties', async () => {
    const result = await conn.query<{
      Id: string;
      StageName: string;
      IsClosed: boolean;
      IsWon: boolean;
      Amount: number;
      CurrencyIsoCode: string;
      OpportunityContactRoles: {
        totalSize: number;
        records: { ContactId: string; IsPrimary: boolean }[];
      } | null;
    }>(
      "SELECT Id, StageName, IsClosed, IsWon, Amount, CurrencyIsoCode, (SELECT ContactId, IsPrimary FROM OpportunityContactRoles) FROM Opportunity WHERE StageName IN ('Closed Won', 'Closed Lost') AND CloseDate = LAST_N_DAYS:365 ORDER BY Amount DESC NULLS LAST LIMIT 20",
    );
    expect(result.records.length).toBeGreaterThan(0);
    for (const record of result.records) {
      expect(record.IsClosed).toBe(true);
      expect(record.IsWon).toBe(record.StageName === 'Closed Won');
      expect(record.OpportunityContactRoles?.records[0]?.IsPrimary).toBe(true);
    }
    const amounts = result.records.map((r) => r.Amount);
    expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);

    const contactId = result.records[0]?.OpportunityContactRoles?.records[0]?.ContactId as string;
    const semi = await conn.query<{ Id: string }>(
      `SELECT Id FROM Opportunity WHERE Id IN (SELECT OpportunityId FROM OpportunityContactRole WHERE ContactId = '${contactId}')`,
    );
    expect(semi.records.map((r) => r.Id)).toContain(result.records[0]?.Id);
  });

  it('counts with COUNT() and refuses what it does not run with MALFORMED_QUERY naming the subset', async () => {
    const count = await conn.query('SELECT COUNT() FROM Account');
    expect(count.totalSize).toBe(sandbox.dataset.companies.length);
    expect(count.records).toEqual([]);

    const grouped = await failure(conn.query('SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry'));
    expect(grouped.errorCode).toBe('MALFORMED_QUERY');
    expect(grouped.message).toContain('the sandbox supports');
    const field = await failure(conn.query('SELECT Id, Nickname FROM Contact'));
    expect(field.errorCode).toBe('INVALID_FIELD');
    expect(field.message).toContain("No such column 'Nickname' on entity 'Contact'");
  });
});

describe('records through sobject()', () => {
  let conn: Connection;
  beforeAll(() => {
    conn = connect();
  });

  it('retrieves many through Collections (null for an unknown id) and one by id', async () => {
    const ids = (await conn.query<{ Id: string }>('SELECT Id FROM Contact LIMIT 3')).records.map((r) => r.Id);
    sandbox.counters.reset();
    const many = await conn
      .sobject('Contact')
      .retrieve([...ids, '003Sb0000000000AAA'], { fields: ['Id', 'Email'] });
    expect(many.map((r) => r?.Id ?? null)).toEqual([...ids, null]);
    expect(
      sandbox.counters.snapshot().byEndpoint.salesforce[
        'POST /services/data/{version}/composite/sobjects/{sobject}'
      ],
    ).toBe(1);

    // Without fields jsforce describes the object first, then asks for every field.
    const described = await conn.sobject('Contact').retrieve(ids.slice(0, 1));
    expect(Object.keys(described[0] ?? {})).toEqual(
      expect.arrayContaining(['Id', 'Name', 'AccountId', 'SystemModstamp']),
    );

    const one = await conn.sobject('Contact').retrieve(ids[0] as string);
    expect(one.Id).toBe(ids[0]);
    expect(String(one.CreatedDate)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  });

  it('creates, updates and destroys, one at a time and through Collections', async () => {
    const created = await conn
      .sobject('Contact')
      .create({ FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.org' });
    expect(created).toMatchObject({ success: true, errors: [] });
    const id = (created as { id: string }).id;
    expect(id).toMatch(/^003[A-Za-z0-9]{15}$/);

    const updated = await conn.sobject('Contact').update({ Id: id, Title: 'Analyst' });
    expect(updated).toEqual({ id, success: true, errors: [] });
    const read = await conn.sobject('Contact').retrieve(id, { fields: ['Name', 'Title'] });
    expect(read).toMatchObject({ Name: 'Ada Lovelace', Title: 'Analyst' });

    const batch = await conn.sobject('Contact').create([
      { LastName: 'Babbage', Email: 'charles@example.org' },
      { FirstName: 'No', Email: 'no.last.name@example.org' },
    ]);
    expect(batch[0]).toMatchObject({ success: true });
    expect(batch[1]).toMatchObject({
      success: false,
      errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] })],
    });
    const babbage = (batch[0] as { id: string }).id;

    const updates = await conn.sobject('Contact').update([
      { Id: babbage, Title: 'Engineer' },
      { Id: id, Title: 'Poet' },
    ]);
    expect(updates.map((u) => u.success)).toEqual([true, true]);

    const destroyed = await conn.sobject('Contact').destroy(id);
    expect(destroyed).toEqual({ id, success: true, errors: [] });
    const gone = await failure(conn.sobject('Contact').retrieve(id));
    expect(gone.errorCode).toBe('ENTITY_IS_DELETED');
    const many = await conn.sobject('Contact').destroy([babbage, id]);
    expect(many.map((r) => r.success)).toEqual([true, false]);

    const deleted = await conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE Id = '${id}'`, {
      scanAll: true,
    });
    expect(deleted.records.map((r) => r.Id)).toEqual([id]);
  });

  it("refuses a duplicate contact email with DUPLICATES_DETECTED and Salesforce's duplicateResut", async () => {
    const email = sandbox.dataset.contacts[0]?.email as string;
    const error = await failure(
      conn.sobject('Contact').create({ LastName: 'Twin', Email: email.toUpperCase() }),
    );
    expect(error.errorCode).toBe('DUPLICATES_DETECTED');
    expect(error.data).toHaveProperty('duplicateResut.matchResults');
  });

  it('upserts by an External ID field: 201 made, 200 changed the same record, refusals as Salesforce words them', async () => {
    const contacts = conn.sobject('Contact');
    const describe = await contacts.describe();
    expect(describe.fields.find((f) => f.name === 'Concord_Write_Key__c')).toMatchObject({
      type: 'string',
      custom: true,
      externalId: true,
      unique: true,
      idLookup: true,
    });
    const record = { LastName: 'Upserted', Email: 'upserted@example.org', Concord_Write_Key__c: 'key-1' };
    const made = await contacts.upsert(record, 'Concord_Write_Key__c');
    expect(made).toMatchObject({ success: true, errors: [], created: true });
    const id = (made as { id: string }).id;
    expect(id).toMatch(/^003[A-Za-z0-9]{15}$/);

    // The same upsert again finds the record the first made (the key matches case-insensitively).
    const again = await contacts.upsert(
      { ...record, Concord_Write_Key__c: 'KEY-1', Title: 'Again' },
      'Concord_Write_Key__c',
    );
    expect(again).toEqual({ id, success: true, errors: [], created: false });
    const held = await conn.query<{ Id: string; Title: string }>(
      "SELECT Id, Title FROM Contact WHERE Concord_Write_Key__c = 'key-1'",
    );
    expect(held.records.map((r) => [r.Id, r.Title])).toEqual([[id, 'Again']]);

    // A field that is not an External ID, one the org lacks, and the key set on a second record.
    const notExternal = await failure(contacts.upsert({ LastName: 'X', Email: 'x@example.org' }, 'Email'));
    expect(notExternal.errorCode).toBe('INVALID_FIELD');
    const missing = await failure(contacts.upsert({ LastName: 'X', No_Such__c: 'v' }, 'No_Such__c'));
    expect(missing.errorCode).toBe('NOT_FOUND');
    const clash = await failure(contacts.create({ LastName: 'Clash', Concord_Write_Key__c: 'key-1' }));
    expect(clash.errorCode).toBe('DUPLICATE_VALUE');

    // Many at once (sObject Collections): one changed, one made, one refused, each on its own.
    const many = await contacts.upsert(
      [
        { Concord_Write_Key__c: 'key-1', Title: 'Many' },
        { Concord_Write_Key__c: 'key-2', LastName: 'Second' },
        { Concord_Write_Key__c: 'key-3' },
      ],
      'Concord_Write_Key__c',
    );
    expect(many[0]).toEqual({ id, success: true, errors: [], created: false });
    expect(many[1]).toMatchObject({ success: true, errors: [], created: true });
    expect(many[2]).toMatchObject({
      success: false,
      errors: [expect.objectContaining({ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] })],
    });
    await contacts.destroy([id, (many[1] as { id: string }).id]);
  });

  it('reports changed and deleted ids for polling (get-updated / get-deleted)', async () => {
    const start = new Date(now);
    now += 60_000;
    const created = (await conn.sobject('Account').create({ Name: 'Polled Inc' })) as { id: string };
    now += 60_000;
    await conn.sobject('Account').destroy(created.id);
    now += 60_000;
    const end = new Date(now);
    const updated = await conn.sobject('Account').updated(start.toISOString(), end.toISOString());
    expect(updated.ids).toEqual([]);
    expect(updated.latestDateCovered).toBe(end.toISOString().replace('Z', '+0000'));
    const deleted = await conn.sobject('Account').deleted(start.toISOString(), end.toISOString());
    expect(deleted.deletedRecords.map((r) => r.id)).toEqual([created.id]);

    const alive = (await conn.sobject('Account').create({ Name: 'Still Here' })) as { id: string };
    now += 60_000;
    const later = await conn.sobject('Account').updated(end.toISOString(), new Date(now).toISOString());
    expect(later.ids).toEqual([alive.id]);
  });
});

describe('OAuth 2.0 as jsforce drives it', () => {
  beforeEach(() => {
    sandbox.salesforce.configureOAuth({ accessTokenTtlMs: 2 * 60 * 60 * 1000, rotateRefreshTokens: false });
  });

  it('refreshes once on INVALID_SESSION_ID and resends, for parallel callers too', async () => {
    const conn = connect();
    const refreshed: string[] = [];
    conn.on('refresh', (accessToken: string) => refreshed.push(accessToken));
    const before = tokenCalls();
    const results = await Promise.all([1, 2, 3].map(() => conn.query('SELECT Id FROM User LIMIT 1')));
    expect(results.map((r) => r.totalSize)).toEqual([1, 1, 1]);
    expect(tokenCalls() - before).toBe(1);
    expect(refreshed).toHaveLength(1);
    expect(conn.instanceUrl).toBe(sandbox.urls.salesforce);

    // The session times out: the next call gets 401, refreshes once more and succeeds.
    now += 2 * 60 * 60 * 1000 + 1;
    const again = await conn.query('SELECT Id FROM User LIMIT 1');
    expect(again.totalSize).toBe(1);
    expect(tokenCalls() - before).toBe(2);
    expect(refreshed[1]).not.toBe(refreshed[0]);
  });
});

describe('refresh-token rotation and revocation', () => {
  /** A fresh org per test: rotation and revocation retire the standing refresh token the other tests use. */
  let org: RunningSandbox;
  beforeEach(async () => {
    org = await startSandbox({ dataset: sandbox.dataset, clock: () => now });
  });
  afterEach(async () => {
    await org.stop();
  });

  function orgConnection(refreshToken = org.salesforce.settings.refreshToken): Connection {
    const { clientId, clientSecret } = org.salesforce.settings;
    return new Connection({
      oauth2: { clientId, clientSecret, loginUrl: org.urls.salesforce },
      instanceUrl: org.urls.salesforce,
      accessToken: 'none-yet',
      refreshToken,
    });
  }

  it('rotates when the app asks: the new token works, the used one is invalid_grant', async () => {
    org.salesforce.configureOAuth({ rotateRefreshTokens: true });
    const standing = org.salesforce.settings.refreshToken;
    const conn = orgConnection();
    const rotated = await conn.oauth2.refreshToken(standing);
    expect(rotated.refresh_token).toMatch(/^5Aep861/);
    expect(rotated.instance_url).toBe(org.urls.salesforce);
    const reused = await failure(conn.oauth2.refreshToken(standing));
    expect(reused.name).toBe('invalid_grant');
    expect(reused.message).toBe('expired access/refresh token');
    // jsforce does not keep a rotated token itself; an app saves it from the refresh event.
    const next = orgConnection(rotated.refresh_token as string);
    expect((await next.query('SELECT Id FROM User LIMIT 1')).totalSize).toBe(1);
  });

  it('answers a revoked refresh token with invalid_grant; the automatic refresh fails with it', async () => {
    const conn = orgConnection();
    expect((await conn.query('SELECT Id FROM User LIMIT 1')).totalSize).toBe(1);
    await conn.oauth2.revokeToken(org.salesforce.settings.refreshToken);
    // Revoking the refresh token ends its sessions too: the next call gets 401, and the refresh fails.
    const error = await failure(conn.query('SELECT Id FROM User'));
    expect(error.message).toBe('Unable to refresh session due to: expired access/refresh token');
    const direct = await failure(conn.oauth2.refreshToken(org.salesforce.settings.refreshToken));
    expect(direct.name).toBe('invalid_grant');
    const unknown = await failure(conn.oauth2.revokeToken('not-a-token'));
    expect(unknown.name).toBe('invalid_token');
  });
});

describe('the shared knobs and limits, in Salesforce words', () => {
  const token = salesforceAccessToken;

  it('counts usage in Sforce-Limit-Info and answers an exhausted allocation with 403 REQUEST_LIMIT_EXCEEDED', async () => {
    const org = await startSandbox({
      dataset: sandbox.dataset,
      clock: () => now,
      salesforce: { ...sandbox.salesforce.settings, dailyApiRequests: 3 },
      knobs: { salesforce: { documentedLimits: true } },
    });
    try {
      const headers = { authorization: `Bearer ${await token(org)}` };
      const url = `${org.urls.salesforce}/services/data/v65.0/query?q=${encodeURIComponent('SELECT Id FROM User')}`;
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(url, { headers });
        expect(res.status).toBe(200);
        seen.push(res.headers.get('sforce-limit-info') ?? '');
      }
      expect(seen).toEqual(['api-usage=1/3', 'api-usage=2/3', 'api-usage=3/3']);
      const over = await fetch(url, { headers });
      expect(over.status).toBe(403);
      expect(over.headers.get('retry-after')).toBeNull();
      expect(await over.json()).toEqual([
        { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
      ]);
      // The allocation rolls over 24 hours.
      now += 86_400_000;
      const fresh = { authorization: `Bearer ${await token(org)}` };
      const next = await fetch(url, { headers: fresh });
      expect(next.status).toBe(200);
      expect(next.headers.get('sforce-limit-info')).toBe('api-usage=1/3');
    } finally {
      await org.stop();
    }
  });

  it('goes down, fails and comes back through the knobs, with error arrays', async () => {
    // Plain HTTP: jsforce retries 5xx by itself, which would hide the answer being checked.
    const headers = { authorization: `Bearer ${await token(sandbox)}` };
    const url = `${sandbox.urls.salesforce}/services/data/v65.0/sobjects`;
    sandbox.knobs.set('salesforce', { outage: true });
    try {
      const down = await fetch(url, { headers });
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual([expect.objectContaining({ errorCode: 'SERVER_UNAVAILABLE' })]);
      sandbox.knobs.set('salesforce', { outage: false, errorRate: 1 });
      const failing = await fetch(url, { headers });
      expect(failing.status).toBe(500);
      expect(await failing.json()).toEqual([expect.objectContaining({ errorCode: 'UNKNOWN_EXCEPTION' })]);
    } finally {
      sandbox.knobs.reset('salesforce');
    }
    expect((await fetch(url, { headers })).status).toBe(200);
  });

  it('serves a valid OpenAPI document and the versions list without a session', async () => {
    const doc = (await (await fetch(`${sandbox.urls.salesforce}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/services/oauth2/token', '/services/data/{version}/query']),
    );
    const versions = (await (await fetch(`${sandbox.urls.salesforce}/services/data/`)).json()) as {
      version: string;
    }[];
    expect(versions.map((v) => v.version)).toEqual(expect.arrayContaining(['50.0', '65.0', '68.0']));
    const unknown = await fetch(`${sandbox.urls.salesforce}/services/data/v20.0/limits`, {
      headers: { authorization: `Bearer ${await token(sandbox)}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual([
      { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
    ]);
  });
});

describe('Stripe and PostHog linked to Salesforce (crm: salesforce)', () => {
  it("carries Salesforce contact ids in Stripe's metadata.crm_contact_id and PostHog's distinct_id", async () => {
    const org = await startSandbox({ dataset: sandbox.dataset, crm: 'salesforce' });
    try {
      const res = await fetch(`${org.urls.stripe}/v1/customers?limit=3`, {
        headers: { authorization: `Bearer ${org.credentials.stripeSecretKey}` },
      });
      const customers = (
        (await res.json()) as { data: { email: string; metadata: { crm_contact_id: string } }[] }
      ).data;
      const { clientId, clientSecret, refreshToken } = org.salesforce.settings;
      const conn = new Connection({
        oauth2: { clientId, clientSecret, loginUrl: org.urls.salesforce },
        instanceUrl: org.urls.salesforce,
        accessToken: 'none-yet',
        refreshToken,
      });
      for (const customer of customers) {
        const contact = await conn
          .sobject('Contact')
          .retrieve(customer.metadata.crm_contact_id, { fields: ['Email'] });
        expect(String(contact.Email).toLowerCase()).toBe(customer.email.toLowerCase());
      }
      const persons = await fetch(
        `${org.urls.posthog}/api/projects/${org.credentials.posthogProjectId}/persons/?limit=2`,
        { headers: { authorization: `Bearer ${org.credentials.posthogApiKey}` } },
      );
      const people = ((await persons.json()) as { results: { distinct_ids: string[] }[] }).results;
      expect(people[0]?.distinct_ids[0]).toMatch(/^003[A-Za-z0-9]{15}$/);
    } finally {
      await org.stop();
    }
  });
});
