import type { Logger } from 'pino';
import { LocalTier } from '../../datasources/cache/local-tier.js';
import {
  CacheStats,
  CachedAnalytics,
  CachedCrm,
  CachedPayments,
  ReadThroughCache,
  credentialFingerprint,
  type CacheKind,
  type TtlPolicy,
} from '../../datasources/cache/index.js';
import type { CacheConfig } from '../config.js';
import type { LoaderProviders } from '../loaders/create-loaders.js';
import type { ConnectedProviders } from '../providers/connect.js';
import { createCacheStore, type ManagedCacheStore } from './store.js';

/** The cache as the gateway uses it: providers with caching in front, and what readiness and tests read. */
export interface Caching {
  providers: LoaderProviders;
  /** Null when caching is off. */
  store: ManagedCacheStore | null;
  stats: CacheStats;
  /** Decoded entries in this process (null when caching or the tier is off). */
  local: LocalTier | null;
  /**
   * Makes the cache writes still waiting (they wait a few ms, off the request's critical path) now:
   * called when an answer has been sent, so what it fetched is in the store for the next request,
   * on any replica.
   */
  startWrites(): void;
  /** Announces every invalidation through `publish` (to other replicas' local tiers) from now on. */
  announceWith(publish: (keys: readonly string[]) => Promise<void>): void;
  /** Entity invalidation, for writes and webhooks. */
  invalidate: {
    crm: Pick<CachedCrm, 'invalidateContact' | 'invalidateDeal' | 'invalidateCompany'> | null;
    payments: Pick<CachedPayments, 'invalidatePayments' | 'invalidateAccount'> | null;
  };
  close(): Promise<void>;
}

function policyOf(config: CacheConfig): TtlPolicy {
  const ttlMs = Object.fromEntries(
    Object.entries(config.ttlSeconds).map(([kind, seconds]) => [kind, seconds * 1000]),
  ) as Record<CacheKind, number>;
  return { ttlMs, staleMs: config.staleSeconds * 1000 };
}

/**
 * Puts read-through caching in front of the three providers (or passes them through when off).
 * `now` is the cache's clock (epoch ms) for freshness; tests move it instead of waiting.
 */
export function withCache(
  config: CacheConfig,
  connected: ConnectedProviders,
  logger: Logger,
  now?: () => number,
): Caching {
  const stats = new CacheStats();
  if (!config.enabled) {
    return {
      providers: connected.providers,
      store: null,
      stats,
      local: null,
      startWrites: () => {},
      announceWith: () => {},
      invalidate: { crm: null, payments: null },
      close: async () => {},
    };
  }
  let lastLogged = 0;
  const logStoreError = (error: unknown) => {
    // A dead Redis fails every read; one warning a few seconds is enough to see it.
    if (Date.now() - lastLogged > 5_000) {
      lastLogged = Date.now();
      logger.warn({ err: error }, 'cache store error: serving from providers');
    }
  };
  const store = createCacheStore({
    redisUrl: config.redisUrl,
    readTimeoutMs: config.readTimeoutMs,
    onError: (error) => {
      stats.add('store', 'errors');
      logStoreError(error);
    },
  });
  const policy = policyOf(config);
  const local = config.local.maxBytes > 0 ? new LocalTier(config.local) : null;
  let announce = async (_keys: readonly string[]): Promise<void> => {};
  const cacheFor = (provider: string, credential: string) =>
    new ReadThroughCache({
      store,
      stats,
      policy,
      provider,
      credentialFingerprint: credentialFingerprint(provider, credential),
      onWriteError: logStoreError,
      ...(local ? { local, onInvalidate: (keys: readonly string[]) => announce(keys) } : {}),
      ...(now ? { now } : {}),
    });
  const { crm, payments, analytics } = connected.providers;
  const caches = [
    cacheFor(crm.name, connected.credentials.crm),
    cacheFor(payments.name, connected.credentials.payments),
    cacheFor(analytics.name, connected.credentials.analytics),
  ] as const;
  const cachedCrm = new CachedCrm(crm, caches[0]);
  const cachedPayments = new CachedPayments(payments, caches[1]);
  const cachedAnalytics = new CachedAnalytics(analytics, caches[2]);
  return {
    providers: { crm: cachedCrm, payments: cachedPayments, analytics: cachedAnalytics },
    store,
    stats,
    local,
    startWrites: () => {
      for (const cache of caches) cache.startWrites();
    },
    announceWith: (publish) => {
      announce = publish;
    },
    invalidate: { crm: cachedCrm, payments: cachedPayments },
    // Answers never wait for cache writes; shutdown does, so the last ones are not cut off.
    close: async () => {
      await Promise.all(caches.map((c) => c.writesSettled()));
      await store.close();
    },
  };
}
