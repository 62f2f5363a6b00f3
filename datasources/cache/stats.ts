export interface CacheCounts {
  hits: number;
  misses: number;
  /** Entries served past their freshness because the provider failed. */
  staleServed: number;
  /** Reads that failed or timed out in the store (counted as misses too), and failed writes. */
  errors: number;
  /** Entries read from this process's local tier, with no store round trip or decode. */
  localHits: number;
}

/** Counters per provider, for tests, readiness and (later) metrics. */
export class CacheStats {
  private readonly counts = new Map<string, CacheCounts>();

  add(provider: string, field: keyof CacheCounts, n = 1): void {
    const c = this.counts.get(provider) ?? { hits: 0, misses: 0, staleServed: 0, errors: 0, localHits: 0 };
    c[field] += n;
    this.counts.set(provider, c);
  }

  snapshot(): Record<string, CacheCounts> {
    return Object.fromEntries([...this.counts].map(([k, v]) => [k, { ...v }]));
  }

  reset(): void {
    this.counts.clear();
  }
}
