import { z } from 'zod';
import { route, type Reply, type RouteDef } from '../../http/route.js';
import { associationTypeSpecs, targetOfTypeId } from '../associationTypes.js';
import { hubspotError, orValidationError, validationError } from '../errors.js';
import { SINGULAR, type ObjectType } from '../properties.js';
import type { HubSpotStore } from '../store.js';
import { objectTypeOf, okJson } from './common.js';

/** HubSpot's object type ids, as v4 writes report the two ends. */
const TYPE_ID: Record<ObjectType, string> = { contacts: '0-1', companies: '0-2', deals: '0-3' };

const pairParams = z.object({
  objectType: z.string().describe('From type'),
  objectId: z.string().describe('From object id'),
  toObjectType: z.string().describe('To type'),
  toObjectId: z.string().describe('To object id'),
});

const AssociationSpec = z.object({
  associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']),
  associationTypeId: z.number().int(),
});

/** Both ends must exist: HubSpot will not link to a record that is not there. */
function missingEnd(store: HubSpotStore, ends: [ObjectType, string][]): Reply | null {
  for (const [type, id] of ends) {
    if (!store.byId[type].has(id)) {
      return hubspotError(404, 'OBJECT_NOT_FOUND', `No ${SINGULAR[type]} with id ${id} exists to associate`);
    }
  }
  return null;
}

/**
 * The v4 association writes the Node client's `associations.v4.basicApi` makes: create with
 * labels (`PUT …/{toObjectId}`), create the default (unlabeled) one, and archive every
 * association between a pair. The sandbox knows HubSpot's defined types only: a user-defined or
 * integrator label, or a type id not defined for the pair, is a 400 and nothing is linked.
 */
export function associationWriteRoutes(store: HubSpotStore): RouteDef[] {
  const create = route({
    method: 'PUT',
    path: '/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}',
    operationId: 'createAssociation',
    summary: 'Associate two records with the given association types',
    tags: ['Associations v4'],
    params: pairParams,
    body: z.array(AssociationSpec).min(1).describe('[{associationCategory, associationTypeId}]'),
    responses: { 201: 'LabelsBetweenObjectPair', 400: 'VALIDATION_ERROR', 404: 'OBJECT_NOT_FOUND' },
    handle: ({ params, body }) =>
      orValidationError(() => {
        const from = objectTypeOf(params.objectType);
        const to = objectTypeOf(params.toObjectType);
        for (const spec of body) {
          const target =
            spec.associationCategory === 'HUBSPOT_DEFINED'
              ? targetOfTypeId(from, spec.associationTypeId)
              : undefined;
          if (target !== to) {
            return validationError(
              `${spec.associationCategory} association type ${spec.associationTypeId} is not valid between ${SINGULAR[from]} and ${SINGULAR[to]} records`,
            );
          }
        }
        const missing = missingEnd(store, [
          [from, params.objectId],
          [to, params.toObjectId],
        ]);
        if (missing) return missing;
        store.associate(from, params.objectId, to, params.toObjectId);
        const ids = new Set(body.map((s) => s.associationTypeId));
        const labels = associationTypeSpecs(from, to)
          .filter((spec) => ids.has(spec.typeId) && spec.label !== null)
          .map((spec) => spec.label as string);
        return okJson(
          {
            fromObjectTypeId: TYPE_ID[from],
            fromObjectId: Number(params.objectId),
            toObjectTypeId: TYPE_ID[to],
            toObjectId: Number(params.toObjectId),
            labels,
          },
          201,
        );
      }),
  });

  const createDefault = route({
    method: 'PUT',
    path: '/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}',
    operationId: 'createDefaultAssociation',
    summary: 'Associate two records with the default (unlabeled) association type',
    tags: ['Associations v4'],
    params: z.object({
      fromObjectType: z.string().describe('From type'),
      fromObjectId: z.string().describe('From object id'),
      toObjectType: z.string().describe('To type'),
      toObjectId: z.string().describe('To object id'),
    }),
    responses: {
      200: 'BatchResponsePublicDefaultAssociation',
      400: 'VALIDATION_ERROR',
      404: 'OBJECT_NOT_FOUND',
    },
    handle: ({ params }) =>
      orValidationError(() => {
        const from = objectTypeOf(params.fromObjectType);
        const to = objectTypeOf(params.toObjectType);
        const unlabeled = associationTypeSpecs(from, to).find((spec) => spec.label === null);
        if (!unlabeled) {
          return validationError(
            `${SINGULAR[from]} records cannot be associated with ${SINGULAR[to]} records`,
          );
        }
        const missing = missingEnd(store, [
          [from, params.fromObjectId],
          [to, params.toObjectId],
        ]);
        if (missing) return missing;
        store.associate(from, params.fromObjectId, to, params.toObjectId);
        return okJson({
          status: 'COMPLETE',
          results: [
            {
              from: { id: params.fromObjectId },
              to: { id: params.toObjectId },
              associationSpec: {
                associationCategory: 'HUBSPOT_DEFINED',
                associationTypeId: unlabeled.typeId,
              },
            },
          ],
          startedAt: store.now,
          completedAt: store.now,
        });
      }),
  });

  const archive = route({
    method: 'DELETE',
    path: '/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}',
    operationId: 'archiveAssociation',
    summary: 'Remove every association between two records',
    tags: ['Associations v4'],
    params: pairParams,
    responses: { 204: 'Removed', 400: 'VALIDATION_ERROR' },
    handle: ({ params }) =>
      orValidationError(() => {
        const from = objectTypeOf(params.objectType);
        const to = objectTypeOf(params.toObjectType);
        store.dissociate(from, params.objectId, to, params.toObjectId);
        return { status: 204 };
      }),
  });

  return [create, createDefault, archive];
}
