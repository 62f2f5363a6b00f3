import type { Page, PageRequest } from '../model.js';
import { UnsupportedPagingError } from '../model.js';
import { ProviderError, ProviderErrorCode } from '../transport/errors.js';
import { literal } from './soql.js';
import { SF_ID } from './wire.js';
import { PROVIDER_NAME } from './mapping.js';

/**
 * Relay pages over SOQL by keyset: `WHERE Id > '<last id>' ORDER BY Id LIMIT n+1`. One query per
 * page, stable while records are added, and no server-side cursor held open: Salesforce keeps
 * only a few query locators per user, and `OFFSET` stops at 2,000 (FACTS §7.2). The item cursor is
 * the record's id. Salesforce pages only forward here.
 */

/** The keyset condition for `page`, or null on the first page; a cursor that is not an id is refused. */
export function afterCondition(page: PageRequest, endpoint: string): string | null {
  if (page.before !== undefined && page.before !== null) {
    throw new UnsupportedPagingError("Salesforce's lists only page forward.");
  }
  if (page.after === undefined || page.after === null) return null;
  if (!SF_ID.test(page.after)) {
    throw new ProviderError({
      provider: PROVIDER_NAME,
      endpoint,
      status: null,
      code: ProviderErrorCode.REJECTED,
      retryable: false,
      providerCode: 'INVALID_CURSOR',
    });
  }
  return `Id > ${literal(page.after)}`;
}

/** Rows to ask for: one more than the page, to know whether another follows. */
export function rowsFor(page: PageRequest): number {
  return Math.max(0, Math.floor(page.limit)) + 1;
}

/** The page from `limit + 1` rows ordered by id. */
export function keysetPage<R extends { Id: string }, T>(
  rows: readonly R[],
  page: PageRequest,
  map: (row: R) => T,
): Page<T> {
  const limit = Math.max(0, Math.floor(page.limit));
  const kept = rows.slice(0, limit);
  const cursors = kept.map((row) => row.Id);
  return {
    items: kept.map(map),
    nextCursor: rows.length > limit ? (cursors.at(-1) ?? null) : null,
    previousCursor: null,
    cursors,
    totalCount: null,
  };
}
