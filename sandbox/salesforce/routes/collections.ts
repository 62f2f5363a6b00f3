import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { canonicalId } from '../ids.js';
import { SalesforceError, orSalesforceError } from '../errors.js';
import type { FieldValue, SfRecord } from '../records.js';
import type { SObjectDef } from '../schema.js';
import { apiVersion } from '../versions.js';
import { recordFor, validateWrite, writableSObject } from '../writes.js';
import { fieldList, renderFields, sobjectParam, versionParam, type TwinState } from './common.js';
import { checkFields, sobjectOf } from './sobjects.js';

/** sObject Collections limits (FACTS §4): 200 records per write, 2,000 ids per POST retrieve. */
export const COLLECTION_LIMITS = { write: 200, retrieve: 2000 } as const;

interface SaveResult {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
  /** Upserts only: whether the record was made. */
  created?: boolean;
}

/** What a planned write did: the record's id, and for an upsert whether it made it. */
type Applied = string | { id: string; created: boolean };

function saved(applied: Applied): SaveResult {
  return typeof applied === 'string'
    ? { id: applied, success: true, errors: [] }
    : { id: applied.id, success: true, errors: [], created: applied.created };
}

const RecordInput = z.record(z.string(), z.unknown());
export const WriteBody = z.object({
  allOrNone: z.boolean().optional(),
  records: z.array(RecordInput).describe('Records, each with attributes.type (and id for updates)'),
});

function failed(error: SalesforceError, id?: string): SaveResult {
  return {
    ...(id ? { id } : {}),
    success: false,
    errors: [{ statusCode: error.errorCode, message: error.message, fields: error.fields ?? [] }],
  };
}

const ROLLED_BACK = new SalesforceError(
  400,
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  'Record rolled back because not all records were valid and the request was using AllOrNone header',
);

export function tooMany(limit: number): SalesforceError {
  return new SalesforceError(
    400,
    'EXCEEDED_ID_LIMIT',
    `record limit reached. cannot submit more than ${limit} records into this call`,
  );
}

interface Planned {
  index: number;
  apply: () => Applied;
  id?: string;
}

/**
 * Runs a batch of writes: each item is checked first; with allOrNone one failure fails all and
 * writes nothing, otherwise the valid ones are written in order and the rest report their error.
 */
export function runBatch(
  items: { id?: string; check: () => () => Applied }[],
  allOrNone: boolean,
): SaveResult[] {
  const results: SaveResult[] = [];
  const planned: Planned[] = [];
  for (const [index, item] of items.entries()) {
    try {
      const apply = item.check();
      if (allOrNone) planned.push({ index, apply, ...(item.id ? { id: item.id } : {}) });
      else results[index] = saved(apply());
    } catch (error) {
      if (!(error instanceof SalesforceError)) throw error;
      results[index] = failed(error, item.id);
    }
  }
  if (!allOrNone) return results;
  if (results.some((r) => r !== undefined)) {
    return items.map((item, index) => results[index] ?? failed(ROLLED_BACK, item.id));
  }
  for (const p of planned) results[p.index] = saved(p.apply());
  return results;
}

