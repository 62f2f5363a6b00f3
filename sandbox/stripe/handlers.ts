import { z } from 'zod';
import type { Reply } from '../http/route.js';
import { json } from '../http/route.js';
import { newestFirst, type Collection, type Listed } from './collection.js';
import { invalidRequest, resourceMissing } from './errors.js';
import { applyExpand, planExpand, type Expanders } from './expand.js';
import { listEnvelope, paginate, type ListQuery } from './list.js';
import type { StripeObject } from './objects.js';
import { expandParam, intParam } from './params.js';
import type { RenderedTexts } from './rendered-texts.js';
import { withItemBytes } from './rendered-texts.js';
import { SearchCache } from './search-cache.js';
import type { SearchPageCodec } from './search-page.js';
import { MetadataIndex } from './search-index.js';
import { compileQuery, SearchQueryError, type CompiledQuery, type SearchSchema } from './search-query.js';

/** The three read shapes every Stripe resource shares: retrieve, list and search. */

export const idParams = z.object({ id: z.string().describe('Object id') });
export const retrieveQuery = z.object({ expand: expandParam }).strict();

export const MAX_QUERY_LENGTH = 5000;
export const searchQuery = z
  .object({
    query: z.string().max(MAX_QUERY_LENGTH).describe("Search query, e.g. status:'succeeded' AND amount>1000"),
    limit: intParam({ min: 1, max: 100 }).optional().describe('Page size, 1 to 100 (default 10)'),
    page: z.string().optional().describe('The next_page token of the previous result'),
    expand: expandParam,
  })
  .strict();

export interface Resource<T extends Listed> {
  objectType: string;
  collection: Collection<T>;
  render(item: T): StripeObject;
  expanders: Expanders;
  /** Matches of recent queries; made on the first search. */
  searchCache?: SearchCache<T>;
  /** Objects by metadata value; made on the first search that pins a metadata key. */
  metadataIndex?: MetadataIndex<T>;
  /**
   * The JSON text of `render(item)`, for resources whose rendering depends on nothing a write to
   * their own collection does not bump `version` for (charges: a refund touches its charge).
   */
  texts?: RenderedTexts<T>;
}

/**
 * The reply for a page of `items` in `envelope`'s `data`: joined from texts made once where the
 * resource keeps them and nothing is expanded, otherwise rendered now. Byte for byte the same.
 */
function pageReply<T extends Listed>(
  resource: Resource<T>,
  items: readonly T[],
  fields: readonly string[],
  envelope: Record<string, unknown>,
): Reply {
  const { texts } = resource;
  if (texts && fields.length === 0) {
    const { version } = resource.collection;
    const json = withItemBytes(
      envelope,
      'data',
      items.map((item) => texts.bytesOf(item, version)),
    );
    return { status: 200, json };
  }
  const data = items.map((item) => applyExpand(resource.render(item), fields, resource.expanders));
  return json(200, { ...envelope, data });
}

export function retrieve<T extends Listed>(resource: Resource<T>, id: string, expand?: string[]): Reply {
  const plan = planExpand(expand, resource.expanders, 'object');
  if (!plan.ok) return plan.reply;
  const item = resource.collection.get(id);
  if (!item) return resourceMissing(resource.objectType, id);
  return json(200, applyExpand(resource.render(item), plan.fields, resource.expanders));
}

export function list<T extends Listed>(
  resource: Resource<T>,
  url: string,
  query: Omit<ListQuery<T>, 'objectType' | 'lookup'> & { expand?: string[] },
): Reply {
  const plan = planExpand(query.expand, resource.expanders, 'list');
  if (!plan.ok) return plan.reply;
  const page = paginate({
    ...query,
    objectType: resource.objectType,
    lookup: (id) => resource.collection.get(id),
  });
  if (!page.ok) return page.reply;
  return pageReply(resource, page.data, plan.fields, listEnvelope([], page.hasMore, url));
}

export interface SearchInput {
  query: string;
  limit?: number;
  page?: string;
  expand?: string[];
}

/** The objects a query can match, from an index where the query pins an indexed value; every object otherwise. */
function candidatesOf<T extends Listed>(
  resource: Resource<T>,
  schema: SearchSchema<T>,
  compiled: CompiledQuery<T>,
  indexedField: string | undefined,
): readonly T[] {
  const pinned = indexedField ? compiled.pinned(indexedField) : null;
  if (pinned) return [...new Set(pinned)].flatMap((key) => resource.collection.group(key)).sort(newestFirst);
  const metadata = compiled.pinnedMetadata();
  if (metadata) {
    resource.metadataIndex ??= new MetadataIndex(resource.collection, schema.metadata);
    return resource.metadataIndex.lookup(metadata.key, metadata.values);
  }
  return resource.collection.all;
}

export function search<T extends Listed>(
  resource: Resource<T>,
  schema: SearchSchema<T>,
  pages: SearchPageCodec,
  input: SearchInput,
  /** A field with a per-parent index in the collection (e.g. charges by `customer`). */
  indexedField?: string,
): Reply {
  const plan = planExpand(input.expand, resource.expanders, 'search');
  if (!plan.ok) return plan.reply;
  let compiled;
  try {
    compiled = compileQuery(input.query, schema);
  } catch (error) {
    if (error instanceof SearchQueryError) return invalidRequest(error.message, 'query');
    throw error;
  }
  let offset = 0;
  if (input.page !== undefined) {
    const decoded = pages.decode(schema.resource, input.query, input.page);
    if (decoded === null) {
      return invalidRequest(
        'Invalid page: the token is malformed, was altered, or belongs to a different search query.',
        'page',
      );
    }
    offset = decoded;
  }
  const cache = (resource.searchCache ??= new SearchCache<T>());
  const { version } = resource.collection;
  let matches = cache.get(input.query, version);
  if (!matches) {
    matches = candidatesOf(resource, schema, compiled, indexedField).filter(compiled.matches);
    cache.set(input.query, version, matches);
  }
  const limit = input.limit ?? 10;
  const slice = matches.slice(offset, offset + limit);
  const hasMore = offset + limit < matches.length;
  const envelope: Record<string, unknown> = {
    object: 'search_result',
    data: [],
    has_more: hasMore,
    next_page: hasMore ? pages.encode(schema.resource, input.query, offset + limit) : null,
    url: `/v1/${schema.resource}/search`,
  };
  if (plan.totalCount) envelope.total_count = matches.length;
  return pageReply(resource, slice, plan.fields, envelope);
}
