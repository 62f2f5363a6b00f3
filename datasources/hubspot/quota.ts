import type { QuotaHint } from '../transport/provider-quota.js';

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
