import { randomUUID } from 'node:crypto';
import { FairQueue } from './fair-queue.js';
import { cancelledError, deadlineError, quotaExhaustedError } from './policy-errors.js';
import type { QuotaBucket, QuotaLimit, QuotaStore, QuotaTake } from './rate-limiter.js';

/**
 * A call is only let go with this much of its request's deadline left: one granted later would
 * mostly be cut off by the deadline, spending the provider's quota (and counting as a failure)
 * for nothing.
 */
export const DEFAULT_MIN_CALL_MS = 250;
/** Calls made outside any client request (start-up, background work) share one lane. */
export const SYSTEM_LANE = 'system';
/** What a call refused because the store itself failed is told to wait before trying again. */
const STORE_FAILED_RETRY_MS = 1_000;

/** One of a provider's windows, e.g. Stripe's 25 calls per second; `name` keys its log. */
export interface QuotaWindow extends QuotaLimit {
  name: string;
}

/**
 * A group of a provider's endpoints that take from the same windows, e.g. Stripe search (its own
 * 20/s and the 25/s every call takes) or HubSpot search (its own 4/s, outside the ten-second
 * window). The first class whose `matches` accepts the endpoint template applies; a class with no
 * windows is not limited.
 */
export interface QuotaClass {
  name: string;
  matches?: (endpoint: string) => boolean;
  /** Names of the windows every call of the class takes from. */
  windows: readonly string[];
  /** Whether the provider's rate-limit headers on these calls describe the first window. */
  adapts?: boolean;
}

/** What a provider's response says about its window (HubSpot's X-HubSpot-RateLimit-* headers). */
export interface QuotaHint {
  limit?: number;
  windowMs?: number;
  remaining?: number;
}
export type QuotaHintReader = (headers: Readonly<Record<string, string>>) => QuotaHint | null;

export interface ProviderQuotaOptions {
  provider: string;
  /** Keys carry a fingerprint of the credential, never the credential. */
  credentialFingerprint: string;
  windows: readonly QuotaWindow[];
  classes: readonly QuotaClass[];
  store: QuotaStore;
  readHint?: QuotaHintReader;
  minAttemptMs?: number;
  /**
   * Calls granted and not yet over, across the provider's classes (its bulkhead size): room is
   * only handed out with a slot free, so a granted call goes out at once and reaches the provider
   * in the order, and at the pace, it was granted. Unlimited when unset.
   */
  concurrency?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface QuotaClassState {
  name: string;
  /** The windows the class takes from, as adapted to the provider's headers. */
  limits: QuotaLimit[];
  /** Calls left in the fullest window at the last grant; null before the first. */
  remaining: number | null;
  waiting: number;
  /** Clients with calls waiting. */
  lanes: number;
}

export interface QuotaState {
  provider: string;
  classes: QuotaClassState[];
  /** Since start: calls refused because no room came before their deadline. */
  throttled: number;
  /** Since start: 429s the provider answered (each pauses the class's windows). */
  rateLimited: number;
}

interface Waiter {
  endpoint: string;
  /** Epoch ms by which the token must come; null waits as long as it takes. */
  latest: number | null;
  /** `member`: the call's entry in the store's logs, ended when the call is over. */
  grant(member: string): void;
  refuse(retryAfterMs: number): void;
}

interface Line {
  cls: QuotaClass;
  buckets: QuotaBucket[];
  queue: FairQueue<Waiter>;
  draining: boolean;
  /** A loop is due to start (drainSoon). */
  starting: boolean;
  remaining: number | null;
  pausedUntil: number;
}

/** Unref'd: a wait for room must not keep a process alive that has nothing else to do. */
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Ends a granted call (once, whatever happened to it). */
export type QuotaRelease = () => void;

/**
 * One provider × credential's quota, in front of every attempt: a call waits in its client's lane
 * for room in every window of its endpoint class, lanes served round-robin, so one client's burst
 * waits behind itself. A call whose wait cannot end before its deadline fails at once
 * (QUOTA_EXHAUSTED, with the wait as retryAfterMs). The windows live in the injected store
 * (Redis: shared by every replica), adapt to the provider's headers, and pause on its 429s.
 */
export class ProviderQuota {
  readonly provider: string;
  private readonly lines: Line[];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly minAttemptMs: number;
  private readonly memberPrefix = randomUUID().slice(0, 8);
  private sequence = 0;
  private throttled = 0;
  private rateLimited = 0;
  private inFlight = 0;
  /** Takes sent to the store and not yet answered (each may become a call in flight). */
  private taking = 0;
  /** Classes whose next call waits for a call in flight to end. */
  private readonly blocked = new Set<Line>();

