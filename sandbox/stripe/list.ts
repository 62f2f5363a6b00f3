import type { Reply } from '../http/route.js';
import { invalidRequest, resourceMissing } from './errors.js';
import { positionIn, type Listed } from './collection.js';
import { inRange, type Range } from './params.js';

export interface ListPaging {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
}

export interface ListQuery<T extends Listed> extends ListPaging {
  /** The candidates, in list order (the whole collection or one parent's group). */
  source: readonly T[];
  /** Filters other than `created`. */
  matches?: (item: T) => boolean;
  created?: Range;
  /** The object type, for "No such ..." when a cursor is not in this list. */
  objectType: string;
  lookup: (id: string) => T | undefined;
}

export type PageResult<T> = { ok: true; data: T[]; hasMore: boolean } | { ok: false; reply: Reply };

export const DEFAULT_LIMIT = 10;

/** First index whose `created` is at most `max`: the list is newest first, so newer rows are skipped by search. */
function firstAtOrBefore(source: readonly Listed[], max: number): number {
  let lo = 0;
  let hi = source.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((source[mid] as Listed).created > max) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(range: Range | undefined): number {
  if (!range) return Infinity;
  return Math.min(range.lte ?? Infinity, range.lt !== undefined ? range.lt - 1 : Infinity);
}

function lowerBound(range: Range | undefined): number {
  if (!range) return -Infinity;
  return Math.max(range.gte ?? -Infinity, range.gt !== undefined ? range.gt + 1 : -Infinity);
}

/** One page of a Stripe list: newest first, `limit + 1` looked at to know `has_more`. */
export function paginate<T extends Listed>(query: ListQuery<T>): PageResult<T> {
  const { source, created } = query;
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (query.starting_after !== undefined && query.ending_before !== undefined) {
    return {
      ok: false,
      reply: invalidRequest(
        'You may only specify one of these parameters: ending_before, starting_after.',
        'ending_before',
      ),
    };
  }
  const matches = (item: T): boolean => inRange(item.created, created) && (query.matches?.(item) ?? true);
  const cursorParam = query.starting_after !== undefined ? 'starting_after' : 'ending_before';
  const cursorId = query.starting_after ?? query.ending_before;
  let cursorAt = -1;
  if (cursorId !== undefined) {
    const item = query.lookup(cursorId);
    const at = item ? positionIn(source, item) : -1;
    if (!item || source[at] !== item || !matches(item)) {
      return { ok: false, reply: resourceMissing(query.objectType, cursorId, cursorParam, 400) };
    }
    cursorAt = at;
  }

  const newest = firstAtOrBefore(source, upperBound(created));
  const oldestCreated = lowerBound(created);
  const found: T[] = [];
  if (query.ending_before !== undefined) {
    for (let i = cursorAt - 1; i >= newest && found.length <= limit; i--) {
      const item = source[i] as T;
      if (matches(item)) found.push(item);
    }
    const hasMore = found.length > limit;
    return { ok: true, data: found.slice(0, limit).reverse(), hasMore };
  }
  for (let i = Math.max(newest, cursorAt + 1); i < source.length && found.length <= limit; i++) {
    const item = source[i] as T;
    if (item.created < oldestCreated) break;
    if (matches(item)) found.push(item);
  }
  const hasMore = found.length > limit;
  return { ok: true, data: found.slice(0, limit), hasMore };
}

export function listEnvelope(data: unknown[], hasMore: boolean, url: string): Record<string, unknown> {
  return { object: 'list', data, has_more: hasMore, url };
}
