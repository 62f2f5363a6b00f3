import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheCounts, CacheStats } from '../../datasources/cache/stats.js';
import type { UpstreamCall } from '../../datasources/transport/http-client.js';
import type { PolicyStates } from '../../datasources/transport/policy.js';
import type { OperationOutcome } from './outcome.js';

/** Seconds: GraphQL operations span cache hits (ms) to fan-outs near the request deadline (10 s). */
export const DEFAULT_OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: one provider call, from a keep-alive loopback (ms) to the per-attempt timeout (10 s). */
export const DEFAULT_PROVIDER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Keys per DataLoader batch, up to the largest provider batch limit (1000). */
export const DEFAULT_BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 250, 500, 1000];
/** Upstream calls one operation makes; the dashboard makes a few dozen. */
export const DEFAULT_UPSTREAM_CALL_BUCKETS = [0, 1, 2, 5, 10, 20, 50, 100, 200];

/** The circuit gauge's value per state, so a graph reads 0 healthy, 1 probing, 2 failing fast. */
export const CIRCUIT_VALUE = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 } as const;

const CACHE_FIELDS: ReadonlyArray<[keyof CacheCounts, string]> = [
  ['hits', 'hit'],
  ['misses', 'miss'],
  ['staleServed', 'stale'],
  ['errors', 'error'],
  ['localHits', 'local'],
];

/** `2xx`, `4xx`, `5xx`, or `network` for a call that got no HTTP answer (timeout, refused). */
export function statusClass(status: number | null): string {
  return status === null ? 'network' : `${Math.floor(status / 100)}xx`;
}

/** What the metrics read at scrape time rather than count as they happen. */
export interface MetricSources {
  policies: PolicyStates;
  cache: CacheStats;
  /** Open subscription listeners on this replica. */
  subscriptions?: () => number;
}

