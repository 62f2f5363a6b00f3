import { ProviderPolicies, ProviderPolicy, type PolicyEvents } from '../datasources/transport/policy.js';
import { POLICY_PROVIDERS, type ResilienceConfig } from './config.js';

/** One transport policy per provider, from config; `events` is where metrics and logs will listen. */
export function createProviderPolicies(config: ResilienceConfig, events?: PolicyEvents): ProviderPolicies {
  return new ProviderPolicies(
    POLICY_PROVIDERS.map((provider) => {
      const settings = config.providers[provider];
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
      });
    }),
  );
}
