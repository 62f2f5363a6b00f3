import type { QuotaHint } from '../transport/provider-quota.js';

/** The 24-hour window the org's API allocation is counted over (FACTS §4). */
export const API_USAGE_WINDOW_MS = 86_400_000;

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
 * The org's rolling 24-hour allocation and what is left of it, for the provider quota to adopt,
 * the way HubSpot's X-HubSpot-RateLimit-* headers are (see hubspot/quota-hint.ts).
 */
export function salesforceQuotaHint(headers: Readonly<Record<string, string>>): QuotaHint | null {
  const info = parseLimitInfo(headers['sforce-limit-info']);
  if (!info) return null;
  return {
    limit: info.allocation,
    windowMs: API_USAGE_WINDOW_MS,
    remaining: Math.max(0, info.allocation - info.used),
  };
}
