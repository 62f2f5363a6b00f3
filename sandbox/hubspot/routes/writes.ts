import { z } from 'zod';
import { route, type Reply, type RouteDef } from '../../http/route.js';
import type { HubSpotEventInput, HubSpotSubscriptionType, WebhookEmitter } from '../../webhooks/emitter.js';
import { hubspotError, orValidationError, validationError } from '../errors.js';
import type { HubObject } from '../objects.js';
import { DEFAULT_PROPERTIES, PropertyRegistry, SINGULAR, type ObjectType } from '../properties.js';
import { targetOfTypeId } from '../associationTypes.js';
import type { HubSpotStore } from '../store.js';
import { objectTypeOf, okJson, renderView } from './common.js';

/** HubSpot takes property values as strings, numbers or booleans and stores them all as strings. */
const PropertyValues = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .describe('Property name → value');

const AssociationInput = z.object({
  to: z.object({ id: z.union([z.string(), z.number()]).transform(String) }),
  types: z
    .array(
      z.object({
        associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']),
        associationTypeId: z.number().int(),
      }),
    )
    .min(1),
});

const WriteBody = z.object({
  properties: PropertyValues,
  associations: z
    .array(AssociationInput)
    .optional()
    .describe('Made at create: [{to: {id}, types: [{associationCategory, associationTypeId}]}]'),
});
type Association = z.output<typeof AssociationInput>;

/**
 * An update is HubSpot's `SimplePublicObjectInput`: properties only, with no `associations` (those are
 * made by the v4 associations API). Any other field is refused rather than ignored, as a strict JSON
 * binding refuses an unrecognised field (the exact wording HubSpot uses here is not verified).
 */
const UpdateBody = z
  .object({
    properties: PropertyValues,
    objectWriteTraceId: z.string().optional().describe('Echoed by HubSpot for tracing; not stored'),
  })
  .strict();

/**
 * The links a create asks for, checked before anything is written: a HubSpot-defined type id of
 * this object type and an existing record at the other end. The sandbox has no custom labels.
 */
function plannedLinks(
  store: HubSpotStore,
  type: ObjectType,
  associations: readonly Association[],
): { ok: true; links: { to: ObjectType; id: string }[] } | { ok: false; reply: Reply } {
  const links: { to: ObjectType; id: string }[] = [];
  for (const association of associations) {
    for (const spec of association.types) {
      const to =
        spec.associationCategory === 'HUBSPOT_DEFINED'
          ? targetOfTypeId(type, spec.associationTypeId)
          : undefined;
      if (!to) {
        return {
          ok: false,
          reply: validationError(
            `${spec.associationCategory} association type ${spec.associationTypeId} is not valid for ${SINGULAR[type]} records`,
          ),
        };
      }
      if (!store.byId[to].has(association.to.id)) {
        return {
          ok: false,
          reply: validationError(`No ${SINGULAR[to]} with id ${association.to.id} exists to associate with`),
        };
      }
      links.push({ to, id: association.to.id });
    }
  }
  return { ok: true, links };
}

/** Set by HubSpot itself; writing them is HubSpot's READ_ONLY_VALUE. */
const READ_ONLY = new Set(['hs_object_id', 'lastmodifieddate', 'hs_lastmodifieddate']);

interface PropertyProblem {
  isValid: false;
  message: string;
  error: 'PROPERTY_DOESNT_EXIST' | 'READ_ONLY_VALUE';
  name: string;
}

/** Unknown and read-only names, in HubSpot's "Property values were not valid" 400. */
export function checkProperties(
  known: PropertyRegistry,
  type: ObjectType,
  properties: Record<string, unknown>,
): Reply | null {
  const problems: PropertyProblem[] = [];
  for (const name of Object.keys(properties)) {
    if (!known.has(type, name)) {
      problems.push({
        isValid: false,
        message: `Property "${name}" does not exist`,
        error: 'PROPERTY_DOESNT_EXIST',
        name,
      });
    } else if (READ_ONLY.has(name)) {
      problems.push({
        isValid: false,
        message: `${name} is a read only property; its value cannot be set.`,
        error: 'READ_ONLY_VALUE',
        name,
      });
    }
  }
  if (problems.length === 0) return null;
  return validationError(`Property values were not valid: ${JSON.stringify(problems)}`, {
    errors: problems.map((p) => ({ message: p.message, code: p.error, in: p.name })),
  });
}

/** Values as HubSpot stores them: text, with an empty string clearing the property. */
export function normalise(
  properties: Record<string, string | number | boolean | null>,
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(properties)) {
    out[name] = value === null || value === '' ? null : String(value);
  }
  // HubSpot stores emails lower-cased, which is also what makes the duplicate check case-blind.
  if (typeof out.email === 'string') out.email = out.email.toLowerCase();
  return out;
}

