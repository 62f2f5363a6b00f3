import type { CircuitStateName } from '../../datasources/transport/circuit.js';
import type { PolicyStates } from '../../datasources/transport/policy.js';
import type { ManagedCacheStore } from '../cache/store.js';

export type CacheHealth = 'off' | 'memory' | 'ok' | 'unreachable';

/** What /readyz answers: ready, or degraded (still serving) with the reasons. */
export interface Readiness {
  status: 'ready' | 'degraded';
  /** Config was read and checked at start, or the process would not be serving. */
  config: 'ok';
  cache: CacheHealth;
  circuits: Record<string, CircuitStateName>;
  /** Providers whose circuit is open: their fields come back null until it closes. */
  unavailable: string[];
}

async function cacheHealth(store: ManagedCacheStore | null): Promise<CacheHealth> {
  if (!store) return 'off';
  if (store.kind === 'memory') return 'memory';
  return (await store.healthy()) ? 'ok' : 'unreachable';
}

/**
 * Readiness: Redis down or a circuit open is degraded, not unready. Queries still answer (from the
 * providers, or partially), and taking the replica out of rotation would not bring a provider back.
 */
export async function readiness(store: ManagedCacheStore | null, policies: PolicyStates): Promise<Readiness> {
  const cache = await cacheHealth(store);
  const states = policies.all();
  const unavailable = states.filter((s) => s.circuit === 'OPEN').map((s) => s.provider);
  return {
    status: cache === 'unreachable' || unavailable.length > 0 ? 'degraded' : 'ready',
    config: 'ok',
    cache,
    circuits: Object.fromEntries(states.map((s) => [s.provider, s.circuit])),
    unavailable,
  };
}
