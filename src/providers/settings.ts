import { z } from 'zod';
import type { AnyProviderDescriptor } from '../../datasources/provider-descriptor.js';
import { isSet, readVariables, type Env } from '../../datasources/settings.js';
import {
  DEFAULT_CIRCUIT_HALF_OPEN_MS,
  DEFAULT_CIRCUIT_MIN_CALLS,
  DEFAULT_CIRCUIT_THRESHOLD,
  DEFAULT_CIRCUIT_WINDOW_MS,
} from '../../datasources/transport/circuit.js';
import { DEFAULT_RETRIES } from '../../datasources/transport/retry.js';
import {
  CRM_PROVIDERS,
  DEFAULT_CRM_PROVIDER,
  PROVIDER_DESCRIPTORS,
  chosenList,
  type ProviderChoice,
} from './registry.js';

/** One provider's transport policy (datasources/transport/policy.ts). */
export interface ProviderPolicyConfig {
  /** Retries after the first attempt, for requests safe to repeat. */
  retries: number;
  /** Share of failed calls (0–1, exclusive) over the window that opens the circuit. */
  circuitThreshold: number;
  /** The window the failure rate is measured over. */
  circuitWindowMs: number;
  /** Calls the window must hold before its failure rate counts. */
  circuitMinCalls: number;
  /** How long an open circuit fails fast before a probe. */
  circuitHalfOpenMs: number;
  concurrency: number;
  queue: number;
}

