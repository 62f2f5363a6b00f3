import { SoqlSyntaxError } from './errors.js';

export type TokenType = 'word' | 'string' | 'number' | 'date' | 'datetime' | 'symbol' | 'eof';

export interface Token {
  type: TokenType;
  /** The word or symbol as written, the string's unescaped value, or the literal's text. */
  text: string;
  /** Offset in the statement, for error positions. */
  at: number;
}

const SYMBOLS = ['!=', '<>', '<=', '>=', '=', '<', '>', '(', ')', ',', '.', ':', '-', '+'];
const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_]/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^\d+(\.\d+)?/;
/** SOQL's string escapes; `\%` and `\_` stay escaped for LIKE to read. */
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
  '%': '\\%',
  _: '\\_',
};

/** Splits a SOQL statement into tokens; keywords are words, compared case-insensitively by the parser. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = source.slice(i);
    const datetime = DATETIME.exec(rest);
    const date = datetime ? null : DATE.exec(rest);
    if (datetime || date) {
      const text = (datetime ?? date)?.[0] as string;
      tokens.push({ type: datetime ? 'datetime' : 'date', text, at: i });
      i += text.length;
    } else if (/\d/.test(ch)) {
      const text = (NUMBER.exec(rest) as RegExpExecArray)[0];
      tokens.push({ type: 'number', text, at: i });
      i += text.length;
    } else if (WORD_START.test(ch)) {
      const start = i;
      while (i < source.length && WORD_PART.test(source[i] as string)) i++;
      tokens.push({ type: 'word', text: source.slice(start, i), at: start });
    } else if (ch === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new SoqlSyntaxError(source, start, 'unterminated string literal');
        const c = source[i] as string;
        if (c === "'") break;
        if (c === '\\') {
          const next = source[i + 1] ?? '';
          const escaped = ESCAPES[next];
          if (escaped === undefined)
            throw new SoqlSyntaxError(source, i, `invalid escape sequence '\\${next}'`);
          value += escaped;
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      tokens.push({ type: 'string', text: value, at: start });
      i++;
    } else {
      const symbol = SYMBOLS.find((s) => source.startsWith(s, i));
      if (!symbol) throw new SoqlSyntaxError(source, i, `unexpected token: '${ch}'`);
      tokens.push({ type: 'symbol', text: symbol === '<>' ? '!=' : symbol, at: i });
      i += symbol.length;
    }
  }
  tokens.push({ type: 'eof', text: '<EOF>', at: source.length });
  return tokens;
}
