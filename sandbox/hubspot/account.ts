import { z } from 'zod';
import type { DocumentedLimit } from '../http/limits.js';

/** HubSpot subscription tiers; Free and Starter share their API limits. */
export const HUBSPOT_TIERS = ['free', 'starter', 'professional', 'enterprise'] as const;
export type HubSpotTier = (typeof HUBSPOT_TIERS)[number];

/** The HubSpot account the twin plays: its tier, the API limit increase add-on, and its time zone. */
export interface HubSpotAccountSettings {
  tier: HubSpotTier;
  /** The API Limit Increase pack: +1,000,000 calls a day and a 250-per-10-s burst. */
  apiLimitIncrease: boolean;
  /** The portal's IANA time zone: the daily limit resets at midnight there. */
  timeZone: string;
  /**
   * Whether the token holds `crm.schemas.contacts.write` (and its kin): without it, creating a
   * property is HubSpot's 403 `MISSING_SCOPES`, as for a private app not granted that scope.
   * Absent: granted.
   */
  schemaWrite?: boolean | undefined;
}

export const DEFAULT_HUBSPOT_ACCOUNT: HubSpotAccountSettings = {
  tier: 'enterprise',
  apiLimitIncrease: false,
  timeZone: 'UTC',
};

/** Private-app limits per tier (FACTS §2, "increasing our API limits"). */
const TIER_LIMITS: Record<HubSpotTier, { perTenSeconds: number; daily: number }> = {
  free: { perTenSeconds: 100, daily: 250_000 },
  starter: { perTenSeconds: 100, daily: 250_000 },
  professional: { perTenSeconds: 190, daily: 650_000 },
  enterprise: { perTenSeconds: 190, daily: 1_000_000 },
};
const INCREASE = { perTenSeconds: 250, daily: 1_000_000 } as const;

export interface AccountLimits {
  /** Requests per rolling 10 s (X-HubSpot-RateLimit-Max). */
  perTenSeconds: number;
  /** Requests per day (X-HubSpot-RateLimit-Daily). */
  daily: number;
}

export function accountLimits(settings: HubSpotAccountSettings): AccountLimits {
  const tier = TIER_LIMITS[settings.tier];
  return settings.apiLimitIncrease
    ? { perTenSeconds: INCREASE.perTenSeconds, daily: tier.daily + INCREASE.daily }
    : { ...tier };
}

/** Whether `name` is an IANA time zone this Node knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** One formatter per time zone: making an Intl.DateTimeFormat costs about a millisecond. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** How far the wall clock in `timeZone` is ahead of UTC at `instant` (ms). */
function offsetAt(timeZone: string, instant: number): number {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - (instant - (instant % 1000));
}

/** The UTC instant of midnight starting the given local calendar day (`day` may overflow, as Date.UTC allows). */
function localMidnight(timeZone: string, year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month, day);
  // Two passes settle the offset even when midnight sits next to a DST change.
  const first = wall - offsetAt(timeZone, wall);
  return wall - offsetAt(timeZone, first);
}

/** The portal's day around `now`: from its local midnight to the next, in UTC epoch ms. */
export function portalDay(timeZone: string, now: number): { start: number; end: number } {
  const local = new Date(now + offsetAt(timeZone, now));
  const [y, m, d] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
  return { start: localMidnight(timeZone, y, m, d), end: localMidnight(timeZone, y, m, d + 1) };
}

/** The burst window and the day's limit for an account, with the day cut at midnight in its time zone. */
export function accountDocumentedLimits(settings: HubSpotAccountSettings): {
  tenSecondly: DocumentedLimit;
  daily: DocumentedLimit;
} {
  const limits = accountLimits(settings);
  // Every request asks for the day around it: the day already found answers until it ends.
  let day = { start: 0, end: 0 };
  return {
    tenSecondly: { name: 'TEN_SECONDLY_ROLLING', limit: limits.perTenSeconds, windowMs: 10_000 },
    daily: {
      name: 'DAILY',
      limit: limits.daily,
      windowMs: 86_400_000,
      calendar: (now) => {
        if (now < day.start || now >= day.end) day = portalDay(settings.timeZone, now);
        return day;
      },
    },
  };
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** The environment variables the twin reads, merged into the sandbox's env schema so every bad value is one line. */
export const HUBSPOT_TWIN_ENV = {
  SANDBOX_HUBSPOT_TIER: z.enum(HUBSPOT_TIERS).optional(),
  SANDBOX_HUBSPOT_API_LIMIT_INCREASE: bool.optional(),
  SANDBOX_HUBSPOT_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone such as America/New_York')
    .optional(),
  SANDBOX_HUBSPOT_SCHEMA_WRITE: bool.optional(),
};

/** The account's settings from already validated variables (see HUBSPOT_TWIN_ENV), defaults for the rest. */
export function hubspotAccountSettings(env: Record<string, unknown>): HubSpotAccountSettings {
  const d = DEFAULT_HUBSPOT_ACCOUNT;
  return {
    tier: (env.SANDBOX_HUBSPOT_TIER as HubSpotTier | undefined) ?? d.tier,
    apiLimitIncrease: (env.SANDBOX_HUBSPOT_API_LIMIT_INCREASE as boolean | undefined) ?? d.apiLimitIncrease,
    timeZone: (env.SANDBOX_HUBSPOT_TIME_ZONE as string | undefined) ?? d.timeZone,
    schemaWrite: env.SANDBOX_HUBSPOT_SCHEMA_WRITE as boolean | undefined,
  };
}
