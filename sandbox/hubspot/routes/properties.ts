import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import type { HubSpotAccountSettings } from '../account.js';
import { hubspotError, orValidationError } from '../errors.js';
import { FIELD_TYPES, PROPERTY_TYPES, type PropertyRegistry } from '../properties.js';
import { objectTypeOf, okJson } from './common.js';

const objectTypeParam = z.string().describe('contacts, companies or deals (also contact, 0-1, …)');
const OneParams = z.object({
  objectType: objectTypeParam,
  propertyName: z.string().describe('Internal name'),
});

/**
 * `PropertyCreate`: internal names are lower-case letters, digits and underscores, starting with a
 * letter (the exact limits HubSpot applies are not verified here).
 */
const PropertyCreateBody = z.object({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9_]{0,99}$/,
      'must be lower-case letters, digits and underscores, starting with a letter',
    ),
  label: z.string().min(1),
  type: z.enum(PROPERTY_TYPES),
  fieldType: z.enum(FIELD_TYPES),
  groupName: z.string().min(1),
  description: z.string().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  displayOrder: z.number().int().optional(),
  options: z.array(z.unknown()).optional(),
});

const notFound = (type: string, name: string) =>
  hubspotError(404, 'OBJECT_NOT_FOUND', `Unable to find property named '${name}' for object type ${type}`);

/**
 * A token without the schema scopes (HubSpot's wording; the body's shape beyond `category` is
 * from memory, not verified against a capture).
 */
const missingScopes = (type: string) =>
  hubspotError(
    403,
    'MISSING_SCOPES',
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    {
      errors: [{ message: 'One or more of the following scopes are required.' }],
      context: { requiredGranularScopes: [`crm.schemas.${type}.write`] },
    },
  );

/**
 * The properties API: list, read, create and archive a property definition. Creating one needs
 * the schema scope the account's token may lack (`schemaWrite: false`); archiving stays open, so
 * a test can take the property away from such a portal.
 */
export function propertyRoutes(
  properties: PropertyRegistry,
  account: Pick<HubSpotAccountSettings, 'schemaWrite'> = {},
): RouteDef[] {
  const mayWrite = account.schemaWrite !== false;
  const list = route({
    method: 'GET',
    path: '/crm/v3/properties/{objectType}',
    operationId: 'listProperties',
    summary: "Every property of an object type, HubSpot's own and custom ones",
    tags: ['Properties'],
    params: z.object({ objectType: objectTypeParam }),
    responses: { 200: 'CollectionResponseProperty', 400: 'VALIDATION_ERROR' },
    handle: ({ params }) =>
      orValidationError(() => okJson({ results: properties.list(objectTypeOf(params.objectType)) })),
  });

  const read = route({
    method: 'GET',
    path: '/crm/v3/properties/{objectType}/{propertyName}',
    operationId: 'readProperty',
    summary: 'One property definition',
    tags: ['Properties'],
    params: OneParams,
    responses: { 200: 'Property', 404: 'OBJECT_NOT_FOUND' },
    handle: ({ params }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        const found = properties.get(type, params.propertyName);
        return found ? okJson(found) : notFound(type, params.propertyName);
      }),
  });

  const create = route({
    method: 'POST',
    path: '/crm/v3/properties/{objectType}',
    operationId: 'createProperty',
    summary: 'Create a custom property',
    tags: ['Properties'],
    params: z.object({ objectType: objectTypeParam }),
    body: PropertyCreateBody,
    responses: { 201: 'Property', 400: 'VALIDATION_ERROR', 403: 'MISSING_SCOPES', 409: 'CONFLICT' },
    handle: ({ params, body }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        if (!mayWrite) return missingScopes(type);
        const made = properties.create(type, body);
        return made
          ? okJson(made, 201)
          : hubspotError(409, 'CONFLICT', `Property named '${body.name}' already exists.`, {
              subCategory: 'PropertyValidationError.PROPERTY_EXISTS',
            });
      }),
  });

  const archive = route({
    method: 'DELETE',
    path: '/crm/v3/properties/{objectType}/{propertyName}',
    operationId: 'archiveProperty',
    summary: 'Archive a custom property',
    tags: ['Properties'],
    params: OneParams,
    responses: { 204: 'No content', 404: 'OBJECT_NOT_FOUND' },
    handle: ({ params }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        return properties.archive(type, params.propertyName)
          ? { status: 204 }
          : notFound(type, params.propertyName);
      }),
  });

  return [list, read, create, archive];
}
