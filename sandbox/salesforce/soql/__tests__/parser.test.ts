import { describe, expect, it } from '@jest/globals';
import { SalesforceError } from '../../errors.js';
import { parseSoql } from '../parser.js';
import { tokenize } from '../tokenizer.js';

function refusal(source: string): SalesforceError {
  try {
    parseSoql(source);
  } catch (error) {
    if (error instanceof SalesforceError) return error;
    throw error;
  }
  throw new Error(`expected ${source} to be refused`);
}

describe('tokenize', () => {
  it('reads dates, datetimes, numbers, strings with escapes and symbols', () => {
    const tokens = tokenize("d = 2026-01-02 AND t > 2026-01-02T03:04:05Z AND n <> 12.5 AND s = 'it\\'s \\%'");
    expect(tokens.map((t) => [t.type, t.text])).toEqual([
      ['word', 'd'],
      ['symbol', '='],
      ['date', '2026-01-02'],
      ['word', 'AND'],
      ['word', 't'],
      ['symbol', '>'],
      ['datetime', '2026-01-02T03:04:05Z'],
      ['word', 'AND'],
      ['word', 'n'],
      ['symbol', '!='],
      ['number', '12.5'],
      ['word', 'AND'],
      ['word', 's'],
      ['symbol', '='],
      ['string', "it's \\%"],
      ['eof', '<EOF>'],
    ]);
  });

  it('refuses an unterminated string and an unknown escape', () => {
    expect(() => tokenize("Name = 'open")).toThrow('unterminated string literal');
    expect(() => tokenize("Name = 'a\\q'")).toThrow("invalid escape sequence '\\q'");
  });
});

describe('parseSoql', () => {
  it('parses fields, parent paths, a child subquery, WHERE, ORDER BY, LIMIT and OFFSET', () => {
    const query = parseSoql(
      "select Id, Account.Owner.Name, (SELECT ContactId FROM OpportunityContactRoles WHERE IsPrimary = true) FROM Opportunity WHERE (Amount >= 100 OR Amount = null) AND NOT StageName LIKE 'Closed%' ORDER BY CloseDate DESC NULLS FIRST, Name LIMIT 10 OFFSET 5",
    );
    expect(query.from).toBe('Opportunity');
    expect(query.select.map((s) => s.kind)).toEqual(['field', 'field', 'subquery']);
    expect(query.select[1]).toMatchObject({ path: ['Account', 'Owner', 'Name'] });
    expect(query.select[2]).toMatchObject({ query: { from: 'OpportunityContactRoles' } });
    expect(query.where).toMatchObject({
      kind: 'and',
      items: [
        {
          kind: 'or',
          items: [
            { kind: 'compare', op: '>=', value: { kind: 'number', value: 100 } },
            { kind: 'compare', op: '=', value: { kind: 'null' } },
          ],
        },
        { kind: 'not', item: { kind: 'like', pattern: 'Closed%' } },
      ],
    });
    expect(query.orderBy).toEqual([
      expect.objectContaining({ path: ['CloseDate'], descending: true, nullsLast: false }),
      expect.objectContaining({ path: ['Name'], descending: false, nullsLast: false }),
    ]);
    expect([query.limit, query.offset]).toEqual([10, 5]);
  });

  it('parses IN lists, NOT IN, semi-joins, negative numbers and date literals', () => {
    const query = parseSoql(
      "SELECT Id FROM Contact WHERE Id IN ('003A', '003B') AND AccountId NOT IN (SELECT Id FROM Account WHERE NumberOfEmployees < -1) AND CreatedDate = LAST_N_DAYS:30 AND LastModifiedDate < TODAY",
    );
    expect(query.where).toMatchObject({
      kind: 'and',
      items: [
        { kind: 'in', negated: false, values: [{ value: '003A' }, { value: '003B' }] },
        {
          kind: 'in',
          negated: true,
          values: { from: 'Account', where: { value: { kind: 'number', value: -1 } } },
        },
        { kind: 'compare', value: { kind: 'dateLiteral', name: 'LAST_N_DAYS', n: 30 } },
        { kind: 'compare', op: '<', value: { kind: 'dateLiteral', name: 'TODAY', n: null } },
      ],
    });
  });

  it('parses datetimes with an offset into epoch ms', () => {
    const query = parseSoql('SELECT Id FROM Contact WHERE SystemModstamp > 2026-01-01T02:00:00+02:00');
    expect(query.where).toMatchObject({ value: { kind: 'datetime', value: Date.UTC(2026, 0, 1) } });
  });

  it('refuses AND and OR mixed without parentheses, as SOQL does', () => {
    const error = refusal('SELECT Id FROM Contact WHERE Name = null AND Email = null OR Phone = null');
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain("unexpected token: 'OR'");
    expect(error.message).toContain('ERROR at Row:1:Column:59');
  });

  it.each([
    ['SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry', 'COUNT(field)'],
    ['SELECT Id FROM Account GROUP BY Industry', "'GROUP'"],
    ['SELECT FIELDS(ALL) FROM Account LIMIT 200', "'FIELDS'"],
    ['SELECT Id FROM Account WITH SECURITY_ENFORCED', "'WITH'"],
    ['SELECT Id FROM Account FOR UPDATE', "'FOR'"],
    ['SELECT Id FROM Opportunity WHERE CloseDate = THIS_FISCAL_QUARTER', 'THIS_FISCAL_QUARTER'],
    [
      'SELECT Id, (SELECT Id, (SELECT Id FROM Contacts) FROM Contacts) FROM Account',
      'a subquery inside a subquery',
    ],
    ['SELECT Id FROM Contact c', "the alias 'c'"],
  ])('refuses %s with MALFORMED_QUERY naming the supported subset', (source, what) => {
    const error = refusal(source);
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain(what);
    expect(error.message).toContain('the sandbox supports SELECT');
  });

  it.each([
    ['', "'<EOF>'"],
    ['SELECT FROM Contact', "'FROM'"],
    ['SELECT Id FROM Contact WHERE', "'<EOF>'"],
    ['SELECT Id FROM Contact LIMIT x', "'x'"],
    ["SELECT Id FROM Contact WHERE Name = 'a' 'b'", "''b''"],
    ['SELECT Id FROM Contact WHERE Name IN ()', "')'"],
  ])('points at the unexpected token in %j', (source, token) => {
    const error = refusal(source);
    expect(error.errorCode).toBe('MALFORMED_QUERY');
    expect(error.message).toContain(`unexpected token: ${token}`);
  });
});