export function conflict(existing: HubObject): Reply {
  return hubspotError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
}

/** The written properties plus the type's defaults, as HubSpot's write responses show them. */
export function writtenView(store: HubSpotStore, obj: HubObject, written: readonly string[]) {
  return renderView(store, obj, { properties: [...new Set([...DEFAULT_PROPERTIES[obj.type], ...written])] });
}

export function eventType(
  type: ObjectType,
  change: 'creation' | 'propertyChange' | 'deletion',
): HubSpotSubscriptionType {
  return `${SINGULAR[type]}.${change}` as HubSpotSubscriptionType;
}

const objectTypeParam = z.string().describe('contacts, companies or deals (also contact, 0-1, …)');

/** Create, update and archive one object; each write is announced as a signed webhook batch when webhooks are on. */
export function writeRoutes(
  store: HubSpotStore,
  webhooks: WebhookEmitter | undefined,
  /** The portal's property definitions (the properties API changes the custom ones). */
  known: PropertyRegistry = new PropertyRegistry(),
): RouteDef[] {
  const create = route({
    method: 'POST',
    path: '/crm/v3/objects/{objectType}',
    operationId: 'createObject',
    summary: 'Create an object from properties (contacts need a unique email)',
    tags: ['Objects'],
    params: z.object({ objectType: objectTypeParam }),
    body: WriteBody,
    responses: { 201: 'SimplePublicObject', 400: 'VALIDATION_ERROR', 409: 'CONFLICT' },
    handle: ({ params, body }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        const problem = checkProperties(known, type, body.properties);
        if (problem) return problem;
        const properties = normalise(body.properties);
        const email = type === 'contacts' ? properties.email : null;
        const existing = email ? store.contactsByEmail.get(email) : undefined;
        if (existing) return conflict(existing);
        const planned = plannedLinks(store, type, body.associations ?? []);
        if (!planned.ok) return planned.reply;
        const obj = store.create(type, properties, Date.now());
        for (const link of planned.links) store.associate(type, obj.id, link.to, link.id);
        webhooks?.emitHubSpot([{ subscriptionType: eventType(type, 'creation'), objectId: obj.id }]);
        return okJson(writtenView(store, obj, Object.keys(properties)), 201);
      }),
  });

  const update = route({
    method: 'PATCH',
    path: '/crm/v3/objects/{objectType}/{objectId}',
    operationId: 'updateObject',
    summary: 'Update some properties of an object (an empty string clears one)',
    tags: ['Objects'],
    params: z.object({ objectType: objectTypeParam, objectId: z.string().describe('Object id') }),
    body: UpdateBody,
    responses: {
      200: 'SimplePublicObject',
      400: 'VALIDATION_ERROR',
      404: 'OBJECT_NOT_FOUND',
      409: 'CONFLICT',
    },
    handle: ({ params, body }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        const before = store.byId[type].get(params.objectId);
        if (!before) return hubspotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
        const problem = checkProperties(known, type, body.properties);
        if (problem) return problem;
        const changes = normalise(body.properties);
        const email = type === 'contacts' ? changes.email : null;
        const existing = email ? store.contactsByEmail.get(email) : undefined;
        if (existing && existing.id !== before.id) return conflict(existing);
        const obj = store.update(type, params.objectId, changes, Date.now());
        if (!obj) return hubspotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
        // One propertyChange per property whose value actually changed, as HubSpot sends them.
        const events: HubSpotEventInput[] = Object.entries(changes)
          .filter(([name, value]) => (before.properties[name] ?? null) !== value)
          .map(([name, value]) => ({
            subscriptionType: eventType(type, 'propertyChange'),
            objectId: obj.id,
            propertyName: name,
            propertyValue: value ?? '',
          }));
        webhooks?.emitHubSpot(events);
        return okJson(writtenView(store, obj, Object.keys(changes)));
      }),
  });

  const archive = route({
    method: 'DELETE',
    path: '/crm/v3/objects/{objectType}/{objectId}',
    operationId: 'archiveObject',
    summary: 'Archive an object: it leaves reads, lists, search and associations',
    tags: ['Objects'],
    params: z.object({ objectType: objectTypeParam, objectId: z.string().describe('Object id') }),
    responses: { 204: 'Archived', 400: 'VALIDATION_ERROR', 404: 'OBJECT_NOT_FOUND' },
    handle: ({ params }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        const obj = store.remove(type, params.objectId);
        if (!obj) return hubspotError(404, 'OBJECT_NOT_FOUND', 'resource not found');
        webhooks?.emitHubSpot([{ subscriptionType: eventType(type, 'deletion'), objectId: obj.id }]);
        return { status: 204 };
      }),
  });

  return [create, update, archive];
}
