/**
 * Stripe's search query language: tokenizer, parser and evaluator.
 * A query is up to 10 clauses (`field:'v'`, `field~'sub'`, `amount>100`, `-status:'failed'`,
 * `metadata['k']:'v'`, `field:null`) joined by spaces/AND or by OR, never both, without parentheses.
 */

export const MAX_CLAUSES = 10;
export const MIN_SUBSTRING = 3;

export class SearchQueryError extends Error {}

const FORMAT_HINT =
  'Try using the format `metadata["key"]:"value"` to query for metadata or `key:"value"` to query for other fields.';

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'number'; text: string; at: number }
  | { kind: 'op'; text: Operator; at: number }
  | { kind: 'minus' | 'lbracket' | 'rbracket'; at: number };

export type Operator = ':' | '~' | '>' | '<' | '>=' | '<=' | '=';

function syntaxError(detail: string, at: number): SearchQueryError {
  return new SearchQueryError(
    `We were unable to parse your search query: ${detail} at character ${at + 1}. ${FORMAT_HINT}`,
  );
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'" || ch === '"') {
      const start = i;
      let text = '';
      i++;
      while (i < query.length && query[i] !== ch) {
        if (query[i] === '\\' && i + 1 < query.length) i++;
        text += query[i];
        i++;
      }
      if (i >= query.length) throw syntaxError('unterminated quoted value', start);
      i++;
      tokens.push({ kind: 'string', text, at: start });
    } else if (ch === '>' || ch === '<') {
      const op = query[i + 1] === '=' ? `${ch}=` : ch;
      tokens.push({ kind: 'op', text: op as Operator, at: i });
      i += op.length;
    } else if (ch === ':' || ch === '~' || ch === '=') {
      tokens.push({ kind: 'op', text: ch, at: i });
      i++;
    } else if (ch === '-') {
      tokens.push({ kind: 'minus', at: i });
      i++;
    } else if (ch === '[') {
      tokens.push({ kind: 'lbracket', at: i });
      i++;
    } else if (ch === ']') {
      tokens.push({ kind: 'rbracket', at: i });
      i++;
    } else if (ch === '(' || ch === ')') {
      throw new SearchQueryError(`Parentheses are not supported in search queries (at character ${i + 1}).`);
    } else if (/[0-9]/.test(ch)) {
      const match = /^[0-9]+(\.[0-9]+)?(?![A-Za-z_])/.exec(query.slice(i));
      if (!match) throw syntaxError(`unexpected \`${ch}\``, i);
      tokens.push({ kind: 'number', text: match[0], at: i });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(query.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: match[0], at: i });
      i += match[0].length;
    } else {
      throw syntaxError(`unexpected \`${ch}\``, i);
    }
  }
  return tokens;
}

export type Value = { kind: 'string'; text: string } | { kind: 'number'; value: number } | { kind: 'null' };

export interface Clause {
  negated: boolean;
  field: string;
  /** Set for `metadata['key']`. */
  metadataKey?: string;
  operator: Operator;
  value: Value;
}

export interface ParsedQuery {
  combinator: 'AND' | 'OR';
  clauses: Clause[];
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private endAt(): number {
    const last = this.tokens[this.tokens.length - 1];
    return last ? last.at + 1 : 0;
  }

  parse(): ParsedQuery {
    if (this.tokens.length === 0) throw new SearchQueryError(`The search query is empty. ${FORMAT_HINT}`);
    const clauses: Clause[] = [this.clause()];
    let combinator: 'AND' | 'OR' | null = null;
    while (this.peek()) {
      const next = this.peek() as Token;
      let joiner: 'AND' | 'OR' = 'AND';
      if (next.kind === 'word' && (next.text === 'AND' || next.text === 'OR')) {
        joiner = next.text;
        this.i++;
        if (!this.peek()) throw syntaxError(`\`${joiner}\` must be followed by a clause`, next.at);
      }
      if (combinator !== null && combinator !== joiner) {
        throw new SearchQueryError(
          'Search queries cannot mix `AND` and `OR`: use only one of them (clauses separated by spaces are joined with `AND`).',
        );
      }
      combinator = joiner;
      clauses.push(this.clause());
      if (clauses.length > MAX_CLAUSES) {
        throw new SearchQueryError(`Search queries can have at most ${MAX_CLAUSES} clauses.`);
      }
    }
    return { combinator: combinator ?? 'AND', clauses };
  }

