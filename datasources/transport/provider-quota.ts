import { randomUUID } from 'node:crypto';
import { FairQueue } from './fair-queue.js';
import { cancelledError, quotaExhaustedError } from './policy-errors.js';
import type { QuotaBucket, QuotaLimit, QuotaStore } from './rate-limiter.js';

/**
 * A call is only let go with this much of its request's deadline left: one granted later would
 * mostly be cut off by the deadline, spending the provider's quota (and counting as a failure)
 * for nothing.
 */
export const DEFAULT_MIN_CALL_MS = 250;
/** Calls made outside any client request (start-up, background work) share one lane. */
export const SYSTEM_LANE = 'system';
/**
 * Each call is counted as holding its window a little longer than the window (the slack): a call
 * granted at the end of one window can reach the provider later than the next call, and the
 * provider counts arrivals, not our grants. A call reaches the provider after its room was taken
 * and before its answer comes back, so the longest recent call (from taking room to its answer)
 * bounds how much later one call can arrive than another: that is the slack, between the floor
 * and this ceiling (the slack before any call has been measured).
 */
export const DEFAULT_WINDOW_SLACK_MS = 100;
/** The slack never drops below this: two processes' clocks on one host still differ by a timer tick. */
export const DEFAULT_MIN_WINDOW_SLACK_MS = 5;
/**
 * The slack is measured over the latest calls, and over every call that ended within the longest
 * window: a call's log entry counts until its window (plus slack) is over, so its duration must
 * bound the slack for as long.
 */
const SLACK_SAMPLE = 32;
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
  /** The slack's ceiling (and its value until calls are measured); 0 turns it off. */
  windowSlackMs?: number;
  /** The slack's floor, however fast calls are. */
  minWindowSlackMs?: number;
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
  /** `takenAt`: when room was asked of the store for it (the call's log entry is no earlier). */
  grant(takenAt: number): void;
  refuse(retryAfterMs: number): void;
}

interface Line {
  cls: QuotaClass;
  buckets: QuotaBucket[];
  queue: FairQueue<Waiter>;
  draining: boolean;
  remaining: number | null;
  pausedUntil: number;
}

