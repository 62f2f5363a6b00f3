import { beforeEach, describe, expect, it } from '@jest/globals';
import { generateDataset } from '../../../data/generate.js';
import { SalesforceError } from '../../errors.js';
import { SalesforceStore } from '../../store.js';
import { likeRegex, runSoql, type RenderedRecord } from '../evaluate.js';
import { dateLiteralRange } from '../dates.js';

const ANCHOR = Date.UTC(2026, 10, 24);
const dataset = generateDataset({
  seed: 3,
  sizes: { contacts: 60, companies: 12, deals: 50, charges: 10, events: 10 },
  anchor: ANCHOR,
});
let store: SalesforceStore;
const NOW = ANCHOR + 12 * 3_600_000;

beforeEach(() => {
  store = new SalesforceStore(dataset);
});

function run(source: string, includeDeleted = false) {
  return runSoql(store, source, { includeDeleted, now: NOW, version: '65.0' });
}

function refusal(source: string): SalesforceError {
  try {
    run(source);
  } catch (error) {
    if (error instanceof SalesforceError) return error;
    throw error;
  }
  throw new Error(`expected ${source} to be refused`);
}

const ids = (records: RenderedRecord[]) => records.map((r) => r.Id as string);

describe('runSoql over the seeded org', () => {
  it('selects fields in the order asked, keyed by their API names, with attributes', () => {
    const { records, totalSize } = run('SELECT email, ID, lastname FROM contact LIMIT 2');
    expect(totalSize).toBe(2);
    expect(Object.keys(records[0] ?? {})).toEqual(['attributes', 'Email', 'Id', 'LastName']);
    expect(records[0]?.attributes).toEqual({
      type: 'Contact',
      url: `/services/data/v65.0/sobjects/Contact/${records[0]?.Id as string}`,
    });
  });

  it('follows parent paths, null where there is no parent', () => {
    const { records } = run('SELECT Id, Account.Name, Account.Owner.Email FROM Contact');
    const withCompany = dataset.contacts.findIndex((c) => c.company >= 0);
    const without = dataset.contacts.findIndex((c) => c.company < 0);
    const company = dataset.companies[dataset.contacts[withCompany]?.company ?? -1];
    expect(records[withCompany]?.Account).toMatchObject({
      attributes: { type: 'Account' },
      Name: company?.name,
      Owner: { attributes: { type: 'User' }, Email: expect.stringContaining('@') },
    });
    if (without >= 0) expect(records[without]?.Account).toBeNull();
  });

  it('nests child rows as {totalSize, done, records}, null when there are none', () => {
    const { records } = run(
      'SELECT Id, (SELECT Id, Amount FROM Opportunities ORDER BY Amount DESC LIMIT 2) FROM Account',
    );
    const counts = new Map<string, number>();
    for (const deal of dataset.deals) {
      if (deal.company < 0) continue;
      counts.set(String(deal.company), (counts.get(String(deal.company)) ?? 0) + 1);
    }
    records.forEach((record, i) => {
      const expected = Math.min(2, counts.get(String(i)) ?? 0);
      const child = record.Opportunities as {
        totalSize: number;
        done: boolean;
        records: { Amount: number }[];
      } | null;
      if (expected === 0) expect(child).toBeNull();
      else {
        expect(child?.totalSize).toBe(expected);
        expect(child?.done).toBe(true);
        const amounts = child?.records.map((r) => r.Amount) ?? [];
        expect([...amounts].sort((a, b) => b - a)).toEqual(amounts);
      }
    });
  });

  it('compares text case-insensitively and ids in 15- or 18-character form', () => {
    const first = run('SELECT Id, Email FROM Contact LIMIT 1').records[0] as RenderedRecord;
    const email = (first.Email as string).toUpperCase();
    expect(ids(run(`SELECT Id FROM Contact WHERE Email = '${email}'`).records)).toEqual([first.Id]);
    const id15 = (first.Id as string).slice(0, 15);
    expect(ids(run(`SELECT Id FROM Contact WHERE Id = '${id15}'`).records)).toEqual([first.Id]);
    expect(
      ids(run(`SELECT Id FROM Contact WHERE Id = '${(first.Id as string).toLowerCase()}'`).records),
    ).toEqual([first.Id]);
  });

  it('treats null as a value: = null, != null and != leaving nulls in', () => {
    const all = run('SELECT COUNT() FROM Contact').totalSize;
    const nullAccount = run('SELECT COUNT() FROM Contact WHERE AccountId = null').totalSize;
    expect(nullAccount).toBe(dataset.contacts.filter((c) => c.company < 0).length);
    expect(run('SELECT COUNT() FROM Contact WHERE AccountId != null').totalSize).toBe(all - nullAccount);
    const someAccount = run('SELECT AccountId FROM Contact WHERE AccountId != null LIMIT 1').records[0]
      ?.AccountId;
    const notThat = run(
      `SELECT COUNT() FROM Contact WHERE AccountId != '${someAccount as string}'`,
    ).totalSize;
    const that = run(`SELECT COUNT() FROM Contact WHERE AccountId = '${someAccount as string}'`).totalSize;
    expect(notThat + that).toBe(all);
  });

  it('filters with AND, OR, NOT, IN, NOT IN, LIKE and numeric ranges', () => {
    const won = run(
      "SELECT Id, Amount FROM Opportunity WHERE StageName = 'Closed Won' AND Amount > 500",
    ).records;
    expect(won.every((r) => (r.Amount as number) > 500)).toBe(true);
    const either = run(
      "SELECT COUNT() FROM Opportunity WHERE StageName IN ('Closed Won', 'Closed Lost')",
    ).totalSize;
    const closed = run('SELECT COUNT() FROM Opportunity WHERE IsClosed = true').totalSize;
    expect(either).toBe(closed);
    const open = run(
      "SELECT COUNT() FROM Opportunity WHERE StageName NOT IN ('Closed Won', 'Closed Lost')",
    ).totalSize;
    expect(open + closed).toBe(dataset.deals.length);
    expect(run('SELECT COUNT() FROM Opportunity WHERE NOT IsClosed = true').totalSize).toBe(open);
    const like = run("SELECT Email FROM Contact WHERE Email LIKE '%@example.com'").records;
    expect(like.length).toBe(dataset.contacts.filter((c) => c.email.endsWith('@example.com')).length);
  });

  it('resolves date literals for date and datetime fields', () => {
    const range = dateLiteralRange('LAST_N_DAYS', 30, NOW);
    const recent = dataset.contacts.filter(
      (c) => c.createdAt >= range.start && c.createdAt < range.end,
    ).length;
    expect(run('SELECT COUNT() FROM Contact WHERE CreatedDate = LAST_N_DAYS:30').totalSize).toBe(recent);
    expect(run('SELECT COUNT() FROM Contact WHERE CreatedDate >= 2020-01-01T00:00:00Z').totalSize).toBe(
      dataset.contacts.length,
    );
    const future = dataset.deals.filter((d) => d.closeDate >= ANCHOR + 86_400_000).length;
    expect(run('SELECT COUNT() FROM Opportunity WHERE CloseDate > TODAY').totalSize).toBe(future);
  });

  it('semi-joins: contacts on a won opportunity', () => {
    const wonContacts = new Set(
      dataset.deals.filter((d) => d.stage === 'closedwon').map((d) => dataset.contacts[d.contact]?.email),
    );
    const rows = run(
      'SELECT Email FROM Contact WHERE Id IN (SELECT ContactId FROM OpportunityContactRole WHERE Opportunity.IsWon = true)',
    ).records;
    expect(new Set(rows.map((r) => r.Email))).toEqual(wonContacts);
  });

  it('orders with nulls first ascending unless told, then offsets and limits', () => {
    const asc = run('SELECT AccountId FROM Contact ORDER BY AccountId').records;
    expect(asc[0]?.AccountId).toBeNull();
    const last = run('SELECT AccountId FROM Contact ORDER BY AccountId NULLS LAST').records;
    expect(last.at(-1)?.AccountId).toBeNull();
    const all = ids(run('SELECT Id FROM Contact ORDER BY LastName, Id').records);
    expect(ids(run('SELECT Id FROM Contact ORDER BY LastName, Id LIMIT 5 OFFSET 10').records)).toEqual(
      all.slice(10, 15),
    );
  });

  it('sees deleted rows only through queryAll', () => {
    const victim = store.all('Contact')[0];
    if (!victim) throw new Error('no contact');
    store.remove(victim, NOW);
    expect(run(`SELECT Id FROM Contact WHERE Id = '${victim.id}'`).totalSize).toBe(0);
    const all = run(`SELECT Id, IsDeleted FROM Contact WHERE Id = '${victim.id}'`, true).records;
    expect(all).toEqual([expect.objectContaining({ Id: victim.id, IsDeleted: true })]);
  });

  it.each([
    ['SELECT Nope FROM Contact', 'INVALID_FIELD', "No such column 'Nope' on entity 'Contact'"],
    ['SELECT Boss.Name FROM Contact', 'INVALID_FIELD', "Didn't understand relationship 'Boss'"],
    ['SELECT Id FROM Lead', 'INVALID_TYPE', "sObject type 'Lead' is not supported"],
    [
      'SELECT Id, (SELECT Id FROM Cases) FROM Account',
      'INVALID_TYPE',
      "Didn't understand relationship 'Cases'",
    ],
    [
      "SELECT Id FROM Opportunity WHERE CloseDate > '2026-01-01'",
      'INVALID_QUERY_FILTER_OPERATOR',
      "field 'CloseDate' must be of type date and should not be enclosed in quotes",
    ],
    [
      'SELECT Id FROM Contact WHERE Email = 5',
      'INVALID_QUERY_FILTER_OPERATOR',
      "field 'Email' must be of type string and should be enclosed in quotes",
    ],
    [
      "SELECT Id FROM Contact WHERE AccountId = 'nope'",
      'INVALID_QUERY_FILTER_OPERATOR',
      'invalid ID field: nope',
    ],
    [
      'SELECT Id FROM Opportunity WHERE IsWon > true',
      'INVALID_QUERY_FILTER_OPERATOR',
      'invalid operator on boolean',
    ],
    [
      'SELECT Id FROM Contact OFFSET 2001',
      'NUMBER_OUTSIDE_VALID_RANGE',
      'Maximum SOQL offset allowed is 2000',
    ],
    ['SELECT COUNT(), Id FROM Contact', 'MALFORMED_QUERY', 'COUNT() beside other fields'],
  ])('refuses %s with %s', (source, code, message) => {
    const error = refusal(source);
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe(code);
    expect(error.message).toContain(message);
  });
});