  private clause(): Clause {
    let negated = false;
    let token = this.peek();
    if (token?.kind === 'minus') {
      negated = true;
      this.i++;
      token = this.peek();
    }
    if (token?.kind !== 'word' || token.text === 'AND' || token.text === 'OR') {
      throw syntaxError('expected a field name', token?.at ?? this.endAt());
    }
    this.i++;
    const field = token.text;
    let metadataKey: string | undefined;
    if (field === 'metadata') {
      const open = this.peek();
      if (open?.kind !== 'lbracket')
        throw syntaxError('expected `[` after `metadata`', open?.at ?? this.endAt());
      this.i++;
      const key = this.peek();
      if (key?.kind !== 'string')
        throw syntaxError('expected a quoted metadata key', key?.at ?? this.endAt());
      this.i++;
      const close = this.peek();
      if (close?.kind !== 'rbracket') throw syntaxError('expected `]`', close?.at ?? this.endAt());
      this.i++;
      metadataKey = key.text;
    }
    const op = this.peek();
    if (op?.kind !== 'op')
      throw syntaxError(`expected an operator after \`${field}\``, op?.at ?? this.endAt());
    this.i++;
    return {
      negated,
      field,
      ...(metadataKey !== undefined ? { metadataKey } : {}),
      operator: op.text,
      value: this.value(),
    };
  }

  private value(): Value {
    let token = this.peek();
    let sign = 1;
    if (token?.kind === 'minus') {
      sign = -1;
      this.i++;
      token = this.peek();
      if (token?.kind !== 'number')
        throw syntaxError('expected a number after `-`', token?.at ?? this.endAt());
    }
    if (!token) throw syntaxError('expected a value', this.endAt());
    this.i++;
    if (token.kind === 'string') return { kind: 'string', text: token.text };
    if (token.kind === 'number') return { kind: 'number', value: sign * Number(token.text) };
    if (token.kind === 'word' && token.text === 'null') return { kind: 'null' };
    if (token.kind === 'word' && (token.text === 'true' || token.text === 'false')) {
      return { kind: 'string', text: token.text };
    }
    throw syntaxError('values must be quoted (e.g. `status:"active"`), numbers or `null`', token.at);
  }
}

export function parseQuery(query: string): ParsedQuery {
  return new Parser(tokenize(query)).parse();
}

/**
 * How a resource's field is searched: `text` (exact or `~`, case-insensitive), `token` (an enum
 * such as status: exact, case-insensitive), `id` (exact and case-sensitive, as Stripe ids are).
 */
export type FieldKind = 'text' | 'token' | 'id' | 'number' | 'boolean';

export interface FieldSpec<T> {
  kind: FieldKind;
  get(item: T): string | number | boolean | null;
}

export interface SearchSchema<T> {
  /** The resource's name in URLs and messages (`charges`). */
  resource: string;
  fields: Readonly<Record<string, FieldSpec<T>>>;
  metadata(item: T): Readonly<Record<string, string>>;
}

const NUMERIC_OPERATORS: readonly Operator[] = [':', '=', '>', '<', '>=', '<='];

function describe(value: Value): string {
  if (value.kind === 'null') return 'null';
  if (value.kind === 'number') return String(value.value);
  return `"${value.text}"`;
}

type Predicate<T> = (item: T) => boolean;

