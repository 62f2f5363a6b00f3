import type { Logger } from 'pino';
import type { UpstreamCall } from '../../datasources/transport/http-client.js';
import type { PolicyEvents } from '../../datasources/transport/policy.js';
import type { ObservabilityConfig } from '../config.js';
import type { BatchObserver } from '../loaders/create-loaders.js';
import { Metrics, type MetricSources } from './metrics.js';
import { OperationLabels } from './operation-labels.js';
import { ProviderStats } from './provider-stats.js';
import type { Tracing } from './tracing.js';

/**
 * Everything that watches Concord run, in one place the wiring hands around: the logger, the
 * metrics (null with METRICS=false), the tracer (null unless an exporter is configured), the
 * recent per-provider stats, and the listeners the transport and the loaders are given.
 */
export class Observability {
  readonly stats = new ProviderStats();
  readonly metrics: Metrics | null;
  /** Operation names as metric labels and span names: bounded, since clients choose them. */
  readonly operationLabels: OperationLabels;

  constructor(
    readonly config: ObservabilityConfig,
    readonly logger: Logger,
    readonly tracing: Tracing | null,
  ) {
    this.metrics = config.metrics ? new Metrics() : null;
    this.operationLabels = new OperationLabels(config.operationLabels);
  }

  /** The scrape-time sources, known once providers and cache are built (after the listeners). */
  watch(sources: MetricSources): void {
    this.metrics?.watch(sources);
  }

  /** The transport's `onCall`: one upstream attempt, into stats, metrics and a span. */
  onCall = (call: UpstreamCall): void => {
    this.stats.record(call);
    this.metrics?.recordCall(call);
    this.tracing?.recordCall(call);
  };

  /** The policies' events: circuit changes are worth a line each; retries at debug level. */
  readonly policyEvents: PolicyEvents = {
    onCircuitChange: ({ provider, state }) => {
      const level = state === 'OPEN' ? 'warn' : 'info';
      this.logger[level]({ provider, circuit: state }, `circuit of ${provider} is ${state}`);
    },
    onRetry: ({ provider, endpoint, retry, delayMs }) => {
      this.logger.debug({ provider, endpoint, retry, delayMs }, 'retrying a provider call');
    },
  };

  /** Wraps each DataLoader batch: its size into metrics, its run into a span. */
  observeBatch: BatchObserver = (loader, size, run) => {
    this.metrics?.recordBatch(loader, size);
    return this.tracing ? this.tracing.batch(loader, size, run) : run();
  };

  async close(): Promise<void> {
    await this.tracing?.shutdown();
  }
}