export function typeOf(record: Record<string, unknown>): string | undefined {
  const attributes = record.attributes;
  if (attributes && typeof attributes === 'object' && 'type' in attributes) {
    const type = (attributes as { type: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  }
  return undefined;
}

/** sObject Collections: create, update and delete up to 200 records, retrieve up to 2,000 by id. */
export function collectionRoutes(twin: TwinState): RouteDef[] {
  const write = (
    record: Record<string, unknown>,
    headers: IncomingHttpHeaders,
    version: string,
    existing: (sobject: SObjectDef) => SfRecord | null,
  ): (() => string) => {
    const sobject = writableSObject(typeOf(record), twin.store.sobjects);
    const target = existing(sobject);
    const fields: Record<string, FieldValue> = validateWrite(
      twin.store,
      sobject,
      record,
      target,
      headers,
      version,
    );
    return () => {
      if (target) return twin.store.update(target, fields, twin.clock()).id;
      return twin.store.create(sobject.name, fields, twin.clock()).id;
    };
  };

  const create = route({
    method: 'POST',
    path: '/services/data/{version}/composite/sobjects',
    operationId: 'collectionsCreate',
    summary: 'Creates up to 200 records of any writable types',
    tags: ['Collections'],
    params: z.object({ version: versionParam }),
    body: WriteBody,
    responses: { 200: 'Array of {id, success, errors}', 400: 'EXCEEDED_ID_LIMIT' },
    handle: ({ params, body, headers }) =>
      orSalesforceError(() => {
        const version = apiVersion(params.version);
        if (body.records.length > COLLECTION_LIMITS.write) throw tooMany(COLLECTION_LIMITS.write);
        const results = runBatch(
          body.records.map((record) => ({
            check: () => {
              if ('id' in record || 'Id' in record) {
                throw new SalesforceError(400, 'INVALID_FIELD', 'cannot specify Id in an insert call', [
                  'Id',
                ]);
              }
              return write(record, headers, version, () => null);
            },
          })),
          body.allOrNone ?? false,
        );
        return { status: 200, body: results };
      }),
  });

  const update = route({
    method: 'PATCH',
    path: '/services/data/{version}/composite/sobjects',
    operationId: 'collectionsUpdate',
    summary: 'Updates up to 200 records, each with its id',
    tags: ['Collections'],
    params: z.object({ version: versionParam }),
    body: WriteBody,
    responses: { 200: 'Array of {id, success, errors}', 400: 'EXCEEDED_ID_LIMIT' },
    handle: ({ params, body, headers }) =>
      orSalesforceError(() => {
        const version = apiVersion(params.version);
        if (body.records.length > COLLECTION_LIMITS.write) throw tooMany(COLLECTION_LIMITS.write);
        const results = runBatch(
          body.records.map((record) => {
            const rawId =
              typeof record.id === 'string'
                ? record.id
                : typeof record.Id === 'string'
                  ? record.Id
                  : undefined;
            return {
              ...(rawId ? { id: rawId } : {}),
              check: () => {
                if (!rawId)
                  throw new SalesforceError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', [
                    'Id',
                  ]);
                return write(record, headers, version, (sobject) =>
                  recordFor(twin.store, sobject.name, rawId),
                );
              },
            };
          }),
          body.allOrNone ?? false,
        );
        return { status: 200, body: results };
      }),
  });

  const remove = route({
    method: 'DELETE',
    path: '/services/data/{version}/composite/sobjects',
    operationId: 'collectionsDelete',
    summary: 'Deletes up to 200 records by id',
    tags: ['Collections'],
    params: z.object({ version: versionParam }),
    query: z.object({
      ids: fieldList.describe('Comma-separated record ids'),
      allOrNone: z.enum(['true', 'false']).optional().describe('Roll back all on any failure'),
    }),
    responses: { 200: 'Array of {id, success, errors}', 400: 'EXCEEDED_ID_LIMIT' },
    handle: ({ params, query }) =>
      orSalesforceError(() => {
        apiVersion(params.version);
        if (query.ids.length > COLLECTION_LIMITS.write) throw tooMany(COLLECTION_LIMITS.write);
        const results = runBatch(
          query.ids.map((rawId) => ({
            id: rawId,
            check: () => {
              const id = canonicalId(rawId);
              const record = id ? twin.store.get(id) : undefined;
              if (!record) {
                const gone = id ? twin.store.getDeleted(id) : undefined;
                throw gone
                  ? new SalesforceError(400, 'ENTITY_IS_DELETED', 'entity is deleted')
                  : new SalesforceError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
              }
              writableSObject(record.type, twin.store.sobjects);
              return () => {
                if (record.deletedAt === null) twin.store.remove(record, twin.clock());
                return record.id;
              };
            },
          })),
          query.allOrNone === 'true',
        );
        return { status: 200, body: results };
      }),
  });

  const retrieve = (ids: string[], fields: string[], sobjectName: string, version: string) => {
    const sobject = sobjectOf(sobjectName, twin.store.sobjects);
    if (fields.length === 0) throw new SalesforceError(400, 'MISSING_ARGUMENT', 'fields is required');
    if (ids.length > COLLECTION_LIMITS.retrieve) throw tooMany(COLLECTION_LIMITS.retrieve);
    checkFields(sobject, fields);
    const body = ids.map((rawId) => {
      const record = twin.store.get(rawId, sobject.name);
      return record ? renderFields(record, sobject, version, fields) : null;
    });
    return { status: 200, body };
  };

  const retrieveGet = route({
    method: 'GET',
    path: '/services/data/{version}/composite/sobjects/{sobject}',
    operationId: 'collectionsRetrieve',
    summary:
      'Records of one type by id (null for an id that is not there); the URL limits it to about 800 ids',
    tags: ['Collections'],
    params: z.object({ version: versionParam, sobject: sobjectParam }),
    query: z.object({
      ids: fieldList.describe('Comma-separated ids'),
      fields: fieldList.describe('Comma-separated fields'),
    }),
    responses: { 200: 'Array of records or null', 400: 'INVALID_FIELD' },
    handle: ({ params, query }) =>
      orSalesforceError(() => retrieve(query.ids, query.fields, params.sobject, apiVersion(params.version))),
  });

  const retrievePost = route({
    method: 'POST',
    path: '/services/data/{version}/composite/sobjects/{sobject}',
    operationId: 'collectionsRetrievePost',
    summary: 'Up to 2,000 records of one type by id, the ids in the body',
    tags: ['Collections'],
    params: z.object({ version: versionParam, sobject: sobjectParam }),
    body: z.object({ ids: z.array(z.string()), fields: z.array(z.string()) }),
    responses: { 200: 'Array of records or null', 400: 'EXCEEDED_ID_LIMIT, INVALID_FIELD' },
    handle: ({ params, body }) =>
      orSalesforceError(() => retrieve(body.ids, body.fields, params.sobject, apiVersion(params.version))),
  });

  return [create, update, remove, retrieveGet, retrievePost];
}
