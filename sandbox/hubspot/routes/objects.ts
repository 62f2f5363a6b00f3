import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { HubSpotValidationError, hubspotError, orValidationError } from '../errors.js';
import type { HubObject } from '../objects.js';
import type { ObjectType } from '../properties.js';
import type { HubSpotStore } from '../store.js';
import { csvList, nextLink, objectTypeOf, okJson, queryBoolean, renderView } from './common.js';

/** HubSpot lowers the page size when property histories are asked for. */
export const LIST_LIMITS = { default: 10, max: 100, maxWithHistory: 50 } as const;

const objectTypeParam = z.string().describe('contacts, companies or deals (also contact, 0-1, …)');

const ListParams = z.object({ objectType: objectTypeParam });
const ListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIST_LIMITS.max)
    .default(LIST_LIMITS.default)
    .describe('Page size, 1 to 100'),
  after: z.string().optional().describe('Cursor from paging.next.after'),
  properties: csvList.optional().describe('Properties to return (CSV or repeated)'),
  propertiesWithHistory: csvList.optional().describe('Properties to return with their history'),
  associations: csvList.optional().describe('Object types whose associated ids to return'),
  archived: queryBoolean.default(false).describe('Only archived objects'),
});

const GetParams = z.object({
  objectType: objectTypeParam,
  objectId: z.string().describe('Object id, or the idProperty value'),
});
const GetQuery = ListQuery.omit({ limit: true, after: true }).extend({
  idProperty: z.string().optional().describe('A unique property to look the object up by, e.g. email'),
});

/** Index of the first object whose id is at least `idNumber` (objects are sorted by id). */
function firstAtOrAfter(objects: readonly HubObject[], idNumber: number): number {
  let low = 0;
  let high = objects.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((objects[mid]?.idNumber ?? Infinity) < idNumber) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Looks an object up by id or by a unique property; other properties are not unique in HubSpot. */
export function findObject(
  store: HubSpotStore,
  type: ObjectType,
  key: string,
  idProperty?: string,
): HubObject | undefined {
  if (!idProperty || idProperty === 'hs_object_id') return store.byId[type].get(key);
  if (type === 'contacts' && idProperty === 'email') return store.contactsByEmail.get(key.toLowerCase());
  throw new HubSpotValidationError(
    `Property ${idProperty} is not a unique identifier property for ${type}.`,
    {
      errors: [{ message: `${idProperty} is not unique`, in: 'idProperty' }],
    },
  );
}

export function objectRoutes(store: HubSpotStore): RouteDef[] {
  const list = route({
    method: 'GET',
    path: '/crm/v3/objects/{objectType}',
    operationId: 'listObjects',
    summary: 'List objects of a type by id ascending, with cursor paging',
    tags: ['Objects'],
    params: ListParams,
    query: ListQuery,
    responses: {
      200: 'CollectionResponseSimplePublicObjectWithAssociationsForwardPaging',
      400: 'VALIDATION_ERROR',
    },
    handle: ({ params, query, url }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        if ((query.propertiesWithHistory?.length ?? 0) > 0 && query.limit > LIST_LIMITS.maxWithHistory) {
          throw new HubSpotValidationError(
            `The maximum limit for requests with propertiesWithHistory is ${LIST_LIMITS.maxWithHistory}; ${query.limit} was requested.`,
            { errors: [{ message: `limit must be at most ${LIST_LIMITS.maxWithHistory}`, in: 'limit' }] },
          );
        }
        const scope = `list:${type}`;
        const objects = query.archived ? [] : store.objects[type];
        const start =
          query.after === undefined ? 0 : firstAtOrAfter(objects, decodeCursor(scope, query.after));
        const page = objects.slice(start, start + query.limit);
        const next = objects[start + query.limit];
        const results = page.map((obj) => renderView(store, obj, query));
        if (!next) return okJson({ results });
        const after = encodeCursor(scope, next.idNumber);
        return okJson({ results, paging: { next: { after, link: nextLink(url, after) } } });
      }),
  });

  const get = route({
    method: 'GET',
    path: '/crm/v3/objects/{objectType}/{objectId}',
    operationId: 'getObject',
    summary: 'Read one object by id or by a unique property',
    tags: ['Objects'],
    params: GetParams,
    query: GetQuery,
    responses: {
      200: 'SimplePublicObjectWithAssociations',
      400: 'VALIDATION_ERROR',
      404: 'OBJECT_NOT_FOUND',
    },
    handle: ({ params, query }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        const obj = query.archived ? undefined : findObject(store, type, params.objectId, query.idProperty);
        if (!obj) return hubspotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
        return okJson(renderView(store, obj, query));
      }),
  });

  return [list, get];
}