  constructor(private readonly options: ProviderQuotaOptions) {
    this.provider = options.provider;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.minAttemptMs = options.minAttemptMs ?? DEFAULT_MIN_CALL_MS;
    // One bucket object per window, shared by the classes that take from it, so an adapted limit holds for all.
    const buckets = new Map<string, QuotaBucket>(
      options.windows.map(({ name, limit, windowMs }) => [
        name,
        {
          limit,
          windowMs,
          // One hash tag per provider × credential: a call's buckets share one Redis Cluster slot,
          // so one script can take from all of them at once.
          key: `concord:quota:{${options.provider}:${options.credentialFingerprint}}:${name}`,
        },
      ]),
    );
    this.lines = options.classes.map((cls) => ({
      cls,
      buckets: cls.windows.map((name) => {
        const bucket = buckets.get(name);
        if (!bucket) throw new Error(`quota class ${cls.name} names an unknown window ${name}`);
        return bucket;
      }),
      queue: new FairQueue<Waiter>(),
      draining: false,
      starting: false,
      remaining: null,
      pausedUntil: 0,
    }));
  }

  /**
   * Resolves, with the function to call once the call is over, when the call may go upstream;
   * rejects with QUOTA_EXHAUSTED when room cannot come before `deadline` (less the time the call
   * itself needs), or when `signal` aborts.
   */
  acquire(
    endpoint: string,
    lane: string,
    deadline: number | null,
    signal?: AbortSignal,
  ): Promise<QuotaRelease> {
    const line = this.lineFor(endpoint);
    if (!line) return Promise.resolve(() => undefined);
    const now = this.now();
    const latest = deadline === null ? null : deadline - this.minAttemptMs;
    // Too little of the request's deadline left to make a call at all: the deadline's failure, not
    // the quota's (a provider with room must not be reported as rate limiting).
    if (latest !== null && now > latest) return Promise.reject(deadlineError(this.provider, endpoint));
    const soonest = this.soonestGrant(line, lane, now);
    if (latest !== null && now + soonest > latest) return Promise.reject(this.refusal(endpoint, soonest));
    return new Promise<QuotaRelease>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        endpoint,
        latest,
        grant: (member) => {
          done();
          resolve(this.releaser(line, member));
        },
        refuse: (retryAfterMs) => {
          done();
          reject(this.refusal(endpoint, retryAfterMs));
        },
      };
      const leave = () => {
        if (line.queue.remove(lane, waiter)) waiter.refuse(this.soonestGrant(line, lane, this.now()));
      };
      // The caller gave up (its deadline's timeout, or its request is over): not a refusal of ours.
      const onAbort = () => {
        if (!line.queue.remove(lane, waiter)) return;
        done();
        reject(cancelledError(this.provider, endpoint));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (latest !== null) timer = setTimeout(leave, Math.max(0, latest - now));
      line.queue.push(lane, waiter);
      this.drainSoon(line);
    });
  }

  /** A response's rate-limit headers: the provider's own limit and what is left of it win. */
  observe(endpoint: string, headers: Readonly<Record<string, string>>): void {
    const line = this.lineFor(endpoint);
    const hint = line?.cls.adapts ? this.options.readHint?.(headers) : null;
    const bucket = line?.buckets[0];
    if (!hint || !bucket) return;
    if (hint.limit !== undefined && hint.limit >= 1) bucket.limit = hint.limit;
    if (hint.windowMs !== undefined && hint.windowMs >= 1) bucket.windowMs = hint.windowMs;
    if (hint.remaining !== undefined && hint.remaining >= 0) {
      // Best effort: a store that fails here only misses a hint; the next response brings another.
      this.options.store.settle(bucket, hint.remaining, this.member()).catch(() => undefined);
    }
  }

  /** The provider answered 429: nobody takes from the class's windows for the wait it asked. */
  rateLimitedBy(endpoint: string, retryAfterMs: number | undefined): void {
    const line = this.lineFor(endpoint);
    if (!line) return;
    this.rateLimited += 1;
    for (const bucket of line.buckets) {
      const ms = Math.max(1, retryAfterMs ?? bucket.windowMs);
      line.pausedUntil = Math.max(line.pausedUntil, this.now() + ms);
      this.options.store.pause(bucket, ms).catch(() => undefined);
    }
  }

  state(): QuotaState {
    return {
      provider: this.provider,
      classes: this.lines.map((line) => ({
        name: line.cls.name,
        limits: line.buckets.map(({ limit, windowMs }) => ({ limit, windowMs })),
        remaining: line.remaining,
        waiting: line.queue.size,
        lanes: line.queue.activeLanes,
      })),
      throttled: this.throttled,
      rateLimited: this.rateLimited,
    };
  }

  /**
   * Counts a granted call in flight; its release (once, whatever happens) ends its log entry (it
   * holds its window from now on) and lets the next call go.
   */
  private releaser(line: Line, member: string): QuotaRelease {
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      // Best effort: an entry the store fails to end stays counted as made now (until its lease ends).
      // A call given up without an answer (timeout, cancel) ends here too, though the provider may
      // still read it from its socket later: holding such calls 2 s longer, one chaos Stripe storm
      // used 72% of its quota (84% and 89% without), for a late arrival never seen.
      this.options.store.complete(line.buckets, member).catch(() => undefined);
      for (const blocked of [...this.blocked]) {
        this.blocked.delete(blocked);
        this.drain(blocked);
      }
    };
  }

  /** Calls that may still be let go now: the bulkhead's free slots less the takes in progress. */
  private freeSlots(): number {
    const { concurrency } = this.options;
    return concurrency === undefined ? Number.POSITIVE_INFINITY : concurrency - this.inFlight - this.taking;
  }

  private lineFor(endpoint: string): Line | undefined {
    const line = this.lines.find((l) => !l.cls.matches || l.cls.matches(endpoint));
    return line && line.buckets.length > 0 ? line : undefined;
  }

  /**
   * A lower bound on the wait of a new call in `lane`: the calls served before it in turn (its
   * lane's and, round by round, the other lanes') at the slowest window's rate, less the room
   * left at the last grant, and any pause.
   */
  private soonestGrant(line: Line, lane: string, now: number): number {
    const perMs = Math.min(...line.buckets.map((b) => b.limit / b.windowMs));
    const ahead = line.queue.servedBefore(lane) + 1 - Math.max(0, line.remaining ?? Number.POSITIVE_INFINITY);
    return Math.max(line.pausedUntil - now, ahead > 0 ? ahead / perMs : 0);
  }

  private refusal(endpoint: string, retryAfterMs: number) {
    this.throttled += 1;
    return quotaExhaustedError(this.provider, endpoint, retryAfterMs);
  }

  private member(): string {
    this.sequence += 1;
    return `${this.memberPrefix}:${this.sequence}`;
  }

  /**
   * Starts the class's loop once everything running now has queued its calls: a level of a cold
   * request asks for its calls from several promise chains, and they take their room together (one
   * store round trip, not one for the first call and another for the rest).
   */
  private drainSoon(line: Line): void {
    if (line.draining || line.starting) return;
    line.starting = true;
    process.nextTick(() => {
      line.starting = false;
      this.drain(line);
    });
  }

  /** One loop per class hands out room as it comes, to the lanes in turn; it ends when none wait. */
  private drain(line: Line): void {
    if (line.draining) return;
    line.draining = true;
    this.serve(line)
      .catch(() => {
        // The store failed past its own fallback: the waiting calls fail closed rather than go unlimited.
        for (const waiter of line.queue.drop(() => true)) waiter.refuse(STORE_FAILED_RETRY_MS);
      })
      .finally(() => {
        line.draining = false;
        if (line.queue.size > 0 && !this.blocked.has(line)) this.drain(line);
      });
  }

  /**
   * Takes room for every waiter a slot is free for at once: a level of a cold request queues its
   * calls together (five Stripe searches), and one take after another cost a store round trip each
   * before the last call could go (~1.5 ms apiece, bench/cold-trace). The store still decides each
   * take atomically and in the order sent (one Redis connection), so no window ever holds more.
   */
  private async serve(line: Line): Promise<void> {
    while (line.queue.size > 0) {
      const room = Math.min(line.queue.size, this.freeSlots());
      if (room <= 0) {
        this.blocked.add(line);
        return;
      }
      const members = Array.from({ length: room }, () => this.member());
      this.taking += room;
      let results: Array<PromiseSettledResult<QuotaTake>>;
      try {
        results = await Promise.allSettled(members.map((m) => this.options.store.take(line.buckets, m)));
      } finally {
        this.taking -= room;
      }
      let refused: QuotaTake | undefined;
      let failure: { error: unknown } | undefined;
      for (const [i, result] of results.entries()) {
        const member = members[i] as string;
        if (result.status === 'rejected') {
          failure ??= { error: result.reason };
          continue;
        }
        const taken = result.value;
        if (!taken.granted) {
          if (!refused || taken.waitMs > refused.waitMs) refused = taken;
          continue;
        }
        line.remaining = taken.remaining;
        const waiter = line.queue.shift();
        // Nobody left to use the room (the last one gave up meanwhile): the entry ends unused.
        if (waiter) waiter.grant(member);
        else await this.options.store.complete(line.buckets, member);
      }
      if (failure) throw failure.error;
      if (!refused) continue;
      line.remaining = 0;
      const until = this.now() + refused.waitMs;
      // Whoever cannot be served before their deadline is told now, not when it passes.
      for (const waiter of line.queue.drop((w) => w.latest !== null && w.latest < until))
        waiter.refuse(refused.waitMs);
      if (line.queue.size > 0) await this.sleep(refused.waitMs);
    }
  }
}
