/** What is cached, each kind with its own freshness. */
export const CACHE_KINDS = [
  'contacts',
  'companies',
  'deals',
  'accounts',
  'payments',
  'invoices',
  'subscriptions',
  'activity',
  'events',
  'metrics',
  'lists',
] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

/** Seconds each kind stays fresh: slow-changing records long, money short, aggregates in between. */
export const DEFAULT_TTL_SECONDS: Record<CacheKind, number> = {
  companies: 3600,
  contacts: 300,
  deals: 300,
  accounts: 600,
  payments: 60,
  invoices: 300,
  subscriptions: 300,
  activity: 300,
  events: 60,
  metrics: 300,
  lists: 30,
};

/** How long past freshness an entry may still be served while its provider is failing. */
export const DEFAULT_STALE_SECONDS = 86_400;
/** "Not found" answers are cached briefly: the record may be created any moment. */
export const NEGATIVE_TTL_SECONDS = 30;

export interface TtlPolicy {
  ttlMs: Record<CacheKind, number>;
  staleMs: number;
}