/** Unref'd: a wait for room must not keep a process alive that has nothing else to do. */
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

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
  private readonly maxSlackMs: number;
  private readonly minSlackMs: number;
  private slackMs: number;
  /** How long the latest calls took, from taking room to their end (the slack's measure). */
  private readonly durations: Array<{ endedAt: number; ms: number }> = [];
  /** When each call in flight took its room: one out longer than the slack may still arrive late. */
  private readonly open = new Set<{ takenAt: number }>();
  /** Each bucket's window without the slack (the provider's, as adapted to its headers). */
  private readonly baseWindows = new Map<QuotaBucket, number>();
  private readonly memberPrefix = randomUUID().slice(0, 8);
  private sequence = 0;
  private throttled = 0;
  private rateLimited = 0;
  private inFlight = 0;
  /** Classes whose next call waits for a call in flight to end. */
  private readonly blocked = new Set<Line>();

  constructor(private readonly options: ProviderQuotaOptions) {
    this.provider = options.provider;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.minAttemptMs = options.minAttemptMs ?? DEFAULT_MIN_CALL_MS;
    this.maxSlackMs = options.windowSlackMs ?? DEFAULT_WINDOW_SLACK_MS;
    this.minSlackMs = Math.min(this.maxSlackMs, options.minWindowSlackMs ?? DEFAULT_MIN_WINDOW_SLACK_MS);
    this.slackMs = this.maxSlackMs;
    // One bucket object per window, shared by the classes that take from it, so an adapted limit holds for all.
    const buckets = new Map<string, QuotaBucket>(
      options.windows.map(({ name, limit, windowMs }) => [
        name,
        {
          limit,
          windowMs: windowMs + this.slackMs,
          // One hash tag per provider × credential: a call's buckets share one Redis Cluster slot,
          // so one script can take from all of them at once.
          key: `concord:quota:{${options.provider}:${options.credentialFingerprint}}:${name}`,
        },
      ]),
    );
    for (const { name, windowMs } of options.windows) {
      const bucket = buckets.get(name);
      if (bucket) this.baseWindows.set(bucket, windowMs);
    }
    this.lines = options.classes.map((cls) => ({
      cls,
      buckets: cls.windows.map((name) => {
        const bucket = buckets.get(name);
        if (!bucket) throw new Error(`quota class ${cls.name} names an unknown window ${name}`);
        return bucket;
      }),
      queue: new FairQueue<Waiter>(),
      draining: false,
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
  ): Promise<() => void> {
    const line = this.lineFor(endpoint);
    if (!line) return Promise.resolve(() => undefined);
    const now = this.now();
    const latest = deadline === null ? null : deadline - this.minAttemptMs;
    const soonest = this.soonestGrant(line, lane, now);
    if (latest !== null && now + soonest > latest) return Promise.reject(this.refusal(endpoint, soonest));
    return new Promise<() => void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        endpoint,
        latest,
        grant: (takenAt) => {
          done();
          resolve(this.releaser(takenAt));
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
      this.drain(line);
    });
  }

  /** A response's rate-limit headers: the provider's own limit and what is left of it win. */
  observe(endpoint: string, headers: Readonly<Record<string, string>>): void {
    const line = this.lineFor(endpoint);
    const hint = line?.cls.adapts ? this.options.readHint?.(headers) : null;
    const bucket = line?.buckets[0];
    if (!hint || !bucket) return;
    if (hint.limit !== undefined && hint.limit >= 1) bucket.limit = hint.limit;
    if (hint.windowMs !== undefined && hint.windowMs >= 1) {
      this.baseWindows.set(bucket, hint.windowMs);
      bucket.windowMs = hint.windowMs + this.slackMs;
    }
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
        limits: line.buckets.map((bucket) => ({
          limit: bucket.limit,
          windowMs: this.baseWindows.get(bucket) ?? bucket.windowMs - this.slackMs,
        })),
        remaining: line.remaining,
        waiting: line.queue.size,
        lanes: line.queue.activeLanes,
      })),
      throttled: this.throttled,
      rateLimited: this.rateLimited,
    };
  }

  /** The slack in use now (see DEFAULT_WINDOW_SLACK_MS). */
  get windowSlackMs(): number {
    return this.slackMs;
  }

  /** Counts a granted call in flight; its release (once, whatever happens) lets the next one go. */
  private releaser(takenAt: number): () => void {
    this.inFlight += 1;
    const call = { takenAt };
    this.open.add(call);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.open.delete(call);
      this.measured(this.now() - takenAt);
      for (const line of [...this.blocked]) {
        this.blocked.delete(line);
        this.drain(line);
      }
    };
  }

  private longestWindowMs(): number {
    let longest = 0;
    for (const windowMs of this.baseWindows.values()) longest = Math.max(longest, windowMs);
    return longest;
  }

  /** One more call's duration. */
  private measured(durationMs: number): void {
    const now = this.now();
    this.durations.push({ endedAt: now, ms: Math.max(0, durationMs) });
    const keepSince = now - this.longestWindowMs() - this.maxSlackMs;
    while (this.durations.length > SLACK_SAMPLE && (this.durations[0]?.endedAt ?? now) < keepSince) {
      this.durations.shift();
    }
    this.resetSlack();
  }

  /**
   * The slack: the longest of the latest calls and of those still out, within floor and ceiling.
   * Set before each take, so the windows a call is checked against count every earlier call for
   * as long as it may still be reaching the provider.
   */
  private resetSlack(): void {
    if (this.durations.length === 0) return;
    const now = this.now();
    let longest = 0;
    for (const { ms } of this.durations) longest = Math.max(longest, ms);
    for (const { takenAt } of this.open) longest = Math.max(longest, now - takenAt);
    const slack = Math.min(this.maxSlackMs, Math.max(this.minSlackMs, Math.ceil(longest)));
    if (slack === this.slackMs) return;
    this.slackMs = slack;
    for (const [bucket, windowMs] of this.baseWindows) bucket.windowMs = windowMs + slack;
  }

  private get full(): boolean {
    return this.options.concurrency !== undefined && this.inFlight >= this.options.concurrency;
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

  private async serve(line: Line): Promise<void> {
    while (line.queue.size > 0) {
      if (this.full) {
        this.blocked.add(line);
        return;
      }
      this.resetSlack();
      const takenAt = this.now();
      const taken = await this.options.store.take(line.buckets, this.member());
      if (taken.granted) {
        line.remaining = taken.remaining;
        line.queue.shift()?.grant(takenAt);
        continue;
      }
      line.remaining = 0;
      const until = this.now() + taken.waitMs;
      // Whoever cannot be served before their deadline is told now, not when it passes.
      for (const waiter of line.queue.drop((w) => w.latest !== null && w.latest < until))
        waiter.refuse(taken.waitMs);
      if (line.queue.size > 0) await this.sleep(taken.waitMs);
    }
  }
}
