import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { KEY_PREFIXES } from '../ids.js';
import { SalesforceError, orSalesforceError } from '../errors.js';
import { SOBJECT_NAMES, fieldNamed, sobjectNamed, type OrgSObjects, type SObjectDef } from '../schema.js';
import { apiVersion } from '../versions.js';
import { recordFor, validateWrite, writableSObject } from '../writes.js';
import { fieldList, renderFields, sobjectParam, versionParam, type TwinState } from './common.js';

const Body = z.record(z.string(), z.unknown()).describe('Field name → value');

/** The sObject a path names, or Salesforce's 404 for one the org does not have. */
export function sobjectOf(name: string, sobjects: OrgSObjects): SObjectDef {
  const sobject = sobjectNamed(name, sobjects);
  if (!sobject) throw new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return sobject;
}

/** Requested field names checked against the object: INVALID_FIELD for one it does not have. */
export function checkFields(sobject: SObjectDef, names: readonly string[] | undefined): void {
  for (const name of names ?? []) {
    if (!fieldNamed(sobject, name)) {
      throw new SalesforceError(
        400,
        'INVALID_FIELD',
        `No such column '${name}' on entity '${sobject.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
  }
}

function urlsOf(sobject: SObjectDef, version: string): Record<string, string> {
  const base = `/services/data/v${version}/sobjects/${sobject.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

function summaryOf(sobject: SObjectDef, version: string): Record<string, unknown> {
  return {
    name: sobject.name,
    label: sobject.label,
    labelPlural: sobject.labelPlural,
    keyPrefix: KEY_PREFIXES[sobject.name],
    custom: false,
    queryable: true,
    retrieveable: true,
    replicateable: true,
    searchable: false,
    createable: sobject.writable,
    updateable: sobject.writable,
    deletable: sobject.writable,
    urls: urlsOf(sobject, version),
  };
}

function describeOf(sobject: SObjectDef, version: string): Record<string, unknown> {
  return {
    ...summaryOf(sobject, version),
    fields: sobject.fields.map((field) => ({
      name: field.name,
      label: field.label,
      type: field.type,
      length: field.length ?? 0,
      nillable: field.nillable,
      createable: field.createable,
      updateable: field.updateable,
      custom: field.custom === true,
      externalId: field.externalId === true,
      unique: field.unique === true,
      // Fields an upsert or a by-value GET may match on: the Id and External ID fields.
      idLookup: field.type === 'id' || field.externalId === true,
      caseSensitive: false,
      defaultedOnCreate: field.name === 'OwnerId' || field.name === 'IsPrimary' || field.type === 'id',
      referenceTo: field.referenceTo ? [field.referenceTo] : [],
      relationshipName: field.relationshipName ?? null,
      picklistValues: (field.picklist ?? []).map((value) => ({
        active: true,
        defaultValue: false,
        label: value,
        value,
      })),
    })),
    childRelationships: sobject.children.map((child) => ({
      childSObject: child.childSObject,
      field: child.field,
      relationshipName: child.relationshipName,
      cascadeDelete: child.childSObject === 'OpportunityContactRole',
    })),
  };
}

/** sObject metadata and single-record create, retrieve, update and delete. */
export function sobjectRoutes(twin: TwinState): RouteDef[] {
  const describeGlobal = route({
    method: 'GET',
    path: '/services/data/{version}/sobjects',
    operationId: 'describeGlobal',
    summary: 'The sObjects the org has',
    tags: ['sObjects'],
    params: z.object({ version: versionParam }),
    responses: { 200: '{encoding, maxBatchSize, sobjects}' },
    handle: ({ params }) =>
      orSalesforceError(() => {
        const version = apiVersion(params.version);
        return {
          status: 200,
          body: {
            encoding: 'UTF-8',
            maxBatchSize: 200,
            sobjects: SOBJECT_NAMES.map((n) => summaryOf(twin.store.sobjects[n], version)),
          },
        };
      }),
  });

  const basic = route({
    method: 'GET',
    path: '/services/data/{version}/sobjects/{sobject}',
    operationId: 'sobjectBasicInfo',
    summary: "An sObject's summary and its recent items (none in the twin)",
    tags: ['sObjects'],
    params: z.object({ version: versionParam, sobject: sobjectParam }),
    responses: { 200: '{objectDescribe, recentItems}', 404: 'NOT_FOUND' },
    handle: ({ params }) =>
      orSalesforceError(() => {
        const version = apiVersion(params.version);
        return {
          status: 200,
          body: {
            objectDescribe: summaryOf(sobjectOf(params.sobject, twin.store.sobjects), version),
            recentItems: [],
          },
        };
      }),
  });

  const describe = route({
    method: 'GET',
    path: '/services/data/{version}/sobjects/{sobject}/describe',
    operationId: 'describeSObject',
    summary: "An sObject's fields and child relationships",
    tags: ['sObjects'],
    params: z.object({ version: versionParam, sobject: sobjectParam }),
    responses: { 200: 'DescribeSObjectResult', 404: 'NOT_FOUND' },
    handle: ({ params }) =>
      orSalesforceError(() => {
        const version = apiVersion(params.version);
        return { status: 200, body: describeOf(sobjectOf(params.sobject, twin.store.sobjects), version) };
      }),
  });

  const create = route({
    method: 'POST',
    path: '/services/data/{version}/sobjects/{sobject}',
    operationId: 'createRecord',
    summary: 'Creates a record: 201 {id, success, errors}',
    tags: ['sObjects'],
    params: z.object({ version: versionParam, sobject: sobjectParam }),
    body: Body,
    responses: {
      201: '{id, success, errors}',
      400: 'REQUIRED_FIELD_MISSING, INVALID_FIELD, DUPLICATES_DETECTED…',
      404: 'NOT_FOUND',
    },
    handle: ({ params, body, headers }) =>
      orSalesforceError(() => {
        const version = apiVersion(params.version);
        const sobject = writableSObject(
          sobjectOf(params.sobject, twin.store.sobjects).name,
          twin.store.sobjects,
        );
        return twin.late.run(() => {
          const fields = validateWrite(twin.store, sobject, body, null, headers, version);
          const record = twin.store.create(sobject.name, fields, twin.clock());
          return { status: 201, body: { id: record.id, success: true, errors: [] } };
        });
      }),
  });

  const idParams = z.object({
    version: versionParam,
    sobject: sobjectParam,
    id: z.string().describe('Record id (15 or 18 characters)'),
  });

  const retrieve = route({
    method: 'GET',
    path: '/services/data/{version}/sobjects/{sobject}/{id}',
    operationId: 'getRecord',
    summary: 'One record, every field or those in `fields`',
    tags: ['sObjects'],
    params: idParams,
    query: z.object({ fields: fieldList.optional().describe('Comma-separated field names') }),
    responses: { 200: 'The record', 400: 'INVALID_FIELD', 404: 'NOT_FOUND' },
    handle: ({ params, query }) =>
      orSalesforceError(() => {
        const version = apiVersion(params.version);
        const sobject = sobjectOf(params.sobject, twin.store.sobjects);
        checkFields(sobject, query.fields);
        const record = recordFor(twin.store, sobject.name, params.id);
        return { status: 200, body: renderFields(record, sobject, version, query.fields) };
      }),
  });

  const update = route({
    method: 'PATCH',
    path: '/services/data/{version}/sobjects/{sobject}/{id}',
    operationId: 'updateRecord',
    summary: 'Updates fields of a record: 204',
    tags: ['sObjects'],
    params: idParams,
    body: Body,
    responses: { 204: 'Updated', 400: 'INVALID_FIELD, DUPLICATES_DETECTED…', 404: 'NOT_FOUND' },
    handle: ({ params, body, headers }) =>
      orSalesforceError(() => {
        const version = apiVersion(params.version);
        const sobject = writableSObject(
          sobjectOf(params.sobject, twin.store.sobjects).name,
          twin.store.sobjects,
        );
        const record = recordFor(twin.store, sobject.name, params.id);
        const changes = validateWrite(twin.store, sobject, body, record, headers, version);
        twin.store.update(record, changes, twin.clock());
        return { status: 204 };
      }),
  });

  const remove = route({
    method: 'DELETE',
    path: '/services/data/{version}/sobjects/{sobject}/{id}',
    operationId: 'deleteRecord',
    summary: 'Moves a record (and what cascades from it) to the Recycle Bin: 204',
    tags: ['sObjects'],
    params: idParams,
    responses: { 204: 'Deleted', 404: 'NOT_FOUND, ENTITY_IS_DELETED' },
    handle: ({ params }) =>
      orSalesforceError(() => {
        apiVersion(params.version);
        const sobject = writableSObject(
          sobjectOf(params.sobject, twin.store.sobjects).name,
          twin.store.sobjects,
        );
        twin.store.remove(recordFor(twin.store, sobject.name, params.id), twin.clock());
        return { status: 204 };
      }),
  });

  return [describeGlobal, basic, describe, create, retrieve, update, remove];
}
