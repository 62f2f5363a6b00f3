import type { Page } from '../model.js';
import type { Slice } from './wire.js';

// ---- per-item cursors --------------------------------------------------------------------------

/**
 * HubSpot cursors only point at page starts, but Relay needs a cursor per item. An item cursor is
 * the start of the HubSpot page it came from and how many of that page's items to skip.
 */
export interface ItemPosition {
  after: string | null;
  skip: number;
}

const CURSOR_SEPARATOR = '~';

export function encodeItemCursor(position: ItemPosition): string {
  return `${position.after ?? ''}${CURSOR_SEPARATOR}${position.skip}`;
}

/** The position in `cursor`, or null when it is not one of ours. */
export function decodeItemCursor(cursor: string): ItemPosition | null {
  const at = cursor.lastIndexOf(CURSOR_SEPARATOR);
  if (at < 0) return null;
  const skip = cursor.slice(at + 1);
  if (!/^\d{1,6}$/.test(skip)) return null;
  const after = cursor.slice(0, at);
  return { after: after === '' ? null : after, skip: Number(skip) };
}

type FetchSlice<T> = (after: string | null, limit: number) => Promise<Slice<T>>;

interface Walked<T> {
  items: T[];
  cursors: string[];
  hasMore: boolean;
  total: number | null;
}

/**
 * Reads `limit` items from `start`, asking HubSpot for no more than it needs: the skipped items plus
 * the wanted ones, split over as many pages as HubSpot's page size requires.
 */
export async function walk<T>(
  fetch: FetchSlice<T>,
  pageMax: number,
  start: ItemPosition,
  limit: number,
): Promise<Walked<T>> {
  const items: T[] = [];
  const cursors: string[] = [];
  let total: number | null = null;
  // HubSpot refuses `limit: 0`; asking for nothing needs no call.
  if (!(limit >= 1)) return { items, cursors, hasMore: false, total };
  limit = Math.floor(limit);
  let { after, skip } = start;
  for (;;) {
    const wanted = limit - items.length;
    const slice = await fetch(after, Math.min(pageMax, skip + wanted));
    total ??= slice.total ?? null;
    const taken = slice.results.slice(skip, skip + wanted);
    taken.forEach((item, k) => {
      const index = skip + k;
      // The last item of a page resumes from the next page's own cursor, which costs no re-read.
      const last = index === slice.results.length - 1 && slice.next !== null;
      items.push(item);
      cursors.push(encodeItemCursor(last ? { after: slice.next, skip: 0 } : { after, skip: index + 1 }));
    });
    const consumed = skip + taken.length;
    if (items.length >= limit) {
      return { items, cursors, hasMore: consumed < slice.results.length || slice.next !== null, total };
    }
    // An empty page with a next cursor would loop forever; HubSpot means the end by it.
    if (slice.next === null || slice.results.length === 0) return { items, cursors, hasMore: false, total };
    skip = Math.max(0, skip - slice.results.length);
    after = slice.next;
  }
}

export function toPage<T, U>(walked: Walked<T>, map: (item: T) => U): Page<U> {
  return {
    items: walked.items.map(map),
    nextCursor: walked.hasMore ? (walked.cursors.at(-1) ?? null) : null,
    previousCursor: null,
    cursors: walked.cursors,
    totalCount: walked.total,
  };
}
