import type { RateLimitState } from './provider.js';

/** One of a provider's documented rate limits, as it applies to a route. */
export interface DocumentedLimit {
  /** The provider's name for it (`TEN_SECONDLY_ROLLING`, `secondly`, `api_queries_burst`…). */
  name: string;
  limit: number;
  windowMs: number;
  /** Counted per project/account instead of per credential (PostHog's HogQL throttle is per team). */
  perAccount?: boolean;
  /**
   * A calendar window that starts at each multiple of `windowMs` since the epoch instead of a rolling
   * one; see `calendar` for windows whose bounds are not multiples of a length.
   */
  fixed?: boolean;
  /**
   * A calendar window's bounds around `now` (HubSpot's day, midnight to midnight in the portal's time
   * zone, 23 or 25 hours long across a DST change); implies `fixed`.
   */
  calendar?: (now: number) => { start: number; end: number };
}

export interface LimitOutcome {
  /** The first limit the request is over, with its state; null when it may go ahead. */
  over: { limit: DocumentedLimit; state: RateLimitState } | null;
  /** The state of the first limit after this request (for rate-limit headers). */
  state: RateLimitState | null;
  /** Each limit counted so far with its state (up to and including the one over, if any). */
  all: { limit: DocumentedLimit; state: RateLimitState }[];
}

/**
 * Rolling windows (a log of recent request times per limit), as HubSpot's ten-secondly window and
 * DRF's throttles count. A refused request is not counted, as DRF does not count it.
 */
export class RollingWindows {
  private readonly logs = new Map<string, number[]>();
  /** Calendar windows: a count since the window's start (a log of a million times a day would not do). */
  private readonly counts = new Map<string, { start: number; used: number }>();

  take(key: string, credential: string, limits: readonly DocumentedLimit[], now: number): LimitOutcome {
    const states: { limit: DocumentedLimit; log: number[] | null; id: string; state: RateLimitState }[] = [];
    const all = (): LimitOutcome['all'] => states.map(({ limit, state }) => ({ limit, state }));
    for (const limit of limits) {
      const id = `${key}\u0000${limit.name}\u0000${limit.perAccount ? '' : credential}`;
      if (limit.fixed || limit.calendar) {
        const { start, end } = limit.calendar?.(now) ?? {
          start: now - (now % limit.windowMs),
          end: now - (now % limit.windowMs) + limit.windowMs,
        };
        const used = this.counts.get(id)?.start === start ? (this.counts.get(id)?.used ?? 0) : 0;
        const state: RateLimitState = {
          limit: limit.limit,
          windowMs: limit.windowMs,
          remaining: limit.limit - used - 1,
          resetInMs: end - now,
        };
        if (state.remaining < 0) {
          return {
            over: { limit, state },
            state: states[0]?.state ?? state,
            all: [...all(), { limit, state }],
          };
        }
        this.counts.set(id, { start, used });
        states.push({ limit, log: null, id, state });
        continue;
      }
      let log = this.logs.get(id);
      if (!log) {
        log = [];
        this.logs.set(id, log);
      }
      while (log.length > 0 && (log[0] as number) <= now - limit.windowMs) log.shift();
      const oldest = log[0] ?? now;
      const state: RateLimitState = {
        limit: limit.limit,
        windowMs: limit.windowMs,
        remaining: limit.limit - log.length - 1,
        resetInMs: Math.max(0, oldest + limit.windowMs - now),
      };
      if (state.remaining < 0) {
        return {
          over: { limit, state },
          state: states[0]?.state ?? state,
          all: [...all(), { limit, state }],
        };
      }
      states.push({ limit, log, id, state });
    }
    for (const { log, id } of states) {
      if (log) log.push(now);
      else {
        const count = this.counts.get(id);
        if (count) count.used += 1;
      }
    }
    return { over: null, state: states[0]?.state ?? null, all: all() };
  }

  clear(key: string): void {
    for (const id of this.logs.keys()) if (id.startsWith(`${key}\u0000`)) this.logs.delete(id);
    for (const id of this.counts.keys()) if (id.startsWith(`${key}\u0000`)) this.counts.delete(id);
  }
}
