import type { QuotaPlan, QuotaSpec } from '../provider-descriptor.js';
import type { QuotaLimit } from '../transport/rate-limiter.js';

/** PostHog's documented limits (FACTS), per personal key. */
export const POSTHOG_QUOTAS = {
  /** Query API: 240 per minute and 2,400 per hour (api_queries_burst / _sustained); capture is exempt. */
  POSTHOG_QUOTA: [
    { limit: 240, windowMs: 60_000 },
    { limit: 2_400, windowMs: 3_600_000 },
  ],
} as const satisfies Record<string, readonly QuotaLimit[]>;

export const posthogQuota: QuotaSpec<unknown> = {
  defaults: POSTHOG_QUOTAS,
  plan: (limits): QuotaPlan => {
    const api = (limits.POSTHOG_QUOTA ?? []).map((l, i) => ({ name: `api${i}`, ...l }));
    return {
      windows: api,
      classes: [
        // Capture (ingestion) is exempt from the API's rate limits.
        { name: 'capture', matches: (endpoint) => endpoint.includes('/i/v0/e'), windows: [] },
        { name: 'api', windows: api.map((w) => w.name) },
      ],
    };
  },
};
