import { credentialFingerprint } from '../../datasources/cache/read-through.js';
import { ProviderPolicies, ProviderPolicy, type PolicyEvents } from '../../datasources/transport/policy.js';
import { ProviderQuota } from '../../datasources/transport/provider-quota.js';
import type { QuotaStore } from '../../datasources/transport/rate-limiter.js';
import type { ResilienceConfig } from '../config.js';
import { quotaPlan, type ProviderQuotaSettings } from '../limits/provider-quota-settings.js';

/** Each provider's quota: its limits, where the windows live, and the credential they are counted for. */
export interface QuotaWiring {
  settings: ProviderQuotaSettings;
  store: QuotaStore;
  /** The credential each provider is called with, by provider name; only its fingerprint reaches a key. */
  credentials: Readonly<Record<string, string>>;
}

function quotaFor(
  provider: string,
  wiring: QuotaWiring | undefined,
  concurrency: number,
): ProviderQuota | undefined {
  const plan = wiring && quotaPlan(provider, wiring.settings);
  const credential = wiring?.credentials[provider];
  if (!wiring || !plan || credential === undefined) return undefined;
  return new ProviderQuota({
    provider,
    credentialFingerprint: credentialFingerprint(provider, credential),
    windows: plan.windows,
    classes: plan.classes,
    store: wiring.store,
    // Room goes with a bulkhead slot, so granted calls never queue behind the bulkhead.
    concurrency,
    ...(plan.readHint ? { readHint: plan.readHint } : {}),
  });
}

/**
 * One transport policy per provider in `providers` (the chosen ones, by name), from config;
 * `events` is where metrics and logs will listen.
 */
export function createProviderPolicies(
  config: ResilienceConfig,
  providers: readonly string[],
  events?: PolicyEvents,
  quotas?: QuotaWiring,
): ProviderPolicies {
  return new ProviderPolicies(
    providers.map((provider) => {
      const settings = config.providers[provider];
      // Config holds a policy for every registered provider; a missing one is a bug, not a setting.
      if (!settings) throw new Error(`no transport policy settings for ${provider}`);
      const quota = quotaFor(provider, quotas, settings.concurrency);
      return new ProviderPolicy({
        provider,
        retries: settings.retries,
        backoff: { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs },
        circuitThreshold: settings.circuitThreshold,
        circuitWindowMs: settings.circuitWindowMs,
        circuitMinCalls: settings.circuitMinCalls,
        circuitHalfOpenMs: settings.circuitHalfOpenMs,
        concurrency: settings.concurrency,
        queue: settings.queue,
        ...(events === undefined ? {} : { events }),
        ...(quota === undefined ? {} : { quota }),
      });
    }),
  );
}
