import type { RateLimitState } from './provider.js';

/** One of a provider's documented rate limits, as it applies to a route. */
export interface DocumentedLimit {
  /** The provider's name for it (`TEN_SECONDLY_ROLLING`, `secondly`, `api_queries_burst`…). */
  name: string;
  limit: number;
  windowMs: number;
  /** Counted per project/account instead of per credential (PostHog's HogQL throttle is per team). */
  perAccount?: boolean;
}

export interface LimitOutcome {
  /** The first limit the request is over, with its state; null when it may go ahead. */
  over: { limit: DocumentedLimit; state: RateLimitState } | null;
  /** The state of the first limit after this request (for rate-limit headers). */
  state: RateLimitState | null;
}

/**
 * Rolling windows (a log of recent request times per limit), as HubSpot's ten-secondly window and
 * DRF's throttles count. A refused request is not counted, as DRF does not count it.
 */
export class RollingWindows {
  private readonly logs = new Map<string, number[]>();

  take(key: string, credential: string, limits: readonly DocumentedLimit[], now: number): LimitOutcome {
    const states: { limit: DocumentedLimit; log: number[]; state: RateLimitState }[] = [];
    for (const limit of limits) {
      const id = `${key}\u0000${limit.name}\u0000${limit.perAccount ? '' : credential}`;
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
      if (state.remaining < 0) return { over: { limit, state }, state: states[0]?.state ?? state };
      states.push({ limit, log, state });
    }
    for (const { log } of states) log.push(now);
    return { over: null, state: states[0]?.state ?? null };
  }

  clear(key: string): void {
    for (const id of this.logs.keys()) if (id.startsWith(`${key}\u0000`)) this.logs.delete(id);
  }
}
