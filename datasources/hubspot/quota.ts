import type { QuotaPlan, QuotaSpec } from '../provider-descriptor.js';
import type { QuotaHint, QuotaWindow } from '../transport/provider-quota.js';
import type { QuotaLimit } from '../transport/rate-limiter.js';

function whole(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/**
 * HubSpot's rate-limit headers (FACTS §2): the ten-second window's size, its length and what is
 * left of it, for the quota to adopt (a Free/Starter account has 100, not 190; other apps with
 * the same token use some). Headers names arrive lower-cased from the transport.
 */
export function hubspotQuotaHint(headers: Readonly<Record<string, string>>): QuotaHint | null {
  const limit = whole(headers['x-hubspot-ratelimit-max']);
  const windowMs = whole(headers['x-hubspot-ratelimit-interval-milliseconds']);
  const remaining = whole(headers['x-hubspot-ratelimit-remaining']);
  if (limit === undefined && windowMs === undefined && remaining === undefined) return null;
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(windowMs === undefined ? {} : { windowMs }),
    ...(remaining === undefined ? {} : { remaining }),
  };
}

/** HubSpot's documented limits (FACTS §2), per token. */
export const HUBSPOT_QUOTAS = {
  /** Private apps on Professional/Enterprise: 190 per 10 s (Free/Starter's 100 comes in the headers). */
  HUBSPOT_QUOTA: [{ limit: 190, windowMs: 10_000 }],
  /** CRM search has its own per-second cap outside the ten-second window: 4/s per token (changelog H6). */
  HUBSPOT_SEARCH_QUOTA: [{ limit: 4, windowMs: 1_000 }],
} as const satisfies Record<string, readonly QuotaLimit[]>;

export const windowsOf = (name: string, limits: readonly QuotaLimit[] = []): QuotaWindow[] =>
  limits.map((l, i) => ({ name: `${name}${i}`, ...l }));
const isSearch = (endpoint: string) => endpoint.endsWith('/search');

export const hubspotQuota: QuotaSpec<unknown> = {
  defaults: HUBSPOT_QUOTAS,
  plan: (limits): QuotaPlan => {
    const api = windowsOf('api', limits.HUBSPOT_QUOTA);
    const search = windowsOf('search', limits.HUBSPOT_SEARCH_QUOTA);
    return {
      windows: [...api, ...search],
      classes: [
        // Search sits outside the ten-second window (FACTS 7.4: rate-limit exemption "ten-secondly").
        { name: 'search', matches: isSearch, windows: search.map((w) => w.name) },
        { name: 'api', windows: api.map((w) => w.name), adapts: true },
      ],
      readHint: hubspotQuotaHint,
    };
  },
};
