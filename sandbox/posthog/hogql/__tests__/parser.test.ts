import { describe, expect, it } from '@jest/globals';
import { HogQLError } from '../errors.js';
import { parseExpr, parseSelect } from '../parser.js';
import { printExpr } from '../printer.js';
import { tokenize } from '../tokenizer.js';

function failure(source: string): HogQLError {
  try {
    parseSelect(source);
  } catch (error) {
    if (error instanceof HogQLError) return error;
    throw error;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('tokenize', () => {
  it('reads identifiers with $, strings with escapes, numbers, operators and placeholders', () => {
    const tokens = tokenize("properties.$browser != 'it''s \\'x\\'' AND n >= 1.5e2 {ids}");
    expect(tokens.map((t) => [t.type, t.text])).toEqual([
      ['identifier', 'properties'],
      ['operator', '.'],
      ['identifier', '$browser'],
      ['operator', '!='],
      ['string', "it's 'x'"],
      ['identifier', 'AND'],
      ['identifier', 'n'],
      ['operator', '>='],
      ['number', '1.5e2'],
      ['placeholder', 'ids'],
      ['eof', ''],
    ]);
  });

  it('reports an unterminated string at its opening quote', () => {
    expect(() => tokenize("select 'abc")).toThrow(expect.objectContaining({ kind: 'syntax', start: 7 }));
  });
});

describe('parseSelect', () => {
  it('parses the activity summary query into its clauses', () => {
    const query = parseSelect(
      'SELECT distinct_id, count() AS events, count(DISTINCT toDate(timestamp)) AS active_days FROM events ' +
        "WHERE distinct_id IN ('1', '2') AND timestamp >= toDateTime('2026-10-01T00:00:00Z') GROUP BY distinct_id",
    );
    expect(query.select.map((s) => [printExpr(s.expr), s.alias])).toEqual([
      ['distinct_id', null],
      ['count()', 'events'],
      ['count(DISTINCT toDate(timestamp))', 'active_days'],
    ]);
    expect(query.from).toMatchObject({ table: 'events', alias: null });
    expect(query.where?.kind).toBe('and');
    expect(query.where && printExpr(query.where)).toBe(
      "(distinct_id IN ('1', '2')) AND (timestamp >= toDateTime('2026-10-01T00:00:00Z'))",
    );
    expect(query.groupBy.map(printExpr)).toEqual(['distinct_id']);
    expect(query.limit).toBeNull();
  });

  it('parses table aliases, ORDER BY directions, LIMIT and OFFSET', () => {
    const query = parseSelect(
      'select e.uuid, e.properties.$current_url url from events as e order by timestamp desc, uuid limit 21 offset 5',
    );
    expect(query.from.alias).toBe('e');
    expect(query.select[1]).toMatchObject({
      alias: 'url',
      expr: { kind: 'field', chain: ['e', 'properties', '$current_url'] },
    });
    expect(query.orderBy.map((o) => [printExpr(o.expr), o.descending])).toEqual([
      ['timestamp', true],
      ['uuid', false],
    ]);
    expect(query.limit).toMatchObject({ kind: 'constant', value: 21 });
    expect(query.offset).toMatchObject({ kind: 'constant', value: 5 });
  });

  it('binds AND tighter than OR, and comparison tighter than NOT', () => {
    const expr = parseExpr('a = 1 OR NOT b < 2 AND c IN {ids}');
    expect(expr.kind).toBe('or');
    expect(printExpr(expr)).toBe('(a = 1) OR ((NOT (b < 2)) AND (c IN ({ids})))');
  });

  it('parses intervals, BETWEEN, LIKE, IS NULL and unary minus', () => {
    expect(printExpr(parseExpr('timestamp > now() - INTERVAL 7 DAY'))).toBe(
      'timestamp > (now() - INTERVAL 7 DAY)',
    );
    expect(printExpr(parseExpr("x BETWEEN '2026-01-01' AND '2026-02-01'"))).toBe(
      "(x >= '2026-01-01') AND (x <= '2026-02-01')",
    );
    expect(printExpr(parseExpr("url NOT ILIKE '%docs%'"))).toBe("url NOT ILIKE '%docs%'");
    expect(printExpr(parseExpr('properties.x IS NOT NULL'))).toBe('properties.x IS NOT NULL');
    expect(parseExpr('-3')).toMatchObject({ kind: 'constant', value: -3 });
  });

  it('keeps character ranges on nodes', () => {
    const source = 'SELECT count() AS c FROM events';
    const query = parseSelect(source);
    const expr = query.select[0]?.expr;
    expect(expr && source.slice(expr.start, expr.end)).toBe('count()');
  });
});

describe('parseSelect errors', () => {
  it('points at the unexpected token of a syntax error', () => {
    const error = failure('SELECT event FROM events WHERE');
    expect(error.kind).toBe('syntax');
    expect(error.start).toBe('SELECT event FROM events WHERE'.length);
    expect(error.message).toMatch(/end of query/);
  });

  it('rejects a missing closing parenthesis where it happens', () => {
    const source = 'SELECT count( FROM events';
    const error = failure(source);
    expect(error.kind).toBe('syntax');
    expect(source.slice(error.start, error.end)).toBe('FROM');
  });

  it.each([
    ['SELECT event FROM events JOIN persons ON 1', /JOIN/],
    ['SELECT event FROM (SELECT event FROM events)', /subqueries/],
    ['SELECT * FROM events', /SELECT \*/],
    ['SELECT event FROM events UNION ALL SELECT event FROM events', /UNION/],
    ["SELECT event FROM events WHERE distinct_id IN (SELECT '1')", /subqueries/],
    ['WITH x AS (SELECT 1) SELECT event FROM events', /WITH/],
  ])('refuses %s as a query error', (source, message) => {
    const error = failure(source);
    expect(error.kind).toBe('query');
    expect(error.message).toMatch(message);
  });
});
