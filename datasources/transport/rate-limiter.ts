/**
 * A provider's request quota: at most `limit` calls in any `windowMs`, counted in a sliding log
 * of the calls made. A token bucket of the same size would let up to twice the limit through in
 * one of the provider's windows (a full bucket, then its refill); the log never lets more than
 * `limit` through in any window however the provider aligns its own.
 *
 * The provider counts a call when it arrives, which is some time after we let it go and before
 * its answer is back; on a loaded machine that gap varies by hundreds of ms. So a call is logged
 * at the latest time it can have arrived: while it is out that is "now" (it counts in every
 * window until it ends), and once it is over, the time it ended. A call let go `windowMs` after
 * another one ended then arrives at least `windowMs` after that one did, whatever either's delay:
 * no window of the provider's, however placed, sees more than `limit`. The price is one round
 * trip per call: a call holds its room for its window plus its own duration.
 */
export interface QuotaLimit {
  limit: number;
  windowMs: number;
}

/** One window of one provider × credential (and endpoint class): the store's key and its size. */
export interface QuotaBucket extends QuotaLimit {
  key: string;
}

export interface QuotaTake {
  granted: boolean;
  /** When refused: milliseconds until every bucket has room again (and no pause holds). */
  waitMs: number;
  /** When granted: calls left in the fullest bucket's window. */
  remaining: number;
}

/**
 * Where the logs live: in this process, or shared by every replica (Redis). Each operation is
 * atomic over the buckets it is given, so a call takes from all its windows or from none.
 */
export interface QuotaStore {
  /**
   * Records one call in every bucket if each has room and none is paused; the call counts as
   * made now until `complete` says it is over.
   */
  take(buckets: readonly QuotaBucket[], member: string): Promise<QuotaTake>;
  /** The call `member` is over (answered or failed): from now on it counts from this moment. */
  complete(buckets: readonly QuotaBucket[], member: string): Promise<void>;
  /**
   * The provider said only `remaining` calls are left in its window: counts phantom calls (made
   * by someone else with the same credential) until the log agrees. Never frees room.
   */
  settle(bucket: QuotaBucket, remaining: number, member: string): Promise<void>;
  /** No call may be taken from the bucket for `ms` (a 429's Retry-After); a longer pause wins. */
  pause(bucket: QuotaBucket, ms: number): Promise<void>;
}

interface Log {
  /** When the calls in the window ended (or were counted by `settle`), oldest first. */
  stamps: number[];
  /** Calls let go and not over yet: each may still reach the provider at any moment. */
  open: Set<string>;
  pausedUntil: number;
}

function trimmed(log: Log, now: number, windowMs: number): Log {
  let drop = 0;
  while (drop < log.stamps.length && (log.stamps[drop] as number) <= now - windowMs) drop += 1;
  if (drop > 0) log.stamps.splice(0, drop);
  return log;
}

/** Calls in the log's window: those over and those still out. */
function used(log: Log): number {
  return log.stamps.length + log.open.size;
}

/** Keeps `stamps` oldest first even if the clock stepped back. */
function insertStamp(stamps: number[], at: number): void {
  let i = stamps.length;
  while (i > 0 && (stamps[i - 1] as number) > at) i -= 1;
  stamps.splice(i, 0, at);
}

/**
 * The arithmetic the Redis script repeats: how long until the bucket has room. The call that
 * leaves the window next is the `limit`-th newest; room comes when it is `windowMs` old. A call
 * still out is the newest of all (it counts as made now), so if it is the one that must leave,
 * room comes no sooner than a whole window from now.
 */
function waitFor(log: Log, now: number, bucket: QuotaLimit): number {
  const paused = Math.max(0, log.pausedUntil - now);
  const used = log.stamps.length + log.open.size;
  if (used < bucket.limit) return paused;
  const leaving = log.stamps[used - bucket.limit] ?? now;
  return Math.max(paused, leaving + bucket.windowMs - now, 1);
}

/** Logs in this process only: a single replica, and every replica's fallback while Redis is down. */
export class MemoryQuotaStore implements QuotaStore {
  private readonly logs = new Map<string, Log>();

  constructor(private readonly now: () => number = Date.now) {}

  private log(bucket: QuotaBucket, now: number): Log {
    let log = this.logs.get(bucket.key);
    if (!log) {
      log = { stamps: [], open: new Set(), pausedUntil: 0 };
      this.logs.set(bucket.key, log);
    }
    return trimmed(log, now, bucket.windowMs);
  }

  async take(buckets: readonly QuotaBucket[], member: string): Promise<QuotaTake> {
    const now = this.now();
    const logs = buckets.map((b) => this.log(b, now));
    const waitMs = Math.max(0, ...buckets.map((b, i) => waitFor(logs[i] as Log, now, b)));
    if (waitMs > 0) return { granted: false, waitMs, remaining: 0 };
    for (const log of logs) log.open.add(member);
    const remaining = Math.min(...buckets.map((b, i) => b.limit - used(logs[i] as Log)));
    return { granted: true, waitMs: 0, remaining };
  }

  async complete(buckets: readonly QuotaBucket[], member: string): Promise<void> {
    const now = this.now();
    for (const bucket of buckets) {
      const log = this.log(bucket, now);
      if (log.open.delete(member)) insertStamp(log.stamps, now);
    }
  }

  /** Milliseconds until every bucket has room here (0: room now), recording nothing. */
  waitMs(buckets: readonly QuotaBucket[]): number {
    const now = this.now();
    return Math.max(0, ...buckets.map((b) => waitFor(this.log(b, now), now, b)));
  }

  /** Calls in the bucket's window here. */
  used(bucket: QuotaBucket): number {
    return used(this.log(bucket, this.now()));
  }

  /**
   * Records a call taken elsewhere (in the shared store), so a fallback to this store starts from
   * it; `complete` ends it here too.
   */
  note(buckets: readonly QuotaBucket[], member: string): void {
    const now = this.now();
    for (const bucket of buckets) this.log(bucket, now).open.add(member);
  }

  async settle(bucket: QuotaBucket, remaining: number): Promise<void> {
    const now = this.now();
    const log = this.log(bucket, now);
    const want = Math.min(bucket.limit, bucket.limit - remaining);
    while (used(log) < want) insertStamp(log.stamps, now);
  }

  async pause(bucket: QuotaBucket, ms: number): Promise<void> {
    const log = this.log(bucket, this.now());
    log.pausedUntil = Math.max(log.pausedUntil, this.now() + ms);
  }
}
