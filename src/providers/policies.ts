import { credentialFingerprint } from '../../datasources/cache/read-through.js';
import { ProviderPolicies, ProviderPolicy, type PolicyEvents } from '../../datasources/transport/policy.js';
import { ProviderQuota } from '../../datasources/transport/provider-quota.js';
import type { QuotaStore } from '../../datasources/transport/rate-limiter.js';
import { POLICY_PROVIDERS, type PolicyProvider, type ResilienceConfig } from '../config.js';
import { quotaPlan, type ProviderQuotaSettings } from '../limits/provider-quota-settings.js';

/** Each provider's quota: its limits, where the windows live, and the credential they are counted for. */
export interface QuotaWiring {
  settings: ProviderQuotaSettings;
  store: QuotaStore;
  /** The credential each provider is called with; only its fingerprint reaches a key. */
  credentials: Record<PolicyProvider, string>;
}

function quotaFor(
  provider: PolicyProvider,
  wiring: QuotaWiring | undefined,
  concurrency: number,
): ProviderQuota | undefined {
  const plan = wiring && quotaPlan(provider, wiring.settings);
  if (!wiring || !plan) return undefined;
  return new ProviderQuota({
    provider,
    credentialFingerprint: credentialFingerprint(provider, wiring.credentials[provider]),
    windows: plan.windows,
    classes: plan.classes,
    store: wiring.store,
    windowSlackMs: wiring.settings.windowSlackMs,
    // Room goes with a bulkhead slot, so granted calls never queue behind the bulkhead.
    concurrency,
    ...(plan.readHint ? { readHint: plan.readHint } : {}),
  });
}

/** One transport policy per provider, from config; `events` is where metrics and logs will listen. */
export function createProviderPolicies(
  config: ResilienceConfig,
  events?: PolicyEvents,
  quotas?: QuotaWiring,
): ProviderPolicies {
  return new ProviderPolicies(
    POLICY_PROVIDERS.map((provider) => {
      const settings = config.providers[provider];
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
