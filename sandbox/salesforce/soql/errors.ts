import { SalesforceError } from '../errors.js';

/** What the twin's SOQL runs; named in every MALFORMED_QUERY so a caller knows what to use instead. */
export const SUPPORTED =
  'the sandbox supports SELECT with fields, parent fields (Account.Name), child subqueries ((SELECT … FROM Contacts)) and COUNT(); ' +
  'WHERE with AND, OR, NOT, parentheses, =, !=, <>, <, <=, >, >=, IN, NOT IN (values or a semi-join SELECT), LIKE, ' +
  'date and datetime literals and TODAY, YESTERDAY, TOMORROW, LAST/THIS/NEXT_WEEK|MONTH|YEAR, LAST_N_DAYS:n, NEXT_N_DAYS:n; ' +
  'ORDER BY … ASC|DESC NULLS FIRST|LAST; LIMIT; OFFSET';

/** Salesforce's position line: the statement, a caret under the offending column, then the message. */
function located(source: string, at: number, message: string): string {
  const before = source.slice(0, at);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = source.indexOf('\n', at);
  const line = source.slice(lineStart, lineEnd < 0 ? source.length : lineEnd);
  const column = at - lineStart + 1;
  return `\n${line}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${message}`;
}

/** A statement the parser cannot read: Salesforce's 400 MALFORMED_QUERY. */
export class SoqlSyntaxError extends SalesforceError {
  constructor(source: string, at: number, message: string) {
    super(400, 'MALFORMED_QUERY', located(source, at, message));
    this.name = 'SoqlSyntaxError';
  }
}

/** A readable statement outside the subset: MALFORMED_QUERY naming what is supported. */
export function unsupported(source: string, at: number, what: string): SoqlSyntaxError {
  return new SoqlSyntaxError(source, at, `${what} is not supported; ${SUPPORTED}`);
}

/** A well-formed statement that names something that is not there (INVALID_FIELD, INVALID_TYPE…). */
export function queryProblem(
  source: string,
  at: number,
  errorCode: string,
  message: string,
): SalesforceError {
  return new SalesforceError(400, errorCode, located(source, at, message));
}
