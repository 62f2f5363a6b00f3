import type { UpstreamCall } from '../../datasources/transport/http-client.js';

/** How many recent calls per provider the error rate and latency percentiles look at. */
export const DEFAULT_STATS_WINDOW = 200;

export interface ProviderHealth {
  calls: number;
  errorRate: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? null;
}

/** A ring of the latest upstream calls per provider, for the `providers` query and the status page. */
export class ProviderStats {
  private readonly recent = new Map<string, UpstreamCall[]>();

  constructor(private readonly window = DEFAULT_STATS_WINDOW) {}

  record = (call: UpstreamCall): void => {
    const calls = this.recent.get(call.provider) ?? [];
    calls.push(call);
    if (calls.length > this.window) calls.shift();
    this.recent.set(call.provider, calls);
  };

  health(provider: string): ProviderHealth {
    const calls = this.recent.get(provider) ?? [];
    const failed = calls.filter((c) => c.status === null || c.status >= 500 || c.status === 429).length;
    const durations = calls.map((c) => c.durationMs).sort((a, b) => a - b);
    return {
      calls: calls.length,
      errorRate: calls.length === 0 ? 0 : failed / calls.length,
      latencyP50Ms: percentile(durations, 50),
      latencyP95Ms: percentile(durations, 95),
    };
  }
}
