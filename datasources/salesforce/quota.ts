import type { QuotaPlan, QuotaSpec } from '../provider-descriptor.js';
import type { QuotaHint } from '../transport/provider-quota.js';
import type { QuotaLimit } from '../transport/rate-limiter.js';

/** The 24-hour window the org's API allocation is counted over (FACTS §4). */
export const API_USAGE_WINDOW_MS = 86_400_000;
/**
 * The quota paces the allocation hour by hour: a sliding log of a whole day's calls (up to
 * hundreds of thousands of entries per org) would be a heavy Redis key, and an even spread keeps
 * a burst from spending the day's allocation in its first hour.
 */
export const PACING_WINDOW_MS = 3_600_000;
const HOURS_PER_DAY = API_USAGE_WINDOW_MS / PACING_WINDOW_MS;

export interface LimitInfo {
  used: number;
  allocation: number;
}

/** `Sforce-Limit-Info: api-usage=18/5000` (optionally `, per-app-api-usage=…`): the org's usage. */
export function parseLimitInfo(header: string | undefined): LimitInfo | null {
  if (header === undefined) return null;
  const match = /(?:^|[,;\s])api-usage=(\d+)\/(\d+)/.exec(header);
  if (!match) return null;
  const used = Number(match[1]);
  const allocation = Number(match[2]);
  return allocation > 0 ? { used, allocation } : null;
}

/**
 * The org's rolling 24-hour allocation and what is left of it, for the provider quota to adopt the
 * way HubSpot's X-HubSpot-RateLimit-* headers are (see hubspot/quota.ts): an hour's share of
 * the allocation, and an hour's share of what is left (other apps spend the same allocation).
 */
export function salesforceQuotaHint(headers: Readonly<Record<string, string>>): QuotaHint | null {
  const info = parseLimitInfo(headers['sforce-limit-info']);
  if (!info) return null;
  const limit = Math.max(1, Math.ceil(info.allocation / HOURS_PER_DAY));
  const left = Math.max(0, info.allocation - info.used);
  return { limit, windowMs: PACING_WINDOW_MS, remaining: Math.min(limit, Math.floor(left / HOURS_PER_DAY)) };
}

/**
 * An hour's share of the org's rolling 24-hour API allocation; editions differ (Developer 15,000
 * a day; Enterprise 100,000 plus per-licence add-ons), so the quota adopts what Sforce-Limit-Info
 * says on every answer.
 */
export const SALESFORCE_QUOTAS = {
  SALESFORCE_QUOTA: [{ limit: 625, windowMs: PACING_WINDOW_MS }],
} as const satisfies Record<string, readonly QuotaLimit[]>;

export const salesforceQuota: QuotaSpec<unknown> = {
  defaults: SALESFORCE_QUOTAS,
  plan: (limits): QuotaPlan => {
    const api = (limits.SALESFORCE_QUOTA ?? SALESFORCE_QUOTAS.SALESFORCE_QUOTA).map((l, i) => ({
      name: `api${i}`,
      ...l,
    }));
    // Every call counts against the allocation alike; there is no per-second limit (FACTS §4).
    return {
      windows: api,
      classes: [{ name: 'api', windows: api.map((w) => w.name), adapts: true }],
      readHint: salesforceQuotaHint,
    };
  },
};