/**
 * Concord's Prometheus metrics, in a registry of their own (not prom-client's global one), so
 * two gateways in one process (tests) never share or double-register a metric.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operations: Counter<'operation' | 'outcome'>;
  private readonly operationSeconds: Histogram<'operation' | 'outcome'>;
  private readonly upstreamCalls: Histogram<'operation'>;
  private readonly providerRequests: Counter<'provider' | 'endpoint' | 'status_class'>;
  private readonly providerSeconds: Histogram<'provider' | 'endpoint' | 'status_class'>;
  private readonly batchSizes: Histogram<'loader'>;
  private readonly apiUsage: Gauge<'provider' | 'of'>;
  private readonly unhandledRejections: Counter;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.operations = new Counter({
      name: 'concord_graphql_operations_total',
      help: 'GraphQL operations by operation name and outcome (ok, partial, error)',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.operationSeconds = new Histogram({
      name: 'concord_graphql_operation_duration_seconds',
      help: 'GraphQL operation duration from request start to response',
      labelNames: ['operation', 'outcome'],
      buckets: DEFAULT_OPERATION_BUCKETS,
      registers,
    });
    this.upstreamCalls = new Histogram({
      name: 'concord_graphql_operation_upstream_calls',
      help: 'Provider calls (attempts) made for one GraphQL operation',
      labelNames: ['operation'],
      buckets: DEFAULT_UPSTREAM_CALL_BUCKETS,
      registers,
    });
    this.providerRequests = new Counter({
      name: 'concord_provider_requests_total',
      help: 'Provider HTTP attempts by provider, endpoint template and status class',
      labelNames: ['provider', 'endpoint', 'status_class'],
      registers,
    });
    this.providerSeconds = new Histogram({
      name: 'concord_provider_request_duration_seconds',
      help: 'Provider HTTP attempt duration',
      labelNames: ['provider', 'endpoint', 'status_class'],
      buckets: DEFAULT_PROVIDER_BUCKETS,
      registers,
    });
    this.batchSizes = new Histogram({
      name: 'concord_dataloader_batch_size',
      help: 'Keys per DataLoader batch, by loader',
      labelNames: ['loader'],
      buckets: DEFAULT_BATCH_BUCKETS,
      registers,
    });
    this.apiUsage = new Gauge({
      name: 'concord_provider_api_usage',
      help: "The account's API calls in the provider's own window (Salesforce: rolling 24 h, Sforce-Limit-Info), used and allocation, as its last answer said",
      labelNames: ['provider', 'of'],
      registers,
    });
    this.unhandledRejections = new Counter({
      name: 'concord_unhandled_rejections_total',
      help: 'Promise rejections nothing handled: each one is a bug (logged at error level); the process keeps running',
      registers,
    });
  }

  /** Registers what is read at scrape time; called once, when policies and cache exist. */
  watch(sources: MetricSources): void {
    this.scrapedFromPolicies(sources.policies);
    this.scrapedFromQuotas(sources.policies);
    this.scrapedFromCache(sources.cache);
    const { subscriptions } = sources;
    if (subscriptions) {
      new Gauge({
        name: 'concord_subscriptions_active',
        help: 'GraphQL subscriptions listening for changes on this replica',
        registers: [this.registry],
        collect() {
          this.set(subscriptions());
        },
      });
    }
  }

  recordCall = (call: UpstreamCall): void => {
    const labels = {
      provider: call.provider,
      endpoint: call.endpoint,
      status_class: statusClass(call.status),
    };
    this.providerRequests.inc(labels);
    this.providerSeconds.observe(labels, call.durationMs / 1000);
    if (call.usage) {
      this.apiUsage.set({ provider: call.provider, of: 'used' }, call.usage.used);
      this.apiUsage.set({ provider: call.provider, of: 'allocation' }, call.usage.allocation);
    }
  };

  recordOperation(
    operation: string,
    outcome: OperationOutcome,
    seconds: number,
    upstreamCalls: number,
  ): void {
    this.operations.inc({ operation, outcome });
    this.operationSeconds.observe({ operation, outcome }, seconds);
    this.upstreamCalls.observe({ operation }, upstreamCalls);
  }

  recordBatch(loader: string, size: number): void {
    this.batchSizes.observe({ loader }, size);
  }

  recordUnhandledRejection = (): void => {
    this.unhandledRejections.inc();
  };

  /** Circuit, bulkhead, retries and refusals: the policies keep them, read at each scrape. */
  private scrapedFromPolicies(policies: PolicyStates): void {
    const registers = [this.registry];
    new Gauge({
      name: 'concord_circuit_state',
      help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const s of policies.all()) this.set({ provider: s.provider }, CIRCUIT_VALUE[s.circuit]);
      },
    });
    new Gauge({
      name: 'concord_bulkhead_active',
      help: 'Provider calls holding a bulkhead slot',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const s of policies.all()) this.set({ provider: s.provider }, s.bulkhead.active);
      },
    });
    new Gauge({
      name: 'concord_bulkhead_queued',
      help: 'Provider calls waiting for a bulkhead slot',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const s of policies.all()) this.set({ provider: s.provider }, s.bulkhead.queued);
      },
    });
    // Counters kept by the policy since start: each scrape adds what is new since the last one.
    const retried = new Map<string, number>();
    new Counter({
      name: 'concord_provider_retries_total',
      help: 'Retries of provider calls (after the first attempt)',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const s of policies.all()) {
          this.inc({ provider: s.provider }, s.retries - (retried.get(s.provider) ?? 0));
          retried.set(s.provider, s.retries);
        }
      },
    });
    const refused = new Map<string, number>();
    new Counter({
      name: 'concord_provider_rejections_total',
      help: 'Provider calls refused locally: circuit open, bulkhead full, deadline passed',
      labelNames: ['provider', 'reason'],
      registers,
      collect() {
        for (const s of policies.all()) {
          for (const [reason, n] of Object.entries(s.rejected)) {
            const key = `${s.provider}/${reason}`;
            this.inc({ provider: s.provider, reason }, n - (refused.get(key) ?? 0));
            refused.set(key, n);
          }
        }
      },
    });
  }

  /** Each provider quota's room, queue and refusals (datasources/transport/provider-quota.ts). */
  private scrapedFromQuotas(policies: PolicyStates): void {
    const registers = [this.registry];
    const classes = () =>
      policies.all().flatMap((s) => (s.quota?.classes ?? []).map((c) => ({ provider: s.provider, c })));
    new Gauge({
      name: 'concord_provider_quota_remaining',
      help: 'Calls left in the fullest window of a provider quota class at its last grant',
      labelNames: ['provider', 'class'],
      registers,
      collect() {
        for (const { provider, c } of classes())
          if (c.remaining !== null) this.set({ provider, class: c.name }, c.remaining);
      },
    });
    new Gauge({
      name: 'concord_provider_quota_waiting',
      help: 'Provider calls waiting for room in the quota, and the clients they belong to',
      labelNames: ['provider', 'class', 'of'],
      registers,
      collect() {
        for (const { provider, c } of classes()) {
          this.set({ provider, class: c.name, of: 'calls' }, c.waiting);
          this.set({ provider, class: c.name, of: 'clients' }, c.lanes);
        }
      },
    });
    const seen = new Map<string, number>();
    new Counter({
      name: 'concord_provider_quota_throttled_total',
      help: 'Provider calls held back by the quota: refused before their deadline (quota) or answered 429 (provider)',
      labelNames: ['provider', 'by'],
      registers,
      collect() {
        for (const s of policies.all()) {
          if (!s.quota) continue;
          for (const [by, n] of [
            ['quota', s.quota.throttled],
            ['provider', s.quota.rateLimited],
          ] as const) {
            const key = `${s.provider}/${by}`;
            this.inc({ provider: s.provider, by }, n - (seen.get(key) ?? 0));
            seen.set(key, n);
          }
        }
      },
    });
  }

  private scrapedFromCache(cache: CacheStats): void {
    const seen = new Map<string, number>();
    new Counter({
      name: 'concord_cache_requests_total',
      help: 'Cache reads by provider and result: hit, miss, stale (served past freshness), error; local: entries read in-process without Redis (a part of the reads)',
      labelNames: ['provider', 'result'],
      registers: [this.registry],
      collect() {
        for (const [provider, counts] of Object.entries(cache.snapshot())) {
          for (const [field, result] of CACHE_FIELDS) {
            const key = `${provider}/${result}`;
            const delta = counts[field] - (seen.get(key) ?? 0);
            // The stats may be reset (tests); a counter never goes down, so start again from there.
            this.inc({ provider, result }, Math.max(0, delta));
            seen.set(key, counts[field]);
          }
        }
      },
    });
  }
}
