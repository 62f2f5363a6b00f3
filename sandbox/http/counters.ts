import { TWINS, type TwinName } from './provider.js';

export interface CounterSnapshot {
  /** Requests per provider, all endpoints together. */
  total: Record<TwinName, number>;
  /** Requests per provider and endpoint, keyed `METHOD /path/{template}`. */
  byEndpoint: Record<TwinName, Record<string, number>>;
  /** Requests per provider and status code. */
  byStatus: Record<TwinName, Record<string, number>>;
}

/** Counts every request a simulator receives, whatever its outcome, for tests and benchmarks. */
export class RequestCounters {
  private snapshotData: CounterSnapshot = RequestCounters.empty();

  private static empty(): CounterSnapshot {
    const each = <T>(make: () => T) =>
      Object.fromEntries(TWINS.map((p) => [p, make()])) as Record<TwinName, T>;
    return { total: each(() => 0), byEndpoint: each(() => ({})), byStatus: each(() => ({})) };
  }

  record(provider: TwinName, endpoint: string, status: number): void {
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
