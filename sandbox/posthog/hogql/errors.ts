/** Which of PostHog's exposed HogQL errors this is; it becomes the API error `code`. */
export type HogQLErrorKind = 'syntax' | 'query';

export const HOGQL_ERROR_CODES: Record<HogQLErrorKind, string> = {
  syntax: 'hogql_syntax_error',
  query: 'hogql_query_error',
};

/** A query the sandbox refuses, with the character range it points at (as PostHog's errors carry `start`/`end`). */
export class HogQLError extends Error {
  constructor(
    readonly kind: HogQLErrorKind,
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
    this.name = 'HogQLError';
  }
}

/** `line L, column C` (both 1-based) of a character offset, for messages a person can act on. */
export function describePosition(source: string, offset: number): string {
  const before = source.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** The error's message with its position in the query spelled out. */
export function errorDetail(error: HogQLError, source: string): string {
  const label = error.kind === 'syntax' ? 'Syntax error' : 'Query error';
  return `${label} at ${describePosition(source, error.start)}: ${error.message}`;
}
