import type { CompareOp, Condition, Literal, OrderItem, SelectItem, SoqlQuery } from './ast.js';
import { SoqlSyntaxError, unsupported } from './errors.js';
import { tokenize, type Token } from './tokenizer.js';

/** Date literals with no number (TODAY, LAST_MONTH…) and those that take `:n` (LAST_N_DAYS:30…). */
export const DATE_LITERALS = [
  'YESTERDAY',
  'TODAY',
  'TOMORROW',
  'LAST_WEEK',
  'THIS_WEEK',
  'NEXT_WEEK',
  'LAST_MONTH',
  'THIS_MONTH',
  'NEXT_MONTH',
  'LAST_90_DAYS',
  'NEXT_90_DAYS',
  'LAST_YEAR',
  'THIS_YEAR',
  'NEXT_YEAR',
] as const;
export const DATE_LITERALS_N = [
  'LAST_N_DAYS',
  'NEXT_N_DAYS',
  'N_DAYS_AGO',
  'LAST_N_WEEKS',
  'NEXT_N_WEEKS',
  'LAST_N_MONTHS',
  'NEXT_N_MONTHS',
] as const;

/** Clauses and functions real SOQL has and the twin does not run: each gets a MALFORMED_QUERY naming the subset. */
const UNSUPPORTED_WORDS = new Set([
  'GROUP',
  'HAVING',
  'TYPEOF',
  'WITH',
  'USING',
  'FOR',
  'UPDATE',
  'INCLUDES',
  'EXCLUDES',
  'FIELDS',
  'FORMAT',
  'TOLABEL',
  'CONVERTCURRENCY',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'COUNT_DISTINCT',
  'CALENDAR_YEAR',
  'CALENDAR_MONTH',
  'DAY_ONLY',
  'DISTANCE',
  'GEOLOCATION',
]);
/** Words that end a field list or condition, so they cannot be field names there. */
const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ORDER',
  'BY',
  'LIMIT',
  'OFFSET',
  'ASC',
  'DESC',
  'NULLS',
  'NULL',
  'TRUE',
  'FALSE',
]);

