import { SF_ID } from './wire.js';

/**
 * SOQL text built from parts, never from raw input: string literals are escaped (FACTS §7.2:
 * backslash and quote), datetimes are unquoted UTC literals, and `IN` lists are chunked so that
 * `GET /query?q=` stays well inside Salesforce's URI limit.
 */

/** Ids per `IN` list: about 4,000 characters of query for 18-character ids (the URI limit is 16,384 bytes). */
export const IN_LIST_IDS = 200;
/** Emails are longer than ids; fewer per list keeps the URI as short. */
export const IN_LIST_EMAILS = 100;

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
  '"': '\\"',
};

/** A quoted SOQL string literal. */
export function literal(value: string): string {
  return `'${value.replace(/[\\'\n\r\t\b\f"]/g, (c) => ESCAPES[c] ?? c)}'`;
}

/** `2026-01-01T00:00:00Z`: datetimes are unquoted in SOQL; milliseconds are not accepted. */
export function datetimeLiteral(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `('a','b')`. */
export function inList(values: readonly string[]): string {
  return `(${values.map(literal).join(',')})`;
}

/** Whether `value` can be a Salesforce id at all (anything else could only ever match nothing). */
export function isSalesforceId(value: string): boolean {
  return SF_ID.test(value);
}

/**
 * Ids of one object type: 15 or 18 characters with the type's key prefix (`003` Contact, `001`
 * Account, `006` Opportunity). Others are answered "not found" without a call.
 */
export function isIdOf(prefix: string, value: string): boolean {
  return isSalesforceId(value) && value.startsWith(prefix);
}

export const KEY_PREFIX = { Contact: '003', Account: '001', Opportunity: '006' } as const;

export interface SelectParts {
  fields: readonly string[];
  from: string;
  where?: readonly string[];
  orderBy?: string;
  limit?: number;
}

/** `SELECT … FROM … WHERE a AND b ORDER BY … LIMIT n`. */
export function select({ fields, from, where = [], orderBy, limit }: SelectParts): string {
  return [
    `SELECT ${fields.join(', ')} FROM ${from}`,
    where.length > 0 ? `WHERE ${where.join(' AND ')}` : '',
    orderBy ? `ORDER BY ${orderBy}` : '',
    limit === undefined ? '' : `LIMIT ${Math.floor(limit)}`,
  ]
    .filter((part) => part !== '')
    .join(' ');
}
