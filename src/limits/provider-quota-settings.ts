import { z } from 'zod';
import { hubspotQuotaHint } from '../../datasources/hubspot/quota.js';
import {
  DEFAULT_WINDOW_SLACK_MS,
  type QuotaClass,
  type QuotaHintReader,
  type QuotaWindow,
} from '../../datasources/transport/provider-quota.js';
import type { QuotaLimit } from '../../datasources/transport/rate-limiter.js';

/**
 * Upstream attempts one client request may make: the README dashboard makes 18 cold, a page of
 * 100 payments with their customers a few dozen; a `nodes(ids:)` of 2,000 charges (2,000 Stripe
 * GETs, 80 s of the test-mode limit) does not fit.
 */
export const DEFAULT_UPSTREAM_CALL_BUDGET = 200;

/** Each provider's documented limits (../shared/providers/FACTS.md), per credential. */
export const DEFAULT_QUOTAS = {
  /** Private apps on Professional/Enterprise: 190 per 10 s (Free/Starter's 100 comes in the headers). */
  HUBSPOT_QUOTA: [{ limit: 190, windowMs: 10_000 }],
  /** CRM search has its own per-second cap outside the ten-second window: 4/s per token (changelog H6). */
  HUBSPOT_SEARCH_QUOTA: [{ limit: 4, windowMs: 1_000 }],
  /** 25 requests per second in test mode (a live key gets STRIPE_LIVE_QUOTA). */
  STRIPE_QUOTA: [{ limit: 25, windowMs: 1_000 }],
  /** Search: 20 reads per second across the search endpoints, besides the global limit. */
  STRIPE_SEARCH_QUOTA: [{ limit: 20, windowMs: 1_000 }],
  /** Query API: 240 per minute and 2,400 per hour (api_queries_burst / _sustained); capture is exempt. */
  POSTHOG_QUOTA: [
    { limit: 240, windowMs: 60_000 },
    { limit: 2_400, windowMs: 3_600_000 },
  ],
} as const satisfies Record<string, readonly QuotaLimit[]>;
/** Stripe's global limit for a live key. */
export const STRIPE_LIVE_QUOTA: readonly QuotaLimit[] = [{ limit: 100, windowMs: 1_000 }];

export type QuotaVariable = keyof typeof DEFAULT_QUOTAS;
export const QUOTA_VARIABLES = Object.keys(DEFAULT_QUOTAS) as QuotaVariable[];

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `25/1s`, `240/1m,2400/1h` (every window holds), or `off`. */
export const QuotaSchema = z
  .string()
  .regex(
    /^(off|\d+\/\d+(ms|s|m|h)(,\d+\/\d+(ms|s|m|h))*)$/,
    'expected calls/window such as 25/1s or 240/1m,2400/1h, or off',
  )
  .transform((raw): QuotaLimit[] =>
    raw === 'off'
      ? []
      : raw.split(',').map((part) => {
          const [calls = '', window = ''] = part.split('/');
          const [, amount = '', unit = 's'] = /^(\d+)(ms|s|m|h)$/.exec(window) ?? [];
          return { limit: Number(calls), windowMs: Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS] };
        }),
  )
  .refine(
    (limits) => limits.every((l) => l.limit >= 1 && l.windowMs >= 1),
    'both numbers must be at least 1',
  );

/** Milliseconds each call is held past its window, for calls that reach the provider later than granted. */
export const WindowSlackSchema = z
  .string()
  .regex(/^\d+$/, 'expected a whole number of milliseconds')
  .transform(Number)
  .pipe(z.number().int().min(0).max(10_000));

export const UpstreamBudgetSchema = z
  .string()
  .regex(/^(off|\d+)$/, 'expected a whole number of upstream calls, or off')
  .transform((raw) => (raw === 'off' ? null : Number(raw)))
  .refine((n) => n === null || n >= 1, 'must be at least 1');

export interface ProviderQuotaSettings {
  /** The windows of each variable; empty: not limited. */
  limits: Record<QuotaVariable, QuotaLimit[]>;
  /** Upstream attempts per client request; null: no budget. */
  upstreamCallBudget: number | null;
  windowSlackMs: number;
}

/** The settings from parsed values (undefined where unset); a live Stripe key gets the live limit. */
export function providerQuotaSettings(
  values: Partial<Record<QuotaVariable, QuotaLimit[]>> & {
    UPSTREAM_CALL_BUDGET?: number | null;
    QUOTA_WINDOW_SLACK_MS?: number;
  },
  { stripeLive }: { stripeLive: boolean },
): ProviderQuotaSettings {
  const limits = Object.fromEntries(
    QUOTA_VARIABLES.map((name) => {
      const fallback = name === 'STRIPE_QUOTA' && stripeLive ? STRIPE_LIVE_QUOTA : DEFAULT_QUOTAS[name];
      return [name, values[name] ?? fallback.map((l) => ({ ...l }))];
    }),
  ) as Record<QuotaVariable, QuotaLimit[]>;
  return {
    limits,
    upstreamCallBudget:
      values.UPSTREAM_CALL_BUDGET === undefined ? DEFAULT_UPSTREAM_CALL_BUDGET : values.UPSTREAM_CALL_BUDGET,
    windowSlackMs: values.QUOTA_WINDOW_SLACK_MS ?? DEFAULT_WINDOW_SLACK_MS,
  };
}

export interface QuotaPlan {
  windows: QuotaWindow[];
  classes: QuotaClass[];
  readHint?: QuotaHintReader;
}

const windowsOf = (name: string, limits: readonly QuotaLimit[]): QuotaWindow[] =>
  limits.map((l, i) => ({ name: `${name}${i}`, ...l }));
const isSearch = (endpoint: string) => endpoint.endsWith('/search');

/** Which endpoints take from which windows, per provider (the adapters' endpoint templates). */
export function quotaPlan(provider: string, settings: ProviderQuotaSettings): QuotaPlan | null {
  const { limits } = settings;
  switch (provider) {
    case 'hubspot': {
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
    }
    case 'stripe': {
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
    }
    case 'posthog': {
      const api = windowsOf('api', limits.POSTHOG_QUOTA);
      return {
        windows: api,
        classes: [
          // Capture (ingestion) is exempt from the API's rate limits.
          { name: 'capture', matches: (endpoint) => endpoint.includes('/i/v0/e'), windows: [] },
          { name: 'api', windows: api.map((w) => w.name) },
        ],
      };
    }
    default:
      // Salesforce would read Sforce-Limit-Info (api-usage=used/allocation) here as its hint.
      return null;
  }
}