describe('likeRegex', () => {
  it('matches % and _ case-insensitively and escaped ones literally', () => {
    expect(likeRegex('a%').test('ABC')).toBe(true);
    expect(likeRegex('a_c').test('abc')).toBe(true);
    expect(likeRegex('a_c').test('abbc')).toBe(false);
    expect(likeRegex('100\\%').test('100%')).toBe(true);
    expect(likeRegex('100\\%').test('1000')).toBe(false);
    expect(likeRegex('a.b').test('axb')).toBe(false);
  });
});

describe('dateLiteralRange', () => {
  const now = Date.UTC(2026, 10, 25, 15, 30); // a Wednesday
  it.each([
    ['TODAY', null, Date.UTC(2026, 10, 25), Date.UTC(2026, 10, 26)],
    ['YESTERDAY', null, Date.UTC(2026, 10, 24), Date.UTC(2026, 10, 25)],
    ['THIS_WEEK', null, Date.UTC(2026, 10, 22), Date.UTC(2026, 10, 29)],
    ['LAST_MONTH', null, Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 1)],
    ['THIS_YEAR', null, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)],
    ['LAST_N_DAYS', 7, Date.UTC(2026, 10, 18), Date.UTC(2026, 10, 26)],
    ['NEXT_N_DAYS', 2, Date.UTC(2026, 10, 26), Date.UTC(2026, 10, 28)],
  ])('%s:%s', (name, n, start, end) => {
    expect(dateLiteralRange(name, n, now)).toEqual({ start, end });
  });
});
