import { HogQLError } from './errors.js';

export type TokenType =
  'identifier' | 'quotedIdentifier' | 'number' | 'string' | 'operator' | 'placeholder' | 'eof';

export interface Token {
  type: TokenType;
  /** The identifier's name, the string's unescaped value, the number's text or the operator itself. */
  text: string;
  start: number;
  end: number;
}

const OPERATORS = [
  ';',
  '<=',
  '>=',
  '!=',
  '<>',
  '==',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  ',',
  '.',
];
const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$]/;
const DIGIT = /[0-9]/;
const STRING_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
};

/** Splits a HogQL query into tokens; every token keeps its character range for error messages. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (source.startsWith('--', i)) {
      const nl = source.indexOf('\n', i);
      i = nl < 0 ? source.length : nl + 1;
    } else if (source.startsWith('/*', i)) {
      const close = source.indexOf('*/', i + 2);
      if (close < 0) throw new HogQLError('syntax', 'unterminated comment', i, source.length);
      i = close + 2;
    } else if (IDENT_START.test(ch)) {
      const start = i;
      while (i < source.length && IDENT_PART.test(source[i] as string)) i++;
      tokens.push({ type: 'identifier', text: source.slice(start, i), start, end: i });
    } else if (DIGIT.test(ch)) {
      tokens.push(readNumber(source, i));
      i = (tokens.at(-1) as Token).end;
    } else if (ch === "'") {
      const { text, end } = readQuoted(source, i, "'");
      tokens.push({ type: 'string', text, start: i, end });
      i = end;
    } else if (ch === '`' || ch === '"') {
      const { text, end } = readQuoted(source, i, ch);
      tokens.push({ type: 'quotedIdentifier', text, start: i, end });
      i = end;
    } else if (ch === '{') {
      const match = /^\{\s*([A-Za-z_$][A-Za-z0-9_$]*)\s*\}/.exec(source.slice(i));
      if (!match) throw new HogQLError('syntax', "expected a placeholder such as '{name}'", i, i + 1);
      tokens.push({ type: 'placeholder', text: match[1] as string, start: i, end: i + match[0].length });
      i += match[0].length;
    } else {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (!op) throw new HogQLError('syntax', `unexpected character '${ch}'`, i, i + 1);
      tokens.push({ type: 'operator', text: op, start: i, end: i + op.length });
      i += op.length;
    }
  }
  tokens.push({ type: 'eof', text: '', start: source.length, end: source.length });
  return tokens;
}

function readNumber(source: string, start: number): Token {
  const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(start)) as RegExpExecArray;
  const end = start + match[0].length;
  if (end < source.length && IDENT_START.test(source[end] as string)) {
    throw new HogQLError('syntax', `malformed number '${source.slice(start, end + 1)}'`, start, end + 1);
  }
  return { type: 'number', text: match[0], start, end };
}

/** Reads a quoted run; the quote doubled or backslash-escaped stands for itself, as in ClickHouse. */
function readQuoted(source: string, start: number, quote: string): { text: string; end: number } {
  let text = '';
  let i = start + 1;
  while (i < source.length) {
    const ch = source[i] as string;
    if (ch === '\\') {
      const next = source[i + 1];
      if (next === undefined) break;
      text += STRING_ESCAPES[next] ?? next;
      i += 2;
    } else if (ch === quote) {
      if (source[i + 1] === quote) {
        text += quote;
        i += 2;
      } else {
        return { text, end: i + 1 };
      }
    } else {
      text += ch;
      i++;
    }
  }
  throw new HogQLError(
    'syntax',
    `unterminated ${quote === "'" ? 'string' : 'quoted identifier'}`,
    start,
    source.length,
  );
}
