import type { MoneyValue } from '../model.js';

/** Provider-neutral sums per time bucket (proposed shared home: `datasources/payments/`). */

/**
 * The bucket a time falls in: the last start at or before it, or -1 before the first start.
 * `starts` must be ascending; the last bucket runs to the end of the queried range.
 */
export function bucketIndex(starts: readonly Date[], at: Date): number {
  const t = at.getTime();
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] as Date).getTime() <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Adds money into per-bucket, per-currency totals. */
export class BucketSums {
  private readonly sums: Array<Map<string, bigint>>;

  constructor(private readonly starts: readonly Date[]) {
    this.sums = starts.map(() => new Map());
  }

  add(at: Date, value: MoneyValue): void {
    const bucket = this.sums[bucketIndex(this.starts, at)];
    if (!bucket) return;
    bucket.set(value.currency, (bucket.get(value.currency) ?? 0n) + value.minor);
  }

  /** One list per bucket, currencies in alphabetical order so answers are stable. */
  result(): MoneyValue[][] {
    return this.sums.map((bucket) =>
      [...bucket.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([currency, minor]) => ({ minor, currency })),
    );
  }
}
