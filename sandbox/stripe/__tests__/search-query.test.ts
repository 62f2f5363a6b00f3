import { describe, it, expect } from '@jest/globals';
import { compileQuery, parseQuery, SearchQueryError, type SearchSchema } from '../search-query.js';

interface Row {
  id: string;
  email: string | null;
  status: string;
  amount: number;
  refunded: boolean;
  metadata: Record<string, string>;
}

const schema: SearchSchema<Row> = {
  resource: 'things',
  fields: {
    email: { kind: 'text', get: (r) => r.email },
    status: { kind: 'token', get: (r) => r.status },
    customer: { kind: 'id', get: (r) => r.id },
    amount: { kind: 'number', get: (r) => r.amount },
    refunded: { kind: 'boolean', get: (r) => r.refunded },
  },
  metadata: (r) => r.metadata,
};

const rows: Row[] = [
  {
    id: 'a',
    email: 'Jane@Example.com',
    status: 'succeeded',
    amount: 500,
    refunded: false,
    metadata: { k: 'v1' },
  },
  { id: 'b', email: null, status: 'failed', amount: 1500, refunded: false, metadata: {} },
  {
    id: 'c',
    email: 'bob@example.org',
    status: 'succeeded',
    amount: 2500,
    refunded: true,
    metadata: { k: 'v2' },
  },
];

function run(query: string): string[] {
  const compiled = compileQuery(query, schema);
  return rows.filter(compiled.matches).map((r) => r.id);
}

function errorOf(query: string): string {
  try {
    compileQuery(query, schema);
  } catch (error) {
    if (error instanceof SearchQueryError) return error.message;
    throw error;
  }
  throw new Error(`no error for ${query}`);
}

describe('parseQuery', () => {
  it('reads clauses, operators, quotes and negation', () => {
    expect(parseQuery(`-status:"failed" amount>=100 metadata['k']:'v'`)).toEqual({
      combinator: 'AND',
      clauses: [
        { negated: true, field: 'status', operator: ':', value: { kind: 'string', text: 'failed' } },
        { negated: false, field: 'amount', operator: '>=', value: { kind: 'number', value: 100 } },
        {
          negated: false,
          field: 'metadata',
          metadataKey: 'k',
          operator: ':',
          value: { kind: 'string', text: 'v' },
        },
      ],
    });
  });

  it('reads OR, escaped quotes and null', () => {
    const parsed = parseQuery(`email:'o\\'neil@x.io' OR email:null`);
    expect(parsed.combinator).toBe('OR');
    expect(parsed.clauses.map((c) => c.value)).toEqual([
      { kind: 'string', text: "o'neil@x.io" },
      { kind: 'null' },
    ]);
  });

  it('treats explicit AND like a space', () => {
    expect(parseQuery(`status:'a' AND amount<3`).combinator).toBe('AND');
  });
});

describe('compileQuery', () => {
  it('matches exact values case-insensitively, ids case-sensitively', () => {
    expect(run(`email:'jane@example.com'`)).toEqual(['a']);
    expect(run(`status:"SUCCEEDED"`)).toEqual(['a', 'c']);
    expect(run(`customer:'a'`)).toEqual(['a']);
    expect(run(`customer:'A'`)).toEqual([]);
  });

  it('does substring, numeric, boolean, null, negation and metadata', () => {
    expect(run(`email~'example'`)).toEqual(['a', 'c']);
    expect(run(`amount>500`)).toEqual(['b', 'c']);
    expect(run(`amount<=1500 amount>=1500`)).toEqual(['b']);
    expect(run(`amount=2500`)).toEqual(['c']);
    expect(run(`amount:"500"`)).toEqual(['a']);
    expect(run(`refunded:'true'`)).toEqual(['c']);
    expect(run(`email:null`)).toEqual(['b']);
    expect(run(`-email:null`)).toEqual(['a', 'c']);
    expect(run(`-status:'failed'`)).toEqual(['a', 'c']);
    expect(run(`metadata["k"]:"v2"`)).toEqual(['c']);
    expect(run(`metadata['k']:null`)).toEqual(['b']);
    expect(run(`customer:'a' OR customer:'b'`)).toEqual(['a', 'b']);
  });

  it('reports which values of an indexed field a query pins', () => {
    expect(compileQuery(`customer:'a' status:'x'`, schema).pinned('customer')).toEqual(['a']);
    expect(compileQuery(`customer:'a' OR customer:'b'`, schema).pinned('customer')).toEqual(['a', 'b']);
    expect(compileQuery(`customer:'a' OR status:'x'`, schema).pinned('customer')).toBeNull();
    expect(compileQuery(`-customer:'a'`, schema).pinned('customer')).toBeNull();
  });

  it('refuses what Stripe refuses, with a message that says why', () => {
    expect(errorOf(`nope:'x'`)).toMatch(/`nope` is an unsupported search field for resource `things`/);
    expect(errorOf(`status:'a' AND amount>1 OR amount<1`)).toMatch(/cannot mix `AND` and `OR`/);
    expect(errorOf(`status:'a' OR amount>1 amount<1`)).toMatch(/cannot mix/);
    expect(errorOf(Array.from({ length: 11 }, (_, i) => `amount>${i}`).join(' '))).toMatch(
      /at most 10 clauses/,
    );
    expect(errorOf(`(status:'a')`)).toMatch(/Parentheses are not supported/);
    expect(errorOf(`email~'ab'`)).toMatch(/at least 3 characters/);
    expect(errorOf(`status~'succ'`)).toMatch(/`~` operator is not supported for field `status`/);
    expect(errorOf(`status>'a'`)).toMatch(/`>` operator is not supported/);
    expect(errorOf(`amount:'lots'`)).toMatch(/takes a number/);
    expect(errorOf(`refunded:'maybe'`)).toMatch(/"true" or "false"/);
    expect(errorOf(`status:succeeded`)).toMatch(/unable to parse.*values must be quoted/);
    expect(errorOf(`email:'unterminated`)).toMatch(/unterminated quoted value/);
    expect(errorOf(`status`)).toMatch(/expected an operator/);
    expect(errorOf(`status:'a' AND`)).toMatch(/must be followed by a clause/);
    expect(errorOf(`metadata:'x'`)).toMatch(/expected `\[` after `metadata`/);
    expect(errorOf(`metadata['k']>'x'`)).toMatch(/not supported/);
    expect(errorOf(``)).toMatch(/empty/);
    expect(errorOf(`status:'a' $`)).toMatch(/unexpected `\$`/);
  });

  it('accepts exactly ten clauses', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `amount>${i}`).join(' OR ');
    expect(compileQuery(ten, schema).parsed.clauses).toHaveLength(10);
  });
});
