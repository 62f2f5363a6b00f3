import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { associationTypeSpecs } from '../associationTypes.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { HubSpotValidationError, orValidationError } from '../errors.js';
import { SINGULAR, type ObjectType } from '../properties.js';
import type { HubSpotStore } from '../store.js';
import { idValue, nextLink, objectTypeOf, okJson } from './common.js';

/** v4 limits: 500 associations per page by default and at most; 1,000 inputs per batch since Feb 2025 (FACTS §2, H7). */
export const ASSOCIATION_LIMITS = { pageDefault: 500, pageMax: 500, batchInputs: 1000 } as const;

interface AssociationPage {
  to: { toObjectId: string; associationTypes: ReturnType<typeof associationTypeSpecs> }[];
  /** Cursor of the next page, when there is one. */
  after?: string;
}

function pageOf(
  store: HubSpotStore,
  from: ObjectType,
  fromId: string,
  to: ObjectType,
  after: string | undefined,
  limit: number,
): AssociationPage {
  const scope = `assoc:${from}:${fromId}:${to}`;
  const start = after === undefined ? 0 : decodeCursor(scope, after);
  const ids = store.associated(from, fromId, to);
  const types = associationTypeSpecs(from, to);
  const page = ids.slice(start, start + limit).map((id) => ({ toObjectId: id, associationTypes: types }));
  return start + limit < ids.length ? { to: page, after: encodeCursor(scope, start + limit) } : { to: page };
}

export function associationRoutes(store: HubSpotStore): RouteDef[] {
  const list = route({
    method: 'GET',
    path: '/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}',
    operationId: 'listAssociations',
    summary: "List an object's associations to another type, with their association types",
    tags: ['Associations v4'],
    params: z.object({
      objectType: z.string().describe('From type'),
      objectId: z.string().describe('From object id'),
      toObjectType: z.string().describe('To type'),
    }),
    query: z.object({
      after: z.string().optional().describe('Cursor from paging.next.after'),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(ASSOCIATION_LIMITS.pageMax)
        .default(ASSOCIATION_LIMITS.pageDefault)
        .describe('Page size, at most 500'),
    }),
    responses: {
      200: 'CollectionResponseMultiAssociatedObjectWithLabelForwardPaging',
      400: 'VALIDATION_ERROR',
    },
    handle: ({ params, query, url }) =>
      orValidationError(() => {
        const from = objectTypeOf(params.objectType);
        const to = objectTypeOf(params.toObjectType);
        // HubSpot answers an unknown or unassociated object with an empty list, not a 404.
        const page = pageOf(store, from, params.objectId, to, query.after, query.limit);
        if (page.after === undefined) return okJson({ results: page.to });
        return okJson({
          results: page.to,
          paging: { next: { after: page.after, link: nextLink(url, page.after) } },
        });
      }),
  });

  const batchRead = route({
    method: 'POST',
    path: '/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read',
    operationId: 'batchReadAssociations',
    readOnly: true,
    summary: 'Read the associations of up to 1,000 objects; 207 lists objects with none',
    tags: ['Associations v4'],
    params: z.object({
      fromObjectType: z.string().describe('From type'),
      toObjectType: z.string().describe('To type'),
    }),
    body: z.object({
      inputs: z
        .array(
          z.object({
            id: idValue.describe('From object id'),
            after: z.string().optional().describe('Cursor for this object'),
          }),
        )
        .describe('Objects whose associations to read'),
    }),
    responses: {
      200: 'BatchResponsePublicAssociationMultiWithLabel',
      207: 'BatchResponsePublicAssociationMultiWithLabelWithErrors',
      400: 'VALIDATION_ERROR',
    },
    handle: ({ params, body }) =>
      orValidationError(() => {
        const from = objectTypeOf(params.fromObjectType);
        const to = objectTypeOf(params.toObjectType);
        if (body.inputs.length > ASSOCIATION_LIMITS.batchInputs) {
          throw new HubSpotValidationError(
            `The maximum number of inputs supported in a batch request is ${ASSOCIATION_LIMITS.batchInputs}`,
          );
        }
        const results: unknown[] = [];
        const errors: unknown[] = [];
        const seen = new Set<string>();
        for (const input of body.inputs) {
          if (seen.has(input.id)) continue;
          seen.add(input.id);
          const page = pageOf(store, from, input.id, to, input.after, ASSOCIATION_LIMITS.pageDefault);
          if (page.to.length === 0) {
            errors.push({
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
              message: `No ${SINGULAR[to]} is associated with ${SINGULAR[from]} ${input.id}.`,
              context: { fromObjectId: [input.id] },
            });
            continue;
          }
          const paging = page.after === undefined ? {} : { paging: { next: { after: page.after } } };
          results.push({ from: { id: input.id }, to: page.to, ...paging });
        }
        const timing = { startedAt: store.now, completedAt: store.now };
        if (errors.length === 0) return okJson({ status: 'COMPLETE', results, ...timing });
        return okJson({ status: 'COMPLETE', results, numErrors: errors.length, errors, ...timing }, 207);
      }),
  });

  return [list, batchRead];
}
