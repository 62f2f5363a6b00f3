import type { DocumentedLimit } from '../http/limits.js';
import type { RateLimitState } from '../http/provider.js';

const DAY = 86_400_000;

/** The name of the org's rolling 24-hour allocation, as `/limits` calls it. */
export const DAILY_API_REQUESTS = 'DailyApiRequests';

/** The allocation as a documented limit: per org (every token counts against it), over 24 hours. */
export function dailyLimit(max: number): DocumentedLimit {
  return { name: DAILY_API_REQUESTS, limit: max, windowMs: DAY, perAccount: true };
}

/** The org's API calls in the last 24 hours, for `Sforce-Limit-Info` and `/limits`. */
export class ApiUsage {
  private readonly log: number[] = [];

  constructor(
    readonly max: number,
    private readonly clock: () => number,
  ) {}

  record(): void {
    this.log.push(this.clock());
  }

  used(): number {
    const cutoff = this.clock() - DAY;
    while (this.log.length > 0 && (this.log[0] as number) <= cutoff) this.log.shift();
    return this.log.length;
  }

  /**
   * `Sforce-Limit-Info: api-usage=n/m`: from the documented limit's window when that counted the
   * request (its view includes refusals' absence), else from the twin's own log.
   */
  header(state: RateLimitState | null): Record<string, string> {
    const fromLimit = state && state.windowMs === DAY && state.limit === this.max;
    const used = fromLimit ? Math.min(this.max, this.max - state.remaining) : this.used();
    return { 'Sforce-Limit-Info': `api-usage=${used}/${this.max}` };
  }
}
