import { bucketStarts, nextBucketStart } from '../../datasources/buckets.js';
import type { Interval, MoneyValue } from '../../datasources/model.js';
import type { RequestContext } from '../graphql/context.js';
import { UserInputError } from '../errors/concord-error.js';

/** The most buckets one metrics query may ask for: a year by day, or a month by hour. */
export const MAX_BUCKETS = 1000;

/** One column of the series: a provider's answer, or why it has none. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface MetricsBucketParent {
  index: number;
  start: Date;
  end: Date;
  revenue: Settled<MoneyValue[][]>;
  activeUsers: Settled<number[]>;
  newCustomers: Settled<number[]>;
}

export interface MetricsSeriesParent {
  since: Date;
  until: Date;
  interval: Interval;
  buckets: MetricsBucketParent[];
}

/** Bucket starts covering [since, until), by the one alignment rule every provider follows. */
export function bucketsFor(since: Date, until: Date, interval: Interval): Date[] {
  if (since.getTime() >= until.getTime())
    throw new UserInputError('`since` must be before `until`.', 'since');
  // Bounded before building: a year by hour would be 8,760 buckets.
  const roughCount = (until.getTime() - since.getTime()) / APPROXIMATE_BUCKET_MS[interval];
  if (roughCount > MAX_BUCKETS + 2) {
    throw new UserInputError(
      `That range has more than ${MAX_BUCKETS} buckets; use a longer interval.`,
      'interval',
    );
  }
  const starts = bucketStarts(since, until, interval);
  if (starts.length > MAX_BUCKETS) {
    throw new UserInputError(
      `That range has more than ${MAX_BUCKETS} buckets; use a longer interval.`,
      'interval',
    );
  }
  return starts;
}

const APPROXIMATE_BUCKET_MS: Record<Interval, number> = {
  HOUR: 3_600_000,
  DAY: 86_400_000,
  WEEK: 7 * 86_400_000,
  MONTH: 28 * 86_400_000,
};

async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Asks the three providers at once; one failing leaves the other two columns intact. */
export async function loadMetrics(
  since: Date,
  until: Date,
  interval: Interval,
  ctx: RequestContext,
): Promise<MetricsSeriesParent> {
  const starts = bucketsFor(since, until, interval);
  const { crm, payments, analytics } = ctx.services.providers;
  const [revenue, activeUsers, newCustomers] = await Promise.all([
    settle(payments.revenueByBucket(since, until, starts)),
    settle(
      analytics.activeUsersByBucket(since, until, interval).then((rows) => {
        const byStart = new Map(rows.map((r) => [r.start.getTime(), r.count]));
        return starts.map((s) => byStart.get(s.getTime()) ?? 0);
      }),
    ),
    settle(crm.countContactsCreated(since, until, starts)),
  ]);
  return {
    since,
    until,
    interval,
    buckets: starts.map((start, index) => ({
      index,
      start,
      end: new Date(nextBucketStart(start.getTime(), interval)),
      revenue,
      activeUsers,
      newCustomers,
    })),
  };
}

/**
 * A bucket's value from its column. A failed provider reports its error once, on the first
 * bucket, and leaves the column null everywhere else, rather than repeating one error per bucket.
 */
export function columnValue<T>(column: Settled<T[]>, index: number): T | null {
  if (column.ok) return column.value[index] ?? null;
  if (index === 0) throw column.error;
  return null;
}
