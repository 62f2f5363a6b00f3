import type { Interval } from './model.js';

/**
 * The one bucket-alignment rule for the metrics series. Buckets are UTC-aligned: hours and days at
 * UTC midnight boundaries, weeks on ISO Mondays, months on the 1st. The gateway uses these same
 * functions to build the bucket starts it hands to the CRM and payments ports, so every series of
 * one answer lines up with PostHog's `toStartOfHour` / `toStartOfDay` / `toMonday` / `toStartOfMonth`.
 *
 * Provider-neutral: PostHog groups with the same rule, and CRM and payment counts are bucketed by it.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The start of the bucket that contains `t` (epoch ms). */
export function alignToBucket(t: number, interval: Interval): number {
  switch (interval) {
    case 'HOUR':
      return Math.floor(t / HOUR_MS) * HOUR_MS;
    case 'DAY':
      return Math.floor(t / DAY_MS) * DAY_MS;
    case 'WEEK': {
      const day = Math.floor(t / DAY_MS) * DAY_MS;
      // getUTCDay counts from Sunday; ISO weeks count from Monday.
      const daysSinceMonday = (new Date(day).getUTCDay() + 6) % 7;
      return day - daysSinceMonday * DAY_MS;
    }
    case 'MONTH': {
      const d = new Date(t);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

/** The start of the bucket after the one starting at `start` (months have uneven lengths). */
export function nextBucketStart(start: number, interval: Interval): number {
  switch (interval) {
    case 'HOUR':
      return start + HOUR_MS;
    case 'DAY':
      return start + DAY_MS;
    case 'WEEK':
      return start + 7 * DAY_MS;
    case 'MONTH': {
      const d = new Date(start);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
  }
}

/**
 * Every bucket start that overlaps [since, until), oldest first. The first start may lie before
 * `since` (a partial bucket keeps its aligned start); an empty or inverted range has no buckets.
 */
export function bucketStarts(since: Date, until: Date, interval: Interval): Date[] {
  const starts: Date[] = [];
  const end = until.getTime();
  for (let t = alignToBucket(since.getTime(), interval); t < end; t = nextBucketStart(t, interval))
    starts.push(new Date(t));
  return starts;
}
