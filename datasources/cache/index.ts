export { CachedAnalytics } from './cached-analytics.js';
export { CachedCrm } from './cached-crm.js';
export { CachedPayments } from './cached-payments.js';
export { ReadThroughCache, credentialFingerprint } from './read-through.js';
export { CacheStats, type CacheCounts } from './stats.js';
export type { CacheStore } from './store.js';
export {
  CACHE_KINDS,
  DEFAULT_STALE_SECONDS,
  DEFAULT_TTL_SECONDS,
  type CacheKind,
  type TtlPolicy,
} from './ttl.js';