function compileClause<T>(clause: Clause, schema: SearchSchema<T>): Predicate<T> {
  const { operator, value } = clause;
  const fieldLabel = clause.metadataKey !== undefined ? `metadata["${clause.metadataKey}"]` : clause.field;
  const unsupported = (): SearchQueryError =>
    new SearchQueryError(`The \`${operator}\` operator is not supported for field \`${fieldLabel}\`.`);

  let read: (item: T) => string | number | boolean | null;
  let kind: FieldKind;
  if (clause.metadataKey !== undefined) {
    const key = clause.metadataKey;
    read = (item) => schema.metadata(item)[key] ?? null;
    kind = 'id';
    if (operator !== ':') throw unsupported();
  } else {
    const spec = schema.fields[clause.field];
    if (!spec || !Object.hasOwn(schema.fields, clause.field)) {
      throw new SearchQueryError(
        `Field \`${clause.field}\` is an unsupported search field for resource \`${schema.resource}\`. See http://stripe.com/docs/search#query-fields-for-${schema.resource} for a list of supported fields.`,
      );
    }
    read = (item) => spec.get(item);
    kind = spec.kind;
  }

  let test: Predicate<T>;
  if (value.kind === 'null') {
    if (operator !== ':') throw unsupported();
    test = (item) => {
      const v = read(item);
      return v === null || v === '';
    };
  } else if (kind === 'number') {
    if (!NUMERIC_OPERATORS.includes(operator)) throw unsupported();
    const target = value.kind === 'number' ? value.value : Number(value.text);
    if (value.kind === 'string' && (value.text.trim() === '' || !Number.isFinite(target))) {
      throw new SearchQueryError(`Field \`${fieldLabel}\` takes a number, not ${describe(value)}.`);
    }
    const compare: Record<string, (a: number) => boolean> = {
      ':': (a) => a === target,
      '=': (a) => a === target,
      '>': (a) => a > target,
      '<': (a) => a < target,
      '>=': (a) => a >= target,
      '<=': (a) => a <= target,
    };
    const cmp = compare[operator] as (a: number) => boolean;
    test = (item) => {
      const v = read(item);
      return typeof v === 'number' && cmp(v);
    };
  } else if (kind === 'boolean') {
    if (operator !== ':') throw unsupported();
    const text = value.kind === 'string' ? value.text.toLowerCase() : '';
    if (text !== 'true' && text !== 'false') {
      throw new SearchQueryError(`Field \`${fieldLabel}\` takes "true" or "false", not ${describe(value)}.`);
    }
    const target = text === 'true';
    test = (item) => read(item) === target;
  } else {
    if (value.kind !== 'string') {
      throw new SearchQueryError(`Field \`${fieldLabel}\` takes a quoted string, not ${describe(value)}.`);
    }
    if (operator === '~') {
      if (kind !== 'text') throw unsupported();
      if (value.text.length < MIN_SUBSTRING) {
        throw new SearchQueryError(
          `The \`~\` operator needs a value of at least ${MIN_SUBSTRING} characters (field \`${fieldLabel}\`).`,
        );
      }
      const needle = value.text.toLowerCase();
      test = (item) => {
        const v = read(item);
        return typeof v === 'string' && v.toLowerCase().includes(needle);
      };
    } else if (operator === ':') {
      if (kind === 'id') {
        test = (item) => read(item) === value.text;
      } else {
        const target = value.text.toLowerCase();
        // The length check first keeps a scan of 200k rows from lower-casing every value.
        test = (item) => {
          const v = read(item);
          return typeof v === 'string' && v.length === target.length && v.toLowerCase() === target;
        };
      }
    } else {
      throw unsupported();
    }
  }
  return clause.negated ? (item) => !test(item) : test;
}

export interface CompiledQuery<T> {
  parsed: ParsedQuery;
  matches: Predicate<T>;
  /**
   * Values of `field` that every match must have, when the query pins them
   * (`customer:'cus_1'`, or only such clauses joined by OR); lets callers use an index.
   */
  pinned(field: string): string[] | null;
  /**
   * The metadata key and values every match must have one of, when the query pins them
   * (`metadata['k']:'v'` among AND clauses, or only such clauses on one key joined by OR).
   */
  pinnedMetadata(): { key: string; values: string[] } | null;
}

/** Parses and type-checks the query against a resource; every problem is a SearchQueryError. */
export function compileQuery<T>(query: string, schema: SearchSchema<T>): CompiledQuery<T> {
  const parsed = parseQuery(query);
  const predicates = parsed.clauses.map((c) => compileClause(c, schema));
  const matches: Predicate<T> =
    parsed.combinator === 'AND'
      ? (item) => predicates.every((p) => p(item))
      : (item) => predicates.some((p) => p(item));
  const isPin = (field: string) => (c: Clause) =>
    c.field === field &&
    c.metadataKey === undefined &&
    !c.negated &&
    c.operator === ':' &&
    c.value.kind === 'string';
  return {
    parsed,
    matches,
    pinned(field) {
      if (schema.fields[field]?.kind !== 'id') return null;
      const pins = parsed.clauses.filter(isPin(field));
      if (parsed.combinator === 'AND') {
        const first = pins[0];
        return first && first.value.kind === 'string' ? [first.value.text] : null;
      }
      if (pins.length !== parsed.clauses.length) return null;
      return pins.map((c) => (c.value.kind === 'string' ? c.value.text : ''));
    },
    pinnedMetadata() {
      const pins = parsed.clauses.filter(
        (c) => c.metadataKey !== undefined && !c.negated && c.operator === ':' && c.value.kind === 'string',
      );
      const key = pins[0]?.metadataKey;
      if (key === undefined) return null;
      const text = (c: Clause) => (c.value.kind === 'string' ? c.value.text : '');
      if (parsed.combinator === 'AND') return { key, values: [text(pins[0] as Clause)] };
      if (pins.length !== parsed.clauses.length || pins.some((c) => c.metadataKey !== key)) return null;
      return { key, values: pins.map(text) };
    },
  };
}
