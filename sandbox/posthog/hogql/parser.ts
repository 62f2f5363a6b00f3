import type { ArithOp, CompareOp, Expr, IntervalUnit, OrderItem, SelectItem, SelectQuery } from './ast.js';
import { HogQLError } from './errors.js';
import { tokenize, type Token } from './tokenizer.js';

/** Words that end an expression, so they can never be an implicit alias. */
const RESERVED = new Set(
  (
    'select from where group by having order limit offset as and or not in like ilike is null asc desc ' +
    'join inner left right full cross outer on using union with prewhere sample array settings format window ' +
    'qualify interval distinct case when then else end between true false nulls global any all except intersect'
  ).split(' '),
);
const JOIN_WORDS = new Set([
  'join',
  'inner',
  'left',
  'right',
  'full',
  'cross',
  'outer',
  'array',
  'global',
  'any',
  'all',
]);
const INTERVAL_UNITS: Record<string, IntervalUnit> = {
  second: 'second',
  minute: 'minute',
  hour: 'hour',
  day: 'day',
  week: 'week',
  month: 'month',
  quarter: 'quarter',
  year: 'year',
};
const COMPARE_OPS: Record<string, CompareOp> = {
  '=': '=',
  '==': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/** Parses one HogQL SELECT over a single table into its syntax tree; anything else is a HogQLError. */
export function parseSelect(source: string): SelectQuery {
  return new Parser(tokenize(source)).query();
}

/** Parses a lone expression (used by tests and for `hogql` round trips). */
export function parseExpr(source: string): Expr {
  const parser = new Parser(tokenize(source));
  const expr = parser.expr();
  parser.expectEnd();
  return expr;
}

class Parser {
  private pos = 0;

  constructor(private readonly tokens: Token[]) {}

  query(): SelectQuery {
    if (this.isWord('with')) this.unsupported('WITH clauses (common table expressions) are not supported');
    this.expectWord('select');
    if (this.isWord('distinct')) this.unsupported('SELECT DISTINCT is not supported; use GROUP BY');
    const select = this.list(() => this.selectItem());
    this.expectWord('from');
    const from = this.fromClause();
    const where = this.acceptWord('where') ? this.expr() : null;
    let groupBy: Expr[] = [];
    if (this.acceptWord('group')) {
      this.expectWord('by');
      groupBy = this.list(() => this.expr());
    }
    const having = this.acceptWord('having') ? this.expr() : null;
    let orderBy: OrderItem[] = [];
    if (this.acceptWord('order')) {
      this.expectWord('by');
      orderBy = this.list(() => this.orderItem());
    }
    let limit: Expr | null = null;
    let offset: Expr | null = null;
    if (this.acceptWord('limit')) {
      limit = this.expr();
      if (this.acceptOp(',')) {
        // ClickHouse's `LIMIT offset, count`.
        offset = limit;
        limit = this.expr();
      } else if (this.acceptWord('offset')) {
        offset = this.expr();
      }
      if (this.isWord('by')) this.unsupported('LIMIT BY is not supported');
    }
    if (!offset && this.acceptWord('offset')) offset = this.expr();
    if (this.isWord('union') || this.isWord('except') || this.isWord('intersect')) {
      this.unsupported(`${this.peek().text.toUpperCase()} is not supported; send one SELECT per query`);
    }
    if (this.isWord('settings')) this.unsupported('SETTINGS is not supported');
    this.expectEnd();
    return { select, from, where, groupBy, having, orderBy, limit, offset };
  }

  expectEnd(): void {
    this.acceptOp(';');
    const token = this.peek();
    if (token.type !== 'eof') this.syntax(`unexpected ${describe(token)} after the end of the query`, token);
  }

  private selectItem(): SelectItem {
    if (this.isOp('*')) this.unsupported('SELECT * is not supported; name the columns you need');
    const expr = this.expr();
    return { expr, alias: this.alias() };
  }

  private alias(): string | null {
    if (this.acceptWord('as')) return this.identifierName('an alias');
    const token = this.peek();
    if (
      token.type === 'quotedIdentifier' ||
      (token.type === 'identifier' && !RESERVED.has(token.text.toLowerCase()))
    ) {
      this.pos++;
      return token.text;
    }
    return null;
  }

  private fromClause(): SelectQuery['from'] {
    const token = this.peek();
    if (this.isOp('(')) this.unsupported('subqueries are not supported; query the events table directly');
    const table = this.identifierName('a table name');
    const alias = this.alias();
    const next = this.peek();
    if (this.isOp(',') || (next.type === 'identifier' && JOIN_WORDS.has(next.text.toLowerCase()))) {
      this.unsupported('JOINs are not supported; query one table');
    }
    if (this.isWord('sample') || this.isWord('prewhere') || this.isWord('final')) {
      this.unsupported(`${next.text.toUpperCase()} is not supported`);
    }
    return { table, alias, start: token.start, end: this.tokens[this.pos - 1]?.end ?? token.end };
  }

  private orderItem(): OrderItem {
    const expr = this.expr();
    let descending = false;
    if (this.acceptWord('desc') || this.acceptWord('descending')) descending = true;
    else if (!this.acceptWord('asc')) this.acceptWord('ascending');
    if (this.isWord('nulls') || this.isWord('with'))
      this.unsupported(`${this.peek().text.toUpperCase()} in ORDER BY is not supported`);
    return { expr, descending };
  }

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    const first = this.and();
    const exprs = [first];
    while (this.acceptWord('or')) exprs.push(this.and());
    return exprs.length === 1
      ? first
      : { kind: 'or', exprs, start: first.start, end: (exprs.at(-1) as Expr).end };
  }

  private and(): Expr {
    const first = this.not();
    const exprs = [first];
    while (this.acceptWord('and')) exprs.push(this.not());
    return exprs.length === 1
      ? first
      : { kind: 'and', exprs, start: first.start, end: (exprs.at(-1) as Expr).end };
  }

  private not(): Expr {
    const token = this.peek();
    if (this.acceptWord('not')) {
      const expr = this.not();
      return { kind: 'not', expr, start: token.start, end: expr.end };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const token = this.peek();
    const op = token.type === 'operator' ? COMPARE_OPS[token.text] : undefined;
    if (op) {
      this.pos++;
      const right = this.additive();
      return { kind: 'compare', op, left, right, start: left.start, end: right.end };
    }
    const negated = this.isWord('not') && this.peekAt(1).type === 'identifier';
    const word = (negated ? this.peekAt(1) : token).text.toLowerCase();
    if (word === 'in' || word === 'like' || word === 'ilike' || word === 'between') {
      if (negated) this.pos++;
      this.pos++;
      if (word === 'in') return this.inList(left, negated);
      if (word === 'between') return this.between(left, negated);
      const right = this.additive();
      const likeOp = `${negated ? 'not ' : ''}${word}` as CompareOp;
      return { kind: 'compare', op: likeOp, left, right, start: left.start, end: right.end };
    }
    if (this.acceptWord('is')) {
      const isNegated = this.acceptWord('not');
      const end = this.expectWord('null').end;
      return { kind: 'isNull', negated: isNegated, expr: left, start: left.start, end };
    }
    return left;
  }

  private inList(left: Expr, negated: boolean): Expr {
    const token = this.peek();
    if (token.type === 'placeholder') {
      this.pos++;
      const items: Expr[] = [{ kind: 'placeholder', name: token.text, start: token.start, end: token.end }];
      return { kind: 'in', negated, left, items, start: left.start, end: token.end };
    }
    this.expectOp('(');
    if (this.isWord('select')) this.unsupported('subqueries are not supported; list the values');
    const items = this.isOp(')') ? [] : this.list(() => this.expr());
    const end = this.expectOp(')').end;
    return { kind: 'in', negated, left, items, start: left.start, end };
  }

  private between(left: Expr, negated: boolean): Expr {
    const low = this.additive();
    this.expectWord('and');
    const high = this.additive();
    const span = { start: left.start, end: high.end };
    const range: Expr = {
      kind: 'and',
      exprs: [
        { kind: 'compare', op: '>=', left, right: low, ...span },
        { kind: 'compare', op: '<=', left, right: high, ...span },
      ],
      ...span,
    };
    return negated ? { kind: 'not', expr: range, ...span } : range;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text as ArithOp;
      const right = this.multiplicative();
      left = { kind: 'arith', op, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.next().text as ArithOp;
      const right = this.unary();
      left = { kind: 'arith', op, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private unary(): Expr {
    const token = this.peek();
    if (this.acceptOp('-')) {
      const expr = this.unary();
      if (expr.kind === 'constant' && typeof expr.value === 'number')
        return { ...expr, value: -expr.value, start: token.start };
      return { kind: 'negate', expr, start: token.start, end: expr.end };
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.peek();
    switch (token.type) {
      case 'number':
        this.pos++;
        return { kind: 'constant', value: Number(token.text), start: token.start, end: token.end };
      case 'string':
        this.pos++;
        return { kind: 'constant', value: token.text, start: token.start, end: token.end };
      case 'placeholder':
        this.pos++;
        return { kind: 'placeholder', name: token.text, start: token.start, end: token.end };
      case 'quotedIdentifier':
        return this.field();
      case 'operator':
        if (token.text === '(') return this.parenthesised();
        if (token.text === '*') this.unsupported('* is only allowed as count(*)');
        return this.syntax(`unexpected ${describe(token)}`, token);
      case 'identifier':
        return this.identifierExpr(token);
      case 'eof':
        return this.syntax('unexpected end of query, expected an expression', token);
    }
  }

  private parenthesised(): Expr {
    const open = this.next();
    if (this.isWord('select')) this.unsupported('subqueries are not supported');
    const inner = this.expr();
    if (this.isOp(',')) this.unsupported('tuples are only supported as the right side of IN');
    const close = this.expectOp(')');
    return { ...inner, start: open.start, end: close.end };
  }

  private identifierExpr(token: Token): Expr {
    const word = token.text.toLowerCase();
    if (word === 'null' || word === 'true' || word === 'false') {
      this.pos++;
      const value = word === 'null' ? null : word === 'true';
      return { kind: 'constant', value, start: token.start, end: token.end };
    }
    if (word === 'interval') return this.interval();
    if (word === 'case') this.unsupported('CASE is not supported; use if() outside the sandbox');
    if (this.peekAt(1).type === 'operator' && this.peekAt(1).text === '(') return this.call();
    if (RESERVED.has(word)) return this.syntax(`unexpected keyword ${token.text.toUpperCase()}`, token);
    return this.field();
  }

  private interval(): Expr {
    const start = this.next().start;
    const amountToken = this.peek();
    if (amountToken.type === 'string') {
      // INTERVAL '3 day' form.
      this.pos++;
      const match = /^\s*(\d+)\s+([A-Za-z]+?)s?\s*$/i.exec(amountToken.text);
      const unit = match ? INTERVAL_UNITS[(match[2] as string).toLowerCase()] : undefined;
      if (!match || !unit) this.syntax(`cannot read interval '${amountToken.text}'`, amountToken);
      const amount: Expr = {
        kind: 'constant',
        value: Number(match[1]),
        start: amountToken.start,
        end: amountToken.end,
      };
      return { kind: 'interval', amount, unit, start, end: amountToken.end };
    }
    const amount = this.unary();
    const unitToken = this.peek();
    const unit =
      unitToken.type === 'identifier'
        ? INTERVAL_UNITS[unitToken.text.toLowerCase().replace(/s$/, '')]
        : undefined;
    if (!unit)
      return this.syntax(
        `expected an interval unit (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER, YEAR), got ${describe(unitToken)}`,
        unitToken,
      );
    this.pos++;
    return { kind: 'interval', amount, unit, start, end: unitToken.end };
  }

  private call(): Expr {
    const nameToken = this.next();
    this.expectOp('(');
    const distinct = this.acceptWord('distinct');
    let args: Expr[] = [];
    if (this.isOp('*') && this.peekAt(1).text === ')') {
      this.pos++;
    } else if (!this.isOp(')')) {
      args = this.list(() => this.expr());
    }
    const end = this.expectOp(')').end;
    if (this.isOp('(')) this.unsupported('parametric functions are not supported', this.peek());
    if (this.isWord('over')) this.unsupported('window functions are not supported', this.peek());
    return { kind: 'call', name: nameToken.text, args, distinct, start: nameToken.start, end };
  }

  private field(): Expr {
    const first = this.next();
    const chain = [first.text];
    let end = first.end;
    while (this.isOp('.')) {
      this.pos++;
      const part = this.peek();
      if (part.type !== 'identifier' && part.type !== 'quotedIdentifier' && part.type !== 'number') {
        this.syntax(`expected a name after '.', got ${describe(part)}`, part);
      }
      this.pos++;
      chain.push(part.text);
      end = part.end;
    }
    return { kind: 'field', chain, start: first.start, end };
  }

  private list<T>(item: () => T): T[] {
    const items = [item()];
    while (this.acceptOp(',')) items.push(item());
    return items;
  }

  private identifierName(what: string): string {
    const token = this.peek();
    if (
      token.type === 'quotedIdentifier' ||
      (token.type === 'identifier' && !RESERVED.has(token.text.toLowerCase()))
    ) {
      this.pos++;
      return token.text;
    }
    return this.syntax(`expected ${what}, got ${describe(token)}`, token);
  }

  private peek(): Token {
    return this.peekAt(0);
  }

  private peekAt(ahead: number): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'eof') this.pos++;
    return token;
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token.type === 'identifier' && token.text.toLowerCase() === word;
  }

  private isOp(op: string): boolean {
    const token = this.peek();
    return token.type === 'operator' && token.text === op;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.pos++;
    return true;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.pos++;
    return true;
  }

  private expectWord(word: string): Token {
    if (!this.isWord(word))
      this.syntax(`expected ${word.toUpperCase()}, got ${describe(this.peek())}`, this.peek());
    return this.next();
  }

  private expectOp(op: string): Token {
    if (!this.isOp(op)) this.syntax(`expected '${op}', got ${describe(this.peek())}`, this.peek());
    return this.next();
  }

  private syntax(message: string, token: Token): never {
    throw new HogQLError('syntax', message, token.start, token.end);
  }

  private unsupported(message: string, token: Token = this.peek()): never {
    throw new HogQLError('query', message, token.start, token.end);
  }
}

function describe(token: Token): string {
  if (token.type === 'eof') return 'end of query';
  if (token.type === 'string') return `string '${token.text}'`;
  return `'${token.text}'`;
}
