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
import { COLLECTION_LIMITS, WriteBody, runBatch, tooMany, typeOf } from './collections.js';
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

type Plan = { several: SfRecord[] } | { apply: () => { id: string; created: boolean }; several?: undefined };

/** One record to upsert: where, matched on what, and its other fields. */
interface UpsertRequest {
  sobject: SObjectDef;
  field: FieldDef;
  value: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  version: string;
}

/** One upsert, checked: what carries it out, or the records it matches when several do. */
function planUpsert(twin: TwinState, { sobject, field, value, body, headers, version }: UpsertRequest): Plan {
  const matches = matchesOf(twin, sobject, field, value);
  if (matches.length > 1) return { several: matches };
  const existing = matches[0];
  if (existing) {
    const changes = validateWrite(twin.store, sobject, body, existing, headers, version);
    return { apply: () => ({ id: twin.store.update(existing, changes, twin.clock()).id, created: false }) };
  }
  const fields = validateWrite(twin.store, sobject, { ...body, [field.name]: value }, null, headers, version);
  return { apply: () => ({ id: twin.store.create(sobject.name, fields, twin.clock()).id, created: true }) };
}

/** One upsert, carried out: 201 made, 200 (204 before v46) changed, 300 several match. */
function upsert(twin: TwinState, request: UpsertRequest): Reply {
  const { sobject, version } = request;
  const plan = planUpsert(twin, request);
  if (plan.several) {
    return {
      status: 300,
      body: plan.several.map((r) => `/services/data/v${version}/sobjects/${sobject.name}/${r.id}`),
    };
  }
  const { id, created } = plan.apply();
  const flag = Number.parseInt(version, 10) >= CREATED_FLAG_SINCE;
  if (!created && !flag) return { status: 204 };
  return {
    status: created ? 201 : 200,
    body: { id, success: true, errors: [], ...(flag ? { created } : {}) },
  };
}

/** A Collections record's value for the field matched on (its key as sent, any case), and the rest. */
function splitRecord(
  record: Record<string, unknown>,
  field: FieldDef,
): { value: unknown; rest: Record<string, unknown> } {
  const rest: Record<string, unknown> = {};
  let value: unknown;
  for (const [name, v] of Object.entries(record)) {
    if (name.toLowerCase() === field.name.toLowerCase()) value = v;
    else if (name !== 'attributes') rest[name] = v;
  }
  return { value, rest };
}

const fieldParam = z.string().describe('An External ID field (or Id)');

/** The API version, writable sObject and matched field a path names, or Salesforce's error for it. */
function targetOf(
  twin: TwinState,
  params: { version: string; sobject: string; field: string },
): { version: string; sobject: SObjectDef; field: FieldDef } {
  const version = apiVersion(params.version);
  const sobjects = twin.store.sobjects;
  const sobject = writableSObject(sobjectOf(params.sobject, sobjects).name, sobjects);
  return { version, sobject, field: matchField(sobject, params.field) };
}

/** Upsert by External ID: one record (`PATCH /sobjects/{sObject}/{field}/{value}`) or up to 200 (Collections). */
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
      field: fieldParam,
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
        const { version, sobject, field } = targetOf(twin, params);
        if (Object.keys(body).some((name) => name.toLowerCase() === field.name.toLowerCase())) {
          throw new SalesforceError(
            400,
            'INVALID_FIELD',
            `${field.name} is the field matched on in the URL and cannot be set in the request body`,
            [field.name],
          );
        }
        return twin.late.run(() =>
          upsert(twin, { sobject, field, value: params.value, body, headers, version }),
        );
      }),
  });
  const collectionUpsert = route({
    method: 'PATCH',
    path: '/services/data/{version}/composite/sobjects/{sobject}/{field}',
    operationId: 'collectionsUpsert',
    summary: 'Upserts up to 200 records of one type by an External ID field; each result says `created`',
    tags: ['Collections'],
    params: z.object({
      version: versionParam,
      sobject: sobjectParam,
      field: fieldParam,
    }),
    body: WriteBody,
    responses: {
      200: 'Array of {id, success, errors, created}',
      400: 'EXCEEDED_ID_LIMIT, INVALID_FIELD',
      404: 'NOT_FOUND (no such field)',
    },
    handle: ({ params, body, headers }) =>
      orSalesforceError(() => {
        const { version, sobject, field } = targetOf(twin, params);
        if (body.records.length > COLLECTION_LIMITS.write) throw tooMany(COLLECTION_LIMITS.write);
        const results = runBatch(
          body.records.map((record) => ({
            check: () => {
              writableSObject(typeOf(record) ?? sobject.name, twin.store.sobjects);
              const { value, rest } = splitRecord(record, field);
              if (typeof value !== 'string' && typeof value !== 'number') {
                throw new SalesforceError(400, 'MISSING_ARGUMENT', `${field.name} not specified`, [
                  field.name,
                ]);
              }
              const plan = planUpsert(twin, {
                sobject,
                field,
                value: String(value),
                body: rest,
                headers,
                version,
              });
              if (plan.several) {
                throw new SalesforceError(
                  300,
                  'DUPLICATE_EXTERNAL_ID',
                  `${field.name}: more than one record found for external id field: [${plan.several.map((r) => r.id).join(', ')}]`,
                  [field.name],
                );
              }
              return plan.apply;
            },
          })),
          body.allOrNone ?? false,
        );
        return { status: 200, body: results };
      }),
  });
  return [upsertRoute, collectionUpsert];
}
