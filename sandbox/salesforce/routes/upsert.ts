import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { route, type Reply, type RouteDef } from '../../http/route.js';
import { SalesforceError, orSalesforceError } from '../errors.js';
import { canonicalId } from '../ids.js';
import type { SfRecord } from '../records.js';
import { fieldNamed, type FieldDef, type SObjectDef } from '../schema.js';
import { apiVersion } from '../versions.js';
import { recordsWithValue, validateWrite, writableSObject } from '../writes.js';
import { sobjectParam, versionParam, type TwinState } from './common.js';
import { sobjectOf } from './sobjects.js';

const Body = z.record(z.string(), z.unknown()).describe('Field name → value (not the External ID field)');

/** Save results carry `created` from API version 46.0; before it an update answered 204. */
const CREATED_FLAG_SINCE = 46;

/** The field an upsert matches on: the Id or an External ID field, as Salesforce allows. */
function matchField(sobject: SObjectDef, name: string): FieldDef {
  const field = fieldNamed(sobject, name);
  if (!field) {
    throw new SalesforceError(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${name}`,
    );
  }
  if (field.type !== 'id' && !field.externalId) {
    throw new SalesforceError(
      400,
      'INVALID_FIELD',
      `Field ${field.name} is not an External ID or indexed field for ${sobject.name}`,
      [field.name],
    );
  }
  return field;
}

function matchesOf(twin: TwinState, sobject: SObjectDef, field: FieldDef, value: string): SfRecord[] {
  if (field.type !== 'id') return recordsWithValue(twin.store, sobject, field, value);
  const id = canonicalId(value);
  const record = id ? twin.store.get(id, sobject.name) : undefined;
  if (!record) throw new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return [record];
}

/** One upsert, carried out: 201 made, 200 (204 before v46) changed, 300 several match. */
function upsert(
  twin: TwinState,
  sobject: SObjectDef,
  field: FieldDef,
  value: string,
  body: Record<string, unknown>,
  headers: IncomingHttpHeaders,
  version: string,
): Reply {
  const matches = matchesOf(twin, sobject, field, value);
  if (matches.length > 1) {
    return {
      status: 300,
      body: matches.map((r) => `/services/data/v${version}/sobjects/${sobject.name}/${r.id}`),
    };
  }
  const flag = Number.parseInt(version, 10) >= CREATED_FLAG_SINCE;
  const existing = matches[0];
  if (existing) {
    const changes = validateWrite(twin.store, sobject, body, existing, headers, version);
    twin.store.update(existing, changes, twin.clock());
    if (!flag) return { status: 204 };
    return { status: 200, body: { id: existing.id, success: true, errors: [], created: false } };
  }
  const fields = validateWrite(twin.store, sobject, { ...body, [field.name]: value }, null, headers, version);
  const record = twin.store.create(sobject.name, fields, twin.clock());
  return {
    status: 201,
    body: { id: record.id, success: true, errors: [], ...(flag ? { created: true } : {}) },
  };
}

/** sObject Rows by External ID: upsert (`PATCH /sobjects/{sObject}/{field}/{value}`). */
export function upsertRoutes(twin: TwinState): RouteDef[] {
  const upsertRoute = route({
    method: 'PATCH',
    path: '/services/data/{version}/sobjects/{sobject}/{field}/{value}',
    operationId: 'upsertRecord',
    summary:
      'Creates (201) or updates (200; 204 before v46) the record whose External ID field holds the value; 300 lists several',
    tags: ['sObjects'],
    params: z.object({
      version: versionParam,
      sobject: sobjectParam,
      field: z.string().describe('An External ID field (or Id)'),
      value: z.string().describe('The value to match'),
    }),
    body: Body,
    responses: {
      200: '{id, success, errors, created: false}',
      201: '{id, success, errors, created: true}',
      204: 'Updated (API versions before 46.0)',
      300: 'The URLs of the records the value matches',
      400: 'INVALID_FIELD (not an External ID field, or it is in the body), DUPLICATE_VALUE…',
      404: 'NOT_FOUND (no such field)',
    },
    handle: ({ params, body, headers }) =>
      orSalesforceError(() => {
        const version = apiVersion(params.version);
        const sobjects = twin.store.sobjects;
        const sobject = writableSObject(sobjectOf(params.sobject, sobjects).name, sobjects);
        const field = matchField(sobject, params.field);
        if (Object.keys(body).some((name) => name.toLowerCase() === field.name.toLowerCase())) {
          throw new SalesforceError(
            400,
            'INVALID_FIELD',
            `${field.name} is the field matched on in the URL and cannot be set in the request body`,
            [field.name],
          );
        }
        return twin.late.run(() => upsert(twin, sobject, field, params.value, body, headers, version));
      }),
  });
  return [upsertRoute];
}
