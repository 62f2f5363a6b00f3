import type { ProviderName } from './provider.js';

export interface CounterSnapshot {
  /** Requests per provider, all endpoints together. */
  total: Record<ProviderName, number>;
  /** Requests per provider and endpoint, keyed `METHOD /path/{template}`. */
  byEndpoint: Record<ProviderName, Record<string, number>>;
  /** Requests per provider and status code. */
  byStatus: Record<ProviderName, Record<string, number>>;
}

/** Counts every request a simulator receives, whatever its outcome, for tests and benchmarks. */
export class RequestCounters {
  private snapshotData: CounterSnapshot = RequestCounters.empty();

  private static empty(): CounterSnapshot {
    return {
      total: { hubspot: 0, stripe: 0, posthog: 0 },
      byEndpoint: { hubspot: {}, stripe: {}, posthog: {} },
      byStatus: { hubspot: {}, stripe: {}, posthog: {} },
    };
  }

  record(provider: ProviderName, endpoint: string, status: number): void {
    const s = this.snapshotData;
    s.total[provider] += 1;
    s.byEndpoint[provider][endpoint] = (s.byEndpoint[provider][endpoint] ?? 0) + 1;
    s.byStatus[provider][String(status)] = (s.byStatus[provider][String(status)] ?? 0) + 1;
  }

  /** A copy: later requests do not change it. */
  snapshot(): CounterSnapshot {
    return structuredClone(this.snapshotData);
  }

  reset(): void {
    this.snapshotData = RequestCounters.empty();
  }
}
