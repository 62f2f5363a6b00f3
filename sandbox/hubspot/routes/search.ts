import { z } from 'zod';
import { route, type RouteDef } from '../../http/route.js';
import { HubSpotValidationError, orValidationError } from '../errors.js';
import { FILTER_OPERATORS, SEARCH_LIMITS, runSearch, type SearchSort } from '../search.js';
import type { HubSpotStore } from '../store.js';
import { objectTypeOf, okJson, renderView } from './common.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

const Filter = z.object({
  propertyName: z.string().min(1).describe('Property, or associations.contact|company|deal'),
  operator: z.enum(FILTER_OPERATORS).describe('Comparison operator'),
  value: scalar.optional(),
  values: z.array(scalar).optional(),
  highValue: scalar.optional(),
});

const SortObject = z.object({
  propertyName: z.string().min(1),
  direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING'),
});

/** The client types sorts as strings: accept `"prop"`, `"-prop"` and JSON-encoded sort objects as well as objects. */
const Sort = z.union([SortObject, z.string()]).transform((raw, ctx): SearchSort => {
  if (typeof raw !== 'string') return raw;
  const text = raw.trim();
  if (text.startsWith('{')) {
    try {
      const parsed = SortObject.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // falls through to the issue below
    }
    ctx.addIssue({ code: 'custom', message: `Invalid sort: ${raw}` });
    return z.NEVER;
  }
  return text.startsWith('-')
    ? { propertyName: text.slice(1), direction: 'DESCENDING' }
    : { propertyName: text, direction: 'ASCENDING' };
});

const SearchBody = z.object({
  filterGroups: z
    .array(z.object({ filters: z.array(Filter).default([]) }))
    .default([])
    .describe('Groups ORed; filters in a group ANDed'),
  sorts: z.array(Sort).default([]).describe('At most one sort is typical'),
  query: z.string().max(3000).optional().describe('Text over the default searchable properties'),
  properties: z.array(z.string()).optional().describe('Properties to return'),
  limit: z.number().int().min(1).max(SEARCH_LIMITS.maxLimit).default(10).describe('Page size, at most 200'),
  after: z.union([z.string(), z.number()]).optional().describe('Offset from paging.next.after'),
});

function offsetOf(after: string | number | undefined): number {
  if (after === undefined || after === '') return 0;
  const text = String(after);
  if (!/^\d{1,9}$/.test(text)) {
    throw new HubSpotValidationError(
      `Invalid input JSON: 'after' must be a non-negative integer, got '${text}'.`,
      {
        errors: [{ message: 'after must be a non-negative integer', in: 'after' }],
      },
    );
  }
  return Number(text);
}

export function searchRoutes(store: HubSpotStore): RouteDef[] {
  const search = route({
    method: 'POST',
    path: '/crm/v3/objects/{objectType}/search',
    operationId: 'searchObjects',
    readOnly: true,
    summary: 'Search objects with filter groups, sorts and a text query (10,000-result window)',
    tags: ['Search'],
    params: z.object({ objectType: z.string().describe('contacts, companies or deals') }),
    body: SearchBody.default({ filterGroups: [], sorts: [], limit: 10 }),
    responses: { 200: 'CollectionResponseWithTotalSimplePublicObjectForwardPaging', 400: 'VALIDATION_ERROR' },
    handle: ({ params, body }) =>
      orValidationError(() => {
        const type = objectTypeOf(params.objectType);
        const outcome = runSearch(
          type,
          {
            objects: store.objects[type],
            words: (obj) => store.searchWords.get(obj) ?? [],
            associated: (obj, to) => store.associated(type, obj.id, to),
            associatedWith: (other, otherId) =>
              store.associated(other, otherId, type).flatMap((id) => {
                const obj = store.byId[type].get(id);
                return obj ? [obj] : [];
              }),
          },
          {
            filterGroups: body.filterGroups,
            sorts: body.sorts,
            query: body.query,
            limit: body.limit,
            offset: offsetOf(body.after),
          },
        );
        const results = outcome.page.map((obj) => renderView(store, obj, { properties: body.properties }));
        if (outcome.nextOffset === undefined) return okJson({ total: outcome.total, results });
        const after = String(outcome.nextOffset);
        return okJson({
          total: outcome.total,
          results,
          paging: { next: { after, link: `?after=${after}` } },
        });
      }),
  });
  return [search];
}
