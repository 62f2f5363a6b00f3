import type { CircuitStateName } from '../../datasources/transport/circuit.js';
import type { CredentialHealth, CredentialState } from '../../datasources/transport/oauth/token-source.js';
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
  /** OAuth credentials per provider, when any provider refreshes tokens. */
  credentials?: Record<string, CredentialState>;
  /** Why it is degraded, in words an operator acts on (credential problems, a provider account not set up for writes). */
  reasons?: string[];
}

const CREDENTIAL_REASONS: Record<Exclude<CredentialState, 'ok'>, string> = {
  revoked:
    'its OAuth refresh token was refused (revoked or expired): authorize the app again and set the new refresh token',
  'refresh-failing': 'its OAuth token endpoint is failing: requests fail until a refresh succeeds',
};

async function cacheHealth(store: ManagedCacheStore | null): Promise<CacheHealth> {
  if (!store) return 'off';
  if (store.kind === 'memory') return 'memory';
  return (await store.healthy()) ? 'ok' : 'unreachable';
}

/**
 * Readiness: Redis down or a circuit open is degraded, not unready. Queries still answer (from the
 * providers, or partially), and taking the replica out of rotation would not bring a provider back.
 */
export async function readiness(
  store: ManagedCacheStore | null,
  policies: PolicyStates,
  credentials: readonly CredentialHealth[] = [],
  /** One line per provider whose account is not (or not yet known to be) set up for writes. */
  setupProblems: readonly string[] = [],
): Promise<Readiness> {
  const cache = await cacheHealth(store);
  const states = policies.all();
  const unavailable = states.filter((s) => s.circuit === 'OPEN').map((s) => s.provider);
  // A provider may hold several sources (its adapter's, its poller's): the worst state speaks for it.
  const worst = new Map<string, CredentialHealth>();
  const rank = { ok: 0, 'refresh-failing': 1, revoked: 2 } as const;
  for (const c of credentials) {
    const seen = worst.get(c.provider);
    if (!seen || rank[c.state] > rank[seen.state]) worst.set(c.provider, c);
  }
  const byProvider = [...worst.values()];
  const troubled = byProvider.filter((c) => c.state !== 'ok');
  for (const c of troubled) if (!unavailable.includes(c.provider)) unavailable.push(c.provider);
  return {
    status:
      cache === 'unreachable' || unavailable.length > 0 || setupProblems.length > 0 ? 'degraded' : 'ready',
    config: 'ok',
    cache,
    circuits: Object.fromEntries(states.map((s) => [s.provider, s.circuit])),
    unavailable,
    ...(byProvider.length === 0
      ? {}
      : { credentials: Object.fromEntries(byProvider.map((c) => [c.provider, c.state])) }),
    ...(troubled.length === 0 && setupProblems.length === 0
      ? {}
      : {
          reasons: [
            ...troubled.map(
              (c) => `${c.provider}: ${CREDENTIAL_REASONS[c.state as Exclude<CredentialState, 'ok'>]}`,
            ),
            ...setupProblems,
          ],
        }),
  };
}