/** The providers part of Concord's settings. */
export interface ProvidersSettings {
  /** Which registered provider serves each domain (`CRM_PROVIDER`; the others have one each). */
  choice: ProviderChoice;
  /** Each chosen provider's live settings, by name; null: no credentials, so the sandbox twins. */
  live: Readonly<Record<string, unknown>> | null;
  /** Each provider's webhook signing secrets, by name (none: its webhooks are refused). */
  webhookSecrets: Readonly<Record<string, readonly string[]>>;
  /** Retries, circuit breaker and bulkhead of every registered provider, by name. */
  policies: Readonly<Record<string, ProviderPolicyConfig>>;
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
/** A share strictly between 0 and 1 (a threshold of 0 or 1 would open on anything or never). */
const share = z
  .string()
  .regex(/^(0?\.\d+)$/, 'expected a decimal between 0 and 1, e.g. 0.5')
  .transform(Number)
  .pipe(z.number().gt(0, 'must be more than 0').lt(1, 'must be less than 1'));

/** `<NAME>_<suffix>`: one provider's policy settings, with their bounds. */
const POLICY_ENV = {
  RETRIES: int(0, 10),
  CIRCUIT_THRESHOLD: share,
  CIRCUIT_WINDOW_MS: int(100, 3_600_000),
  CIRCUIT_MIN_CALLS: int(1, 100_000),
  CIRCUIT_HALF_OPEN_MS: int(1, 3_600_000),
  CONCURRENCY: int(1, 1000),
  QUEUE: int(0, 100_000),
} as const;
type PolicySetting = keyof typeof POLICY_ENV;
const policyEnvName = (provider: string, setting: PolicySetting) => `${provider.toUpperCase()}_${setting}`;

const crmNames = CRM_PROVIDERS.map((d) => d.name);
const CrmProviderSchema = z
  .string()
  .refine((name) => crmNames.includes(name), `expected one of ${crmNames.join(', ')}`)
  .optional();

/**
 * Every provider variable of every registered provider, checked one by one (a Salesforce typo is
 * reported even while HubSpot serves): `CRM_PROVIDER`, each descriptor's own variables, its webhook
 * secrets, and its transport policy.
 */
export function readProviderVariables(env: Env, problems: string[]): Record<string, unknown> {
  const schemas: Record<string, z.ZodType> = { CRM_PROVIDER: CrmProviderSchema };
  for (const d of PROVIDER_DESCRIPTORS) Object.assign(schemas, d.settings.variables);
  for (const d of PROVIDER_DESCRIPTORS) {
    if (d.changes?.kind === 'webhook') schemas[d.changes.secretsVariable] = d.changes.secretsSchema;
  }
  for (const d of PROVIDER_DESCRIPTORS) {
    for (const [setting, schema] of Object.entries(POLICY_ENV)) {
      schemas[policyEnvName(d.name, setting as PolicySetting)] = schema.optional();
    }
  }
  return readVariables(schemas, env, problems);
}

/** Which provider serves each domain. */
export function providerChoice(values: Readonly<Record<string, unknown>>): ProviderChoice {
  const payments = PROVIDER_DESCRIPTORS.find((d) => d.domain === 'PAYMENTS');
  const analytics = PROVIDER_DESCRIPTORS.find((d) => d.domain === 'ANALYTICS');
  return {
    crm: (values.CRM_PROVIDER as string | undefined) ?? DEFAULT_CRM_PROVIDER,
    payments: payments?.name ?? '',
    analytics: analytics?.name ?? '',
  };
}

/** The variables that switch the chosen providers to live: all of them, or none for the sandbox. */
export function liveKeys(choice: ProviderChoice): string[] {
  return chosenList(choice).flatMap((d) => [...d.settings.credentials]);
}

/** A provider's sets of live credentials: its own, then any alternative (one set is used at a time). */
export function credentialSets(d: AnyProviderDescriptor): Array<readonly string[]> {
  return [d.settings.credentials, ...(d.settings.alternativeCredentials ?? [])];
}

/** Whether a chosen provider refreshes OAuth tokens with these live settings. */
export function usesOAuth(d: AnyProviderDescriptor, settings: unknown): boolean {
  return d.oauth === true && (d.usesOAuth?.(settings) ?? true);
}

/**
 * Live settings when every chosen provider has one complete set of credentials; null when none of
 * their variables are set; anything between is one problem per missing variable (or per provider
 * given two sets at once).
 */
export function liveSettings(
  choice: ProviderChoice,
  values: Readonly<Record<string, unknown>>,
  env: Env,
  problems: string[],
): { live: Record<string, unknown> | null; partial: boolean } {
  const chosen = chosenList(choice);
  const given = (set: readonly string[]) => set.filter((k) => isSet(env, k));
  // A credential that also verifies webhooks (HubSpot's client secret) is set in sandbox mode too:
  // alone it does not ask for live mode.
  const asking = (d: AnyProviderDescriptor, set: readonly string[]) =>
    given(set).filter((k) => d.changes?.kind !== 'webhook' || k !== d.changes.secretsVariable);
  if (!chosen.some((d) => credentialSets(d).some((set) => asking(d, set).length > 0))) {
    return { live: null, partial: false };
  }
  // Per provider, the set it is being configured with: the complete one, else the one most given.
  const picked = chosen.map((d) => {
    const sets = credentialSets(d);
    const complete = sets.filter((set) => given(set).length === set.length);
    const best = complete[0] ?? sets.reduce((a, b) => (asking(d, b).length > asking(d, a).length ? b : a));
    return { d, sets, complete, best };
  });
  const keys = picked.flatMap((p) => [...p.best]);
  const before = problems.length;
  for (const { d, sets, complete, best } of picked) {
    const used = [...new Set(sets.flat())].filter((k) => isSet(env, k));
    const choices = sets.map((set) => set.join(' + ')).join(' or ');
    // A variable may serve more than credentials (HUBSPOT_CLIENT_SECRET also verifies webhooks): only two whole sets are ambiguous.
    if (complete.length > 1) {
      problems.push(`${used.join(', ')} are all set: ${d.title} takes one of ${choices}, not two`);
      continue;
    }
    const alternatives = sets.length > 1 ? `; ${d.title} takes ${choices}` : '';
    for (const missing of best.filter((k) => !isSet(env, k))) {
      problems.push(
        `${missing} is missing: live mode needs all of ${keys.join(', ')} (or none of them for the sandbox)${alternatives}`,
      );
    }
  }
  if (problems.length > before) return { live: null, partial: true };
  const live: Record<string, unknown> = {};
  for (const d of chosen) live[d.name] = d.settings.live(values, env);
  return { live, partial: false };
}

export function webhookSecrets(values: Readonly<Record<string, unknown>>): Record<string, string[]> {
  const secrets: Record<string, string[]> = {};
  for (const d of PROVIDER_DESCRIPTORS) {
    if (d.changes?.kind !== 'webhook') continue;
    secrets[d.name] = (values[d.changes.secretsVariable] as string[] | undefined) ?? [];
  }
  return secrets;
}

/** Each registered provider's transport policy: its variables, else the transport's and its own defaults. */
export function policyConfig(
  values: Readonly<Record<string, unknown>>,
  env: Env,
  problems: string[],
): Record<string, ProviderPolicyConfig> {
  const policies: Record<string, ProviderPolicyConfig> = {};
  for (const d of PROVIDER_DESCRIPTORS) {
    const read = (setting: PolicySetting) => values[policyEnvName(d.name, setting)] as number | undefined;
    policies[d.name] = {
      retries: read('RETRIES') ?? DEFAULT_RETRIES,
      circuitThreshold: read('CIRCUIT_THRESHOLD') ?? DEFAULT_CIRCUIT_THRESHOLD,
      circuitWindowMs: read('CIRCUIT_WINDOW_MS') ?? DEFAULT_CIRCUIT_WINDOW_MS,
      circuitMinCalls: read('CIRCUIT_MIN_CALLS') ?? DEFAULT_CIRCUIT_MIN_CALLS,
      circuitHalfOpenMs: read('CIRCUIT_HALF_OPEN_MS') ?? DEFAULT_CIRCUIT_HALF_OPEN_MS,
      concurrency: read('CONCURRENCY') ?? d.transport.concurrency,
      queue: read('QUEUE') ?? d.transport.queue,
    };
  }
  // The breaker judges a failure rate now; a consecutive-failure count left set would silently do nothing.
  for (const d of PROVIDER_DESCRIPTORS) {
    const name = `${d.name.toUpperCase()}_CIRCUIT_FAILURES`;
    if (isSet(env, name)) {
      problems.push(
        `${name} is no longer read: the circuit opens on a failure rate (${d.name.toUpperCase()}_CIRCUIT_THRESHOLD, _CIRCUIT_WINDOW_MS, _CIRCUIT_MIN_CALLS)`,
      );
    }
  }
  return policies;
}

/** The defaults a chosen provider's bulkhead starts from, by name (for docs and tests). */
export function transportDefaults(): Record<string, AnyProviderDescriptor['transport']> {
  return Object.fromEntries(PROVIDER_DESCRIPTORS.map((d) => [d.name, d.transport]));
}