class Parser {
  private pos = 0;
  private readonly tokens: Token[];

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'eof') this.pos++;
    return token;
  }

  private isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === 'word' && token.text.toUpperCase() === word;
  }

  private isSymbol(symbol: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === 'symbol' && token.text === symbol;
  }

  private unexpected(token = this.peek()): SoqlSyntaxError {
    if (token.type === 'word' && UNSUPPORTED_WORDS.has(token.text.toUpperCase())) {
      return unsupported(this.source, token.at, `'${token.text}'`);
    }
    const shown = token.type === 'string' ? `'${token.text}'` : token.text;
    return new SoqlSyntaxError(this.source, token.at, `unexpected token: '${shown}'`);
  }

  private expectWord(word: string): Token {
    if (!this.isWord(word)) throw this.unexpected();
    return this.next();
  }

  private expectSymbol(symbol: string): Token {
    if (!this.isSymbol(symbol)) throw this.unexpected();
    return this.next();
  }

  parseStatement(): SoqlQuery {
    const query = this.parseQuery(false);
    if (this.peek().type !== 'eof') throw this.unexpected();
    return query;
  }

  /** SELECT … FROM … [WHERE] [ORDER BY] [LIMIT] [OFFSET]; `nested` inside a subquery's parentheses. */
  private parseQuery(nested: boolean): SoqlQuery {
    this.expectWord('SELECT');
    const select = this.parseSelectList(nested);
    this.expectWord('FROM');
    const fromToken = this.next();
    if (fromToken.type !== 'word' || RESERVED.has(fromToken.text.toUpperCase()))
      throw this.unexpected(fromToken);
    // An alias after FROM (`FROM Contact c`) is SOQL, but the twin's paths do not resolve aliases.
    if (this.peek().type === 'word' && !this.isClauseStart()) {
      throw unsupported(this.source, this.peek().at, `the alias '${this.peek().text}'`);
    }
    const query: SoqlQuery = {
      from: fromToken.text,
      fromAt: fromToken.at,
      select,
      where: null,
      orderBy: [],
      limit: null,
      offset: null,
    };
    if (this.isWord('WHERE')) {
      this.next();
      query.where = this.parseCondition();
    }
    if (this.isWord('ORDER')) {
      this.next();
      this.expectWord('BY');
      query.orderBy = this.parseOrderBy();
    }
    if (this.isWord('LIMIT')) {
      this.next();
      query.limit = this.parseCount();
    }
    if (this.isWord('OFFSET')) {
      this.next();
      query.offset = this.parseCount();
    }
    if (!nested && this.peek().type !== 'eof') throw this.unexpected();
    return query;
  }

  private isClauseStart(): boolean {
    return ['WHERE', 'ORDER', 'LIMIT', 'OFFSET', 'GROUP', 'HAVING', 'WITH', 'USING', 'FOR'].some((w) =>
      this.isWord(w),
    );
  }

  private parseCount(): number {
    const token = this.next();
    if (token.type !== 'number' || token.text.includes('.')) throw this.unexpected(token);
    return Number(token.text);
  }

  private parseSelectList(nested: boolean): SelectItem[] {
    const items: SelectItem[] = [];
    for (;;) {
      const start = this.peek();
      if (this.isWord('COUNT') && this.isSymbol('(', 1)) {
        this.next();
        this.next();
        if (!this.isSymbol(')'))
          throw unsupported(this.source, this.peek().at, 'COUNT(field) (an aggregate query)');
        this.next();
        items.push({ kind: 'count', at: start.at });
      } else if (this.isSymbol('(')) {
        if (nested) throw unsupported(this.source, start.at, 'a subquery inside a subquery');
        this.next();
        const query = this.parseQuery(true);
        this.expectSymbol(')');
        items.push({ kind: 'subquery', query, at: start.at });
      } else {
        items.push({ kind: 'field', path: this.parsePath(), at: start.at });
      }
      if (!this.isSymbol(',')) break;
      this.next();
    }
    return items;
  }

  private parsePath(): string[] {
    const path: string[] = [];
    for (;;) {
      const token = this.next();
      if (token.type !== 'word' || (path.length === 0 && RESERVED.has(token.text.toUpperCase()))) {
        throw this.unexpected(token);
      }
      if (UNSUPPORTED_WORDS.has(token.text.toUpperCase()) && this.isSymbol('(')) throw this.unexpected(token);
      path.push(token.text);
      if (!this.isSymbol('.')) return path;
      this.next();
    }
  }

  /** SOQL does not rank AND over OR: mixing them at one level without parentheses is a syntax error. */
  private parseCondition(): Condition {
    const first = this.parseUnary();
    const joiner = this.isWord('AND') ? 'and' : this.isWord('OR') ? 'or' : null;
    if (!joiner) return first;
    const items = [first];
    while (this.isWord(joiner.toUpperCase())) {
      this.next();
      items.push(this.parseUnary());
    }
    if (this.isWord('AND') || this.isWord('OR')) throw this.unexpected();
    return { kind: joiner, items };
  }

  private parseUnary(): Condition {
    if (this.isWord('NOT')) {
      this.next();
      return { kind: 'not', item: this.parseUnary() };
    }
    if (this.isSymbol('(')) {
      this.next();
      const inner = this.parseCondition();
      this.expectSymbol(')');
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): Condition {
    const at = this.peek().at;
    const path = this.parsePath();
    if (this.isWord('LIKE')) {
      this.next();
      const token = this.next();
      if (token.type !== 'string') throw this.unexpected(token);
      return { kind: 'like', path, pattern: token.text, at };
    }
    const negated = this.isWord('NOT') && this.isWord('IN', 1);
    if (negated) this.next();
    if (this.isWord('IN')) {
      this.next();
      this.expectSymbol('(');
      if (this.isWord('SELECT')) {
        const query = this.parseQuery(true);
        this.expectSymbol(')');
        return { kind: 'in', path, negated, values: query, at };
      }
      const values: Literal[] = [this.parseLiteral()];
      while (this.isSymbol(',')) {
        this.next();
        values.push(this.parseLiteral());
      }
      this.expectSymbol(')');
      return { kind: 'in', path, negated, values, at };
    }
    const opToken = this.next();
    const ops: readonly string[] = ['=', '!=', '<', '<=', '>', '>='];
    if (opToken.type !== 'symbol' || !ops.includes(opToken.text)) throw this.unexpected(opToken);
    return { kind: 'compare', path, op: opToken.text as CompareOp, value: this.parseLiteral(), at };
  }

  private parseLiteral(): Literal {
    const token = this.next();
    switch (token.type) {
      case 'string':
        return { kind: 'string', value: token.text };
      case 'number':
        return { kind: 'number', value: Number(token.text) };
      case 'date':
        if (Number.isNaN(Date.parse(`${token.text}T00:00:00Z`))) throw this.unexpected(token);
        return { kind: 'date', value: token.text };
      case 'datetime': {
        const value = Date.parse(token.text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
        if (Number.isNaN(value)) throw this.unexpected(token);
        return { kind: 'datetime', value };
      }
      case 'symbol':
        if (token.text === '-' || token.text === '+') {
          const number = this.next();
          if (number.type !== 'number') throw this.unexpected(number);
          return { kind: 'number', value: (token.text === '-' ? -1 : 1) * Number(number.text) };
        }
        throw this.unexpected(token);
      case 'word':
        return this.wordLiteral(token);
      default:
        throw this.unexpected(token);
    }
  }

  private wordLiteral(token: Token): Literal {
    const upper = token.text.toUpperCase();
    if (upper === 'NULL') return { kind: 'null' };
    if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'boolean', value: upper === 'TRUE' };
    if ((DATE_LITERALS as readonly string[]).includes(upper)) {
      return { kind: 'dateLiteral', name: upper, n: null, text: token.text };
    }
    if ((DATE_LITERALS_N as readonly string[]).includes(upper)) {
      this.expectSymbol(':');
      const n = this.next();
      if (n.type !== 'number' || n.text.includes('.')) throw this.unexpected(n);
      return { kind: 'dateLiteral', name: upper, n: Number(n.text), text: `${token.text}:${n.text}` };
    }
    if (/^(LAST|NEXT|THIS)_|_(QUARTER|FISCAL)/.test(upper) || /^N_/.test(upper)) {
      throw unsupported(this.source, token.at, `the date literal ${token.text}`);
    }
    throw this.unexpected(token);
  }

  private parseOrderBy(): OrderItem[] {
    const items: OrderItem[] = [];
    for (;;) {
      const at = this.peek().at;
      const path = this.parsePath();
      let descending = false;
      if (this.isWord('ASC') || this.isWord('DESC')) descending = this.next().text.toUpperCase() === 'DESC';
      let nullsLast = descending;
      if (this.isWord('NULLS')) {
        this.next();
        if (this.isWord('FIRST')) nullsLast = false;
        else if (this.isWord('LAST')) nullsLast = true;
        else throw this.unexpected();
        this.next();
      }
      items.push({ path, descending, nullsLast, at });
      if (!this.isSymbol(',')) return items;
      this.next();
    }
  }
}

/** Parses one SOQL statement; anything outside the subset is a MALFORMED_QUERY naming what is supported. */
export function parseSoql(source: string): SoqlQuery {
  return new Parser(source).parseStatement();
}
