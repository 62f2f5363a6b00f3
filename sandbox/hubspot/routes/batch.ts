import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { HubSpotValidationError, orValidationError } from '../errors.js';
import type { HubObject } from '../objects.js';
import type { HubSpotStore } from '../store.js';
import { idValue, objectTypeOf, okJson, queryBoolean, renderView } from './common.js';
import { findObject } from './objects.js';

/** HubSpot's batch read limits (FACTS §2): 100 inputs, 50 when histories are asked for. */
export const BATCH_READ_LIMITS = { inputs: 100, inputsWithHistory: 50 } as const;

const BatchReadBody = z.object({
  inputs: z
    .array(z.object({ id: idValue.describe('Object id, or the idProperty value') }))
    .describe('Objects to read'),
  properties: z.array(z.string()).optional().describe('Properties to return'),
  propertiesWithHistory: z.array(z.string()).optional().describe('Properties to return with their history'),
  idProperty: z.string().optional().describe('A unique property the ids refer to, e.g. email'),
});

const SINGULAR_UPPER: Record<string, string> = { contacts: 'CONTACT', companies: 'COMPANY', deals: 'DEAL' };

export function batchRoutes(store: HubSpotStore): RouteDef[] {
  const read = route({
    method: 'POST',
    path: '/crm/v3/objects/{objectType}/batch/read',
    operationId: 'batchReadObjects',
    readOnly: true,
    summary: 'Read up to 100 objects by id; 207 lists the ids that were not found',
    tags: ['Batch'],
    params: z.object({ objectType: z.string().describe('contacts, companies or deals') }),
    query: z.object({ archived: queryBoolean.default(false).describe('Read archived objects') }),
    body: BatchReadBody,
    responses: {
      200: 'BatchResponseSimplePublicObject',
      207: 'BatchResponseSimplePublicObjectWithErrors',
      400: 'VALIDATION_ERROR',
    },
    handle: ({ params, query, body }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        const withHistory = (body.propertiesWithHistory?.length ?? 0) > 0;
        if (withHistory && body.inputs.length > BATCH_READ_LIMITS.inputsWithHistory) {
          throw new HubSpotValidationError(
            `The maximum number of inputs supported in a batch request for property histories is ${BATCH_READ_LIMITS.inputsWithHistory}`,
          );
        }
        if (body.inputs.length > BATCH_READ_LIMITS.inputs) {
          throw new HubSpotValidationError(
            `The maximum number of inputs supported in a batch request is ${BATCH_READ_LIMITS.inputs}`,
          );
        }
        // Results follow the inputs' order, each object once, so equal requests give equal bytes.
        const seen = new Set<string>();
        const found: HubObject[] = [];
        const missing: string[] = [];
        for (const { id } of body.inputs) {
          const obj = query.archived ? undefined : findObject(store, type, id, body.idProperty);
          if (!obj) {
            if (!missing.includes(id)) missing.push(id);
          } else if (!seen.has(obj.id)) {
            seen.add(obj.id);
            found.push(obj);
          }
        }
        const results = found.map((obj) =>
          renderView(store, obj, {
            properties: body.properties,
            propertiesWithHistory: body.propertiesWithHistory,
          }),
        );
        const timing = { startedAt: store.now, completedAt: store.now };
        if (missing.length === 0) return okJson({ status: 'COMPLETE', results, ...timing });
        const error = {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `Could not get some ${SINGULAR_UPPER[type] ?? type} objects, they may be deleted or not exist. Check that ids are valid.`,
          context: { ids: missing },
        };
        return okJson({ status: 'COMPLETE', results, numErrors: 1, errors: [error], ...timing }, 207);
      }),
  });
  return [read];
}
