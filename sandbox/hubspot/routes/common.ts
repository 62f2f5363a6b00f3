import { z } from 'zod';
import type { Reply } from '../../http/route.js';
import { associationTypeNames } from '../associationTypes.js';
import { HubSpotValidationError } from '../errors.js';
import type { HubObject, RenderedObject } from '../objects.js';
import { renderObject } from '../objects.js';
import { parseObjectType, type ObjectType } from '../properties.js';
import type { HubSpotStore } from '../store.js';

/** A list given as CSV, repeated, or both (`properties=a,b&properties=c`); qs hands over strings. */
export const csvList = z.union([z.string(), z.array(z.string())]).transform((raw) =>
  (Array.isArray(raw) ? raw : [raw])
    .flatMap((part) => part.split(','))
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);

/** `true`/`false` from the query string. */
export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

/** A JSON id that HubSpot accepts as a string or a number. */
export const idValue = z.union([z.string(), z.number()]).transform((v) => String(v));

/** The path's object type, or HubSpot's 400 for a name it cannot resolve. */
export function objectTypeOf(raw: string): ObjectType {
  const type = parseObjectType(raw);
  if (!type) throw new HubSpotValidationError(`Unable to infer object type from: ${raw}`);
  return type;
}

/** v3 `associations` block: for each requested type, every edge under each of its type names. */
export function associationsBlock(
  store: HubSpotStore,
  obj: HubObject,
  requested: readonly string[] | undefined,
): RenderedObject['associations'] {
  if (!requested || requested.length === 0) return undefined;
  const block: NonNullable<RenderedObject['associations']> = {};
  for (const raw of requested) {
    const to = parseObjectType(raw);
    if (!to) continue;
    const names = associationTypeNames(obj.type, to);
    const results = store
      .associated(obj.type, obj.id, to)
      .flatMap((id) => names.map((type) => ({ id, type })));
    if (results.length > 0) block[to] = { results };
  }
  return block;
}

export interface ObjectView {
  properties?: string[] | undefined;
  propertiesWithHistory?: string[] | undefined;
  associations?: string[] | undefined;
}

export function renderView(store: HubSpotStore, obj: HubObject, view: ObjectView): RenderedObject {
  return renderObject(obj, {
    properties: view.properties,
    propertiesWithHistory: view.propertiesWithHistory,
    associations: associationsBlock(store, obj, view.associations),
  });
}

/** The request's own path and query with `after` replaced: HubSpot's `paging.next.link`, relative so it stays host-free. */
export function nextLink(requestUrl: string, after: string): string {
  const url = new URL(requestUrl, 'http://sandbox.invalid');
  url.searchParams.set('after', after);
  return `${url.pathname}${url.search}`;
}

export function okJson(body: unknown, status = 200): Reply {
  return { status, body };
}
