import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { QueryCursors } from '../cursors.js';
import type { LateWrites } from '../late-writes.js';
import type { SalesforceOAuth } from '../oauth.js';
import type { SfRecord } from '../records.js';
import { formatDateTime } from '../records.js';
import type { SObjectDef } from '../schema.js';
import type { SalesforceStore } from '../store.js';
import { attributesOf } from '../soql/evaluate.js';

/** What every route of the twin works on. */
export interface TwinState {
  store: SalesforceStore;
  oauth: SalesforceOAuth;
  cursors: QueryCursors;
  clock: () => number;
  /** Record writes held to land after their answer (a test's late-landing lost write). */
  late: LateWrites;
  /** The org's API usage in the rolling 24 hours, for `/limits`. */
  usage(): { used: number; max: number };
}

export const versionParam = z.string().describe('API version, e.g. v65.0');
export const sobjectParam = z.string().describe('sObject API name, e.g. Contact');

/** The instance URL a client reached, which the token endpoint hands back as `instance_url`. */
export function instanceUrlOf(headers: IncomingHttpHeaders): string {
  const forwarded = headers['x-forwarded-proto'];
  const scheme = typeof forwarded === 'string' ? forwarded : 'http';
  return `${scheme}://${headers.host ?? '127.0.0.1'}`;
}

/** A record as `GET /sobjects/{type}/{id}` and Collections retrieve render it: attributes, then the fields asked for (all by default). */
export function renderFields(
  record: SfRecord,
  sobject: SObjectDef,
  version: string,
  names?: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributesOf(record, version) };
  const fields = names
    ? names.map((n) => sobject.fields.find((f) => f.name.toLowerCase() === n.toLowerCase()))
    : sobject.fields;
  for (const field of fields) {
    if (!field) continue;
    const value = record.fields[field.name] ?? null;
    out[field.name] = field.type === 'datetime' && typeof value === 'number' ? formatDateTime(value) : value;
  }
  return out;
}

/** A comma-separated `fields` list, as query parameter or array. */
export const fieldList = z.union([z.string(), z.array(z.string())]).transform((raw) =>
  (Array.isArray(raw) ? raw : [raw])
    .flatMap((part) => part.split(','))
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);
