import { z } from 'zod';
import type { QuotaPlan } from '../../datasources/provider-descriptor.js';
import type { QuotaLimit } from '../../datasources/transport/rate-limiter.js';
import { PROVIDER_DESCRIPTORS } from '../providers/registry.js';

export type { QuotaPlan } from '../../datasources/provider-descriptor.js';

/**
 * Upstream attempts one client request may make: the README dashboard makes 18 cold, a page of
 * 100 payments with their customers a few dozen; a `nodes(ids:)` of 2,000 charges (2,000 Stripe
 * GETs, 80 s of the test-mode limit) does not fit.
 */
export const DEFAULT_UPSTREAM_CALL_BUDGET = 200;

/** Each registered provider's documented limits (its descriptor's quota variables), per credential. */
export const DEFAULT_QUOTAS: Readonly<Record<string, readonly QuotaLimit[]>> = Object.assign(
  {},
  ...PROVIDER_DESCRIPTORS.map((d) => d.quota?.defaults ?? {}),
) as Record<string, readonly QuotaLimit[]>;

export type QuotaVariable = string;
export const QUOTA_VARIABLES: readonly QuotaVariable[] = Object.keys(DEFAULT_QUOTAS);

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
}

/**
 * The settings from parsed values (undefined where unset). A provider's defaults may depend on its
 * live settings (`live`, by provider name), e.g. a live Stripe key's higher limit.
 */
export function providerQuotaSettings(
  values: Partial<Record<QuotaVariable, QuotaLimit[]>> & {
    UPSTREAM_CALL_BUDGET?: number | null;
  },
  { live }: { live: Readonly<Record<string, unknown>> | null },
): ProviderQuotaSettings {
  const fallbacks: Record<string, readonly QuotaLimit[]> = { ...DEFAULT_QUOTAS };
  for (const d of PROVIDER_DESCRIPTORS) {
    if (live && d.name in live && d.quota?.liveDefaults) {
      Object.assign(fallbacks, d.quota.liveDefaults(live[d.name]));
    }
  }
  const limits = Object.fromEntries(
    QUOTA_VARIABLES.map((name) => [
      name,
      (values[name] as QuotaLimit[] | undefined) ?? (fallbacks[name] ?? []).map((l) => ({ ...l })),
    ]),
  ) as Record<QuotaVariable, QuotaLimit[]>;
  return {
    limits,
    upstreamCallBudget:
      values.UPSTREAM_CALL_BUDGET === undefined ? DEFAULT_UPSTREAM_CALL_BUDGET : values.UPSTREAM_CALL_BUDGET,
  };
}

/** Which endpoints take from which windows: the provider's descriptor says; null when it has no quota. */
export function quotaPlan(provider: string, settings: ProviderQuotaSettings): QuotaPlan | null {
  const descriptor = PROVIDER_DESCRIPTORS.find((d) => d.name === provider);
  return descriptor?.quota ? descriptor.quota.plan(settings.limits) : null;
}
