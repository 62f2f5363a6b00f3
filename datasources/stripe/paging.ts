import type { Page, PaymentStatus } from '../model.js';
import { MAX_PAGE_SIZE, exactClause } from './client.js';

// ---- paging ------------------------------------------------------------------------

export function pageSize(limit: number): number {
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit)));
}

/**
 * A page of a Stripe list. Stripe lists are newest first in both directions, and a cursor is an
 * object id, so an item's own id is its cursor; `has_more` speaks for the direction we went.
 */
export function listPage<T>(
  items: T[],
  ids: string[],
  hasMore: boolean,
  direction: { backward: boolean; fromCursor: boolean },
): Page<T> {
  const first = ids[0] ?? null;
  const last = ids[ids.length - 1] ?? null;
  return {
    items,
    cursors: ids,
    // Going back, the cursor object itself lies after this page; going forward, before it.
    nextCursor: direction.backward ? last : hasMore ? last : null,
    previousCursor: direction.backward ? (hasMore ? first : null) : direction.fromCursor ? first : null,
    totalCount: null,
  };
}

/**
 * Search pages are tokens, not ids, so an item's cursor is "the page token it came in, and how many
 * results of that page to skip": a later request can start right after any item.
 */
const SEARCH_CURSOR = /^search:(\d{1,3}):(.*)$/s;

export function encodeSearchCursor(pageToken: string | null, skip: number): string {
  return `search:${skip}:${pageToken ?? ''}`;
}

export function decodeSearchCursor(cursor: string): { pageToken: string | null; skip: number } {
  const match = SEARCH_CURSOR.exec(cursor);
  if (!match) throw new TypeError('not a Stripe search cursor (a list cursor was sent to a filtered list)');
  return { pageToken: match[2] === '' ? null : (match[2] ?? null), skip: Number(match[1]) };
}

/**
 * How a status filter reads in Stripe's search: `refunded` is true only for full refunds and
 * partial refunds have no search field, so two statuses also need a check on our side (`exact`
 * false: Stripe's total_count then counts more than we show).
 */
export function statusSearch(status: PaymentStatus): { clauses: string[]; exact: boolean } {
  switch (status) {
    case 'SUCCEEDED':
    case 'PARTIALLY_REFUNDED':
      return {
        clauses: [exactClause('status', 'succeeded'), exactClause('refunded', 'false')],
        exact: false,
      };
    case 'REFUNDED':
      return { clauses: [exactClause('status', 'succeeded'), exactClause('refunded', 'true')], exact: true };
    case 'PENDING':
      return { clauses: [exactClause('status', 'pending')], exact: true };
    case 'FAILED':
      return { clauses: [exactClause('status', 'failed')], exact: true };
  }
}
