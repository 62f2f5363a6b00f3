import type { QuotaPlan, QuotaSpec } from '../provider-descriptor.js';
import type { QuotaWindow } from '../transport/provider-quota.js';
import type { QuotaLimit } from '../transport/rate-limiter.js';
import { isLiveKey, type StripeSettings } from './settings.js';

/** Stripe's documented limits (FACTS), per key. */
export const STRIPE_QUOTAS = {
  /** 25 requests per second in test mode (a live key gets STRIPE_LIVE_QUOTA). */
  STRIPE_QUOTA: [{ limit: 25, windowMs: 1_000 }],
  /** Search: 20 reads per second across the search endpoints, besides the global limit. */
  STRIPE_SEARCH_QUOTA: [{ limit: 20, windowMs: 1_000 }],
} as const satisfies Record<string, readonly QuotaLimit[]>;
/** Stripe's global limit for a live key. */
export const STRIPE_LIVE_QUOTA: readonly QuotaLimit[] = [{ limit: 100, windowMs: 1_000 }];

const windowsOf = (name: string, limits: readonly QuotaLimit[] = []): QuotaWindow[] =>
  limits.map((l, i) => ({ name: `${name}${i}`, ...l }));
const isSearch = (endpoint: string) => endpoint.endsWith('/search');

export const stripeQuota: QuotaSpec<StripeSettings> = {
  defaults: STRIPE_QUOTAS,
  liveDefaults: (settings): Record<string, readonly QuotaLimit[]> =>
    isLiveKey(settings.secretKey) ? { STRIPE_QUOTA: STRIPE_LIVE_QUOTA } : {},
  plan: (limits): QuotaPlan => {
    const api = windowsOf('api', limits.STRIPE_QUOTA);
    const search = windowsOf('search', limits.STRIPE_SEARCH_QUOTA);
    const all = api.map((w) => w.name);
    return {
      windows: [...api, ...search],
      classes: [
        { name: 'search', matches: isSearch, windows: [...search.map((w) => w.name), ...all] },
        { name: 'api', windows: all },
      ],
    };
  },
};
