import type { CacheStats } from '../../datasources/cache/stats.js';
import type { Domain } from '../../datasources/model.js';
import type { CircuitStateName } from '../../datasources/transport/circuit.js';
import type { PolicyStates } from '../../datasources/transport/policy.js';
import type { QuotaState } from '../../datasources/transport/provider-quota.js';
import type { ProviderMode } from '../config.js';
import type { ProviderStats } from './provider-stats.js';

/** One provider's row on the status page. */
export interface ProviderStatusRow {
  name: string;
  domain: Domain;
  mode: ProviderMode;
  circuit: CircuitStateName;
  /** False while the circuit is open: calls fail fast without reaching the provider. */
  available: boolean;
  calls: number;
  errorRate: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Hits over hits and misses since start; null before the first cache read or with the cache off. */
  cacheHitRatio: number | null;
  bulkhead: { active: number; queued: number };
  /** Concord's own quota for the provider (its documented limits), when one is set: what `concord status` shows. */
  quota?: QuotaState;
}

export interface StatusReport {
  generatedAt: string;
  providers: ProviderStatusRow[];
}

export interface StatusSources {
  providers: ReadonlyArray<{ name: string; domain: Domain }>;
  mode: ProviderMode;
  stats: ProviderStats;
  policies: PolicyStates;
  cache: CacheStats;
}

/** What /status.json answers: no customer data, only how each provider is doing. */
export function statusReport(sources: StatusSources, now = new Date()): StatusReport {
  const cache = sources.cache.snapshot();
  return {
    generatedAt: now.toISOString(),
    providers: sources.providers.map(({ name, domain }) => {
      const health = sources.stats.health(name);
      const policy = sources.policies.state(name);
      const counts = cache[name];
      const reads = counts ? counts.hits + counts.misses : 0;
      return {
        name,
        domain,
        mode: sources.mode,
        circuit: policy.circuit,
        available: policy.circuit !== 'OPEN',
        calls: health.calls,
        errorRate: health.errorRate,
        latencyP50Ms: health.latencyP50Ms,
        latencyP95Ms: health.latencyP95Ms,
        cacheHitRatio: counts && reads > 0 ? counts.hits / reads : null,
        bulkhead: { active: policy.bulkhead.active, queued: policy.bulkhead.queued },
        ...(policy.quota ? { quota: policy.quota } : {}),
      };
    }),
  };
}
