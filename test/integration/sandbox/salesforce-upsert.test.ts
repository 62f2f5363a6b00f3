import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DEFAULT_SALESFORCE_TWIN } from '../../../sandbox/salesforce/index.js';
import { startSandbox } from '../../../sandbox/index.js';
import type { WriteKeyFieldSetup } from '../../../sandbox/salesforce/schema.js';
import { eventually } from '../../support/eventually.js';
import { salesforceAccessToken } from '../../support/salesforce-token.js';

/**
 * The Salesforce twin's upsert by External ID (sObject Rows by External ID) over raw HTTP, in the
 * cases a client cannot reach through jsforce's happy path: several records matching (300), the
 * 204 of API versions before 46.0, an org without the write-key field, and writes landing late.
 */

const FIELD = 'Concord_Write_Key__c';
type Json = Record<string, unknown>;

async function org(writeKeyField: WriteKeyFieldSetup) {
  const sandbox = await startSandbox({
    seed: 7,
    anchor: Date.UTC(2026, 10, 24),
    salesforce: { ...DEFAULT_SALESFORCE_TWIN, writeKeyField },
  });
  const token = await salesforceAccessToken(sandbox);
  const call = async (method: string, path: string, body?: unknown, version = '65.0') => {
    const res = await fetch(`${sandbox.urls.salesforce}/services/data/v${version}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as unknown };
  };
  const idsWithKey = async (key: string) => {
    const q = encodeURIComponent(`SELECT Id FROM Contact WHERE ${FIELD} = '${key}' ORDER BY Id`);
    const res = await call('GET', `/query?q=${q}`);
    expect(res.status).toBe(200);
    return (res.body as { records: Array<{ Id: string }> }).records.map((r) => r.Id);
  };
  return { sandbox, call, idsWithKey };
}

describe('the Salesforce twin upserting by External ID', () => {
  let unique: Awaited<ReturnType<typeof org>>;

  beforeAll(async () => {
    unique = await org('unique');
  }, 60_000);
  afterAll(async () => {
    await unique?.sandbox.stop();
  });

  it('answers a change with 204 and no body before API v46, and with 200 and created: false since', async () => {
    const made = await unique.call(
      'PATCH',
      `/sobjects/Contact/${FIELD}/old-api`,
      { LastName: 'Old' },
      '45.0',
    );
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ id: expect.stringMatching(/^003/), success: true, errors: [] });
    const changed = await unique.call('PATCH', `/sobjects/Contact/${FIELD}/old-api`, { Title: 'x' }, '45.0');
    expect(changed).toEqual({ status: 204, body: undefined });
    const now = await unique.call('PATCH', `/sobjects/Contact/${FIELD}/old-api`, { Title: 'y' });
    expect(now).toEqual({
      status: 200,
      body: { id: (made.body as Json).id, success: true, errors: [], created: false },
    });
  });

  it('refuses the matched field in the body, and an upsert by Id of a record the org lacks', async () => {
    const inBody = await unique.call('PATCH', `/sobjects/Contact/${FIELD}/k`, {
      LastName: 'K',
      [FIELD]: 'k',
    });
    expect(inBody.status).toBe(400);
    expect(inBody.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD', fields: [FIELD] })]);
    const byId = await unique.call('PATCH', '/sobjects/Contact/Id/003000000000000AAA', { Title: 'x' });
    expect(byId.status).toBe(404);
  });

  it('lands a held write just before the next write: the repeat of an upsert finds what it made', async () => {
    unique.sandbox.salesforce.landWritesLate(1, 60_000);
    const body = { LastName: 'Late', Email: 'late.upsert@example.org' };
    const lost = await unique.call('PATCH', `/sobjects/Contact/${FIELD}/late-1`, body);
    expect(lost.status).toBe(503);
    expect(lost.body).toEqual([expect.objectContaining({ errorCode: 'SERVER_UNAVAILABLE' })]);
    // Not carried out yet: a look-up finds nothing.
    expect(await unique.idsWithKey('late-1')).toEqual([]);
    expect(unique.sandbox.salesforce.lateWrites()).toEqual({ pending: 1, landed: [] });

    const repeat = await unique.call('PATCH', `/sobjects/Contact/${FIELD}/late-1`, body);
    const landed = unique.sandbox.salesforce.lateWrites();
    expect(landed.pending).toBe(0);
    expect(landed.landed).toEqual([{ status: 201, id: expect.stringMatching(/^003/), errorCode: null }]);
    expect(repeat).toEqual({
      status: 200,
      body: { id: landed.landed[0]?.id, success: true, errors: [], created: false },
    });
    expect(await unique.idsWithKey('late-1')).toEqual([landed.landed[0]?.id]);
  });

  it('holds writes through the admin endpoint too, and refuses a bad request', async () => {
    const admin = (method: string, body?: unknown) =>
      fetch(`${unique.sandbox.urls.salesforce}/__sandbox/late-writes`, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    expect((await admin('POST', { count: -1, afterMs: 10 })).status).toBe(400);
    expect((await admin('POST', { count: 1 })).status).toBe(400);
    const set = await admin('POST', { count: 1, afterMs: 60_000 });
    expect(set.status).toBe(200);
    const lost = await unique.call('PATCH', `/sobjects/Contact/${FIELD}/late-admin`, { LastName: 'Admin' });
    expect(lost.status).toBe(503);
    expect(((await (await admin('GET')).json()) as { pending: number }).pending).toBe(1);
    const repeat = await unique.call('PATCH', `/sobjects/Contact/${FIELD}/late-admin`, { LastName: 'Admin' });
    expect(repeat.status).toBe(200);
    expect(((await (await admin('GET')).json()) as { pending: number }).pending).toBe(0);
  });

  it('lands a held write after its delay when no other write comes', async () => {
    unique.sandbox.salesforce.landWritesLate(1, 50);
    const lost = await unique.call('POST', '/sobjects/Contact', { LastName: 'Alone', [FIELD]: 'late-2' });
    expect(lost.status).toBe(503);
    const landed = await eventually(async () => {
      const state = unique.sandbox.salesforce.lateWrites();
      return state.pending === 0 ? state.landed.at(-1) : undefined;
    }, 'the held create landing on its own');
    expect(landed).toEqual({ status: 201, id: expect.stringMatching(/^003/), errorCode: null });
    expect(await unique.idsWithKey('late-2')).toEqual([landed.id]);
  });
});

describe('a Salesforce twin org whose write-key field is not unique, or missing', () => {
  it('answers 300 with the matching records when the External ID is not unique, changing none', async () => {
    const nonUnique = await org('non-unique');
    try {
      const described = await nonUnique.call('GET', '/sobjects/Contact/describe');
      const fields = (described.body as { fields: Json[] }).fields;
      expect(fields.find((f) => f.name === FIELD)).toMatchObject({ externalId: true, unique: false });
      const ids: string[] = [];
      for (const name of ['One', 'Two']) {
        const made = await nonUnique.call('POST', '/sobjects/Contact', { LastName: name, [FIELD]: 'shared' });
        expect(made.status).toBe(201);
        ids.push((made.body as { id: string }).id);
      }
      const several = await nonUnique.call('PATCH', `/sobjects/Contact/${FIELD}/shared`, { Title: 'x' });
      expect(several.status).toBe(300);
      expect(several.body).toEqual(ids.map((id) => `/services/data/v65.0/sobjects/Contact/${id}`));
      const q = encodeURIComponent(`SELECT Title FROM Contact WHERE ${FIELD} = 'shared'`);
      const titles = (await nonUnique.call('GET', `/query?q=${q}`)).body as { records: Json[] };
      expect(titles.records.map((r) => r.Title)).toEqual([null, null]);
      // Through Collections, that record alone fails, with Salesforce's code for it.
      const batch = await nonUnique.call('PATCH', `/composite/sobjects/Contact/${FIELD}`, {
        records: [
          { attributes: { type: 'Contact' }, [FIELD]: 'shared', Title: 'x' },
          { attributes: { type: 'Contact' }, [FIELD]: 'single', LastName: 'Single' },
        ],
      });
      expect(batch.status).toBe(200);
      expect(batch.body).toEqual([
        {
          success: false,
          errors: [expect.objectContaining({ statusCode: 'DUPLICATE_EXTERNAL_ID', fields: [FIELD] })],
        },
        { id: expect.stringMatching(/^003/), success: true, errors: [], created: true },
      ]);
    } finally {
      await nonUnique.sandbox.stop();
    }
  }, 60_000);

  it('has no such field when the admin never made it: describe omits it, upsert is 404, SOQL INVALID_FIELD', async () => {
    const off = await org('off');
    try {
      const described = await off.call('GET', '/sobjects/Contact/describe');
      expect((described.body as { fields: Json[] }).fields.map((f) => f.name)).not.toContain(FIELD);
      const upsert = await off.call('PATCH', `/sobjects/Contact/${FIELD}/k`, { LastName: 'K' });
      expect(upsert.status).toBe(404);
      expect(upsert.body).toEqual([expect.objectContaining({ errorCode: 'NOT_FOUND' })]);
      const q = encodeURIComponent(`SELECT Id FROM Contact WHERE ${FIELD} = 'k'`);
      const query = await off.call('GET', `/query?q=${q}`);
      expect(query.status).toBe(400);
      expect(query.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_FIELD' })]);
    } finally {
      await off.sandbox.stop();
    }
  }, 60_000);
});
