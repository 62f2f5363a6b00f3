/**
 * The bench runs each twin with its provider's documented rate limits on, as `npm start`'s sandbox
 * does, so Concord meets the 429s production would. Only the naive build, which has no pacing of its
 * own and would fail rather than slow down, gets a second sandbox with them off (said in RESULTS.md).
 * These counters keep, across the resets between samples, how many calls each twin answered 429.
 */
import { Counters, sumCalls } from './measure.js';
import type { Calls } from './scenarios.js';

const none = (): Calls => ({ hubspot: 0, stripe: 0, posthog: 0 });

export class RateLimitCounters extends Counters {
  /** 429s answered since the counters were made. */
  readonly rateLimited: Calls = none();

  /** Settles as Counters does, banks the 429s so far, then zeroes the twin's counters. */
  override async reset(): Promise<void> {
    let last = -1;
    for (;;) {
      const t = await this.total();
      const now = t.hubspot + t.stripe + t.posthog;
      if (now === last) break;
      last = now;
      await new Promise((r) => setTimeout(r, 150));
    }
    await this.bank();
    await this.clear();
  }

  /** 429s so far, banked and not yet banked. */
  async rateLimitedSoFar(): Promise<Calls> {
    const current = await this.current429s();
    return {
      hubspot: this.rateLimited.hubspot + current.hubspot,
      stripe: this.rateLimited.stripe + current.stripe,
      posthog: this.rateLimited.posthog + current.posthog,
    };
  }

  private async bank(): Promise<void> {
    const current = await this.current429s();
    this.rateLimited.hubspot += current.hubspot;
    this.rateLimited.stripe += current.stripe;
    this.rateLimited.posthog += current.posthog;
  }

  private async current429s(): Promise<Calls> {
    const all = await Promise.all(
      this.adminUrls.map(async (url) => {
        const res = await fetch(`${url}/__sandbox/counters`);
        const { byStatus } = (await res.json()) as {
          byStatus: Record<keyof Calls, Record<string, number>>;
        };
        return {
          hubspot: byStatus.hubspot['429'] ?? 0,
          stripe: byStatus.stripe['429'] ?? 0,
          posthog: byStatus.posthog['429'] ?? 0,
        };
      }),
    );
    return sumCalls(all);
  }
}

/** `b - a` per provider. */
export function difference(a: Calls, b: Calls): Calls {
  return { hubspot: b.hubspot - a.hubspot, stripe: b.stripe - a.stripe, posthog: b.posthog - a.posthog };
}
