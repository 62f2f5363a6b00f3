import { z } from 'zod';
import { route, type Reply, type RouteDef } from '../../http/route.js';
import { associationTypeSpecs, targetOfTypeId } from '../associationTypes.js';
import { HubSpotValidationError, hubspotError, orValidationError, validationError } from '../errors.js';
import { SINGULAR, type ObjectType } from '../properties.js';
import type { HubSpotStore } from '../store.js';
import { ASSOCIATION_LIMITS } from './associations.js';
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

type Spec = z.output<typeof AssociationSpec>;

/** A user-defined or integrator label, or a type id not HubSpot-defined for the pair, as HubSpot's 400. */
function refusedSpecs(from: ObjectType, to: ObjectType, specs: readonly Spec[]): Reply | null {
  for (const spec of specs) {
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
  return null;
}

/** `LabelsBetweenObjectPair`: the two ends and the labels of the types given. */
function pairOf(from: ObjectType, fromId: string, to: ObjectType, toId: string, specs: readonly Spec[]) {
  const ids = new Set(specs.map((s) => s.associationTypeId));
  return {
    fromObjectTypeId: TYPE_ID[from],
    fromObjectId: Number(fromId),
    toObjectTypeId: TYPE_ID[to],
    toObjectId: Number(toId),
    labels: associationTypeSpecs(from, to)
      .filter((spec) => ids.has(spec.typeId) && spec.label !== null)
      .map((spec) => spec.label as string),
  };
}

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
 * The v4 association writes the Node client's `associations.v4.basicApi` and `batchApi` make:
 * create with labels (`PUT …/{toObjectId}`), create the default (unlabeled) one, archive every
 * association between a pair, and the batch create and archive of many pairs. The sandbox knows HubSpot's defined types only: a user-defined or
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
        const refused = refusedSpecs(from, to, body);
        if (refused) return refused;
        const missing = missingEnd(store, [
          [from, params.objectId],
          [to, params.toObjectId],
        ]);
        if (missing) return missing;
        store.associate(from, params.objectId, to, params.toObjectId);
        return okJson(pairOf(from, params.objectId, to, params.toObjectId, body), 201);
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

  const pairTypes = z.object({
    fromObjectType: z.string().describe('From type'),
    toObjectType: z.string().describe('To type'),
  });
  const objectId = z.object({ id: z.union([z.string(), z.number()]).transform(String) });

  const batchCreate = route({
    method: 'POST',
    path: '/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create',
    operationId: 'batchCreateAssociations',
    summary: 'Associate pairs of records; 207 lists the pairs with a missing record',
    tags: ['Associations v4'],
    params: pairTypes,
    body: z.object({
      inputs: z
        .array(z.object({ from: objectId, to: objectId, types: z.array(AssociationSpec).min(1) }))
        .describe('[{from: {id}, to: {id}, types: [{associationCategory, associationTypeId}]}]'),
    }),
    responses: {
      201: 'BatchResponseLabelsBetweenObjectPair',
      207: 'BatchResponseLabelsBetweenObjectPairWithErrors',
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
        // Labels are checked for the whole batch first: a bad one links nothing.
        for (const input of body.inputs) {
          const refused = refusedSpecs(from, to, input.types);
          if (refused) return refused;
        }
        const results: ReturnType<typeof pairOf>[] = [];
        const errors: unknown[] = [];
        for (const input of body.inputs) {
          const missing = missingEnd(store, [
            [from, input.from.id],
            [to, input.to.id],
          ]);
          if (missing) {
            errors.push({
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message: `One of the records to associate does not exist: ${SINGULAR[from]} ${input.from.id}, ${SINGULAR[to]} ${input.to.id}`,
              context: { fromObjectId: [input.from.id], toObjectId: [input.to.id] },
            });
            continue;
          }
          store.associate(from, input.from.id, to, input.to.id);
          results.push(pairOf(from, input.from.id, to, input.to.id, input.types));
        }
        const timing = { startedAt: store.now, completedAt: store.now };
        if (errors.length === 0) return okJson({ status: 'COMPLETE', results, ...timing }, 201);
        return okJson({ status: 'COMPLETE', results, numErrors: errors.length, errors, ...timing }, 207);
      }),
  });

  const batchArchive = route({
    method: 'POST',
    path: '/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/archive',
    operationId: 'batchArchiveAssociations',
    summary: 'Remove every association between each record and the records listed for it',
    tags: ['Associations v4'],
    params: pairTypes,
    body: z.object({
      inputs: z
        .array(z.object({ from: objectId, to: z.array(objectId) }))
        .describe('[{from: {id}, to: [{id}]}]'),
    }),
    responses: { 204: 'Removed', 400: 'VALIDATION_ERROR' },
    handle: ({ params, body }) =>
      orValidationError(() => {
        const from = objectTypeOf(params.fromObjectType);
        const to = objectTypeOf(params.toObjectType);
        if (body.inputs.length > ASSOCIATION_LIMITS.batchInputs) {
          throw new HubSpotValidationError(
            `The maximum number of inputs supported in a batch request is ${ASSOCIATION_LIMITS.batchInputs}`,
          );
        }
        for (const input of body.inputs) {
          for (const target of input.to) store.dissociate(from, input.from.id, to, target.id);
        }
        return { status: 204 };
      }),
  });

  return [create, createDefault, archive, batchCreate, batchArchive];
}
