import {
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { UpstreamCall } from '../../datasources/transport/http-client.js';
import type { ObservabilityConfig } from '../config.js';
import { statusClass } from './metrics.js';

/** The instrumentation scope every Concord span is made under. */
export const TRACER_NAME = 'concord';

/**
 * Spans for GraphQL operations, DataLoader batches and provider calls, with the W3C trace context
 * sent upstream. Only built when an exporter is configured: with traces off no SDK runs at all.
 */
export class Tracing {
  private readonly tracer: Tracer;

  constructor(private readonly provider: NodeTracerProvider) {
    this.tracer = provider.getTracer(TRACER_NAME);
  }

  /**
   * Runs one HTTP request's handling inside its operation span (ended when the response is sent),
   * so every span the request makes, however deep, is a child of it.
   */
  inOperation<T>(onEnd: (end: () => void) => void, fn: () => T): T {
    const span = this.tracer.startSpan('graphql.operation', { kind: SpanKind.SERVER });
    onEnd(() => span.end());
    return context.with(trace.setSpan(context.active(), span), fn);
  }

  /** Names the current operation span once Apollo knows the operation, and records how it ended. */
  describeOperation(name: string, type: string | undefined, outcome: string): void {
    const span = trace.getActiveSpan();
    if (!span) return;
    span.updateName(`graphql.operation ${name}`);
    span.setAttributes({
      'graphql.operation.name': name,
      'graphql.operation.type': type ?? 'unknown',
      'concord.outcome': outcome,
    });
    if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  }

  /** The headers (`traceparent`, `tracestate`) that carry the current trace to a provider. */
  propagationHeaders(): Record<string, string> {
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    return headers;
  }

  /** One DataLoader batch as a span; the provider calls it makes are its children. */
  async batch<V>(loader: string, size: number, run: () => Promise<V>): Promise<V> {
    return this.tracer.startActiveSpan(
      `dataloader.batch ${loader}`,
      { attributes: { 'concord.loader': loader, 'concord.batch.size': size } },
      async (span: Span) => {
        try {
          return await run();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  /**
   * A provider call as a span, made when the transport reports it (the transport knows nothing of
   * tracing): started back at the call's start, under whatever span was active when it was made.
   */
  recordCall = (call: UpstreamCall): void => {
    const end = Date.now();
    const span = this.tracer.startSpan(`${call.provider} ${call.endpoint}`, {
      kind: SpanKind.CLIENT,
      startTime: end - call.durationMs,
      attributes: {
        'concord.provider': call.provider,
        'concord.endpoint': call.endpoint,
        'concord.status_class': statusClass(call.status),
        ...(call.status === null ? {} : { 'http.response.status_code': call.status }),
      },
    });
    if (call.status === null || call.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(end);
  };

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
    // Leave the globals as found, so a later gateway in this process can register its own.
    trace.disable();
    context.disable();
    propagation.disable();
  }
}

function exporterFor(traces: ObservabilityConfig['traces']): SpanExporter | null {
  if (traces.exporter === 'otlp')
    return new OTLPTraceExporter({ url: `${traces.otlpEndpoint.replace(/\/$/, '')}/v1/traces` });
  if (traces.exporter === 'console') return new ConsoleSpanExporter();
  return null;
}

/**
 * Starts the OpenTelemetry SDK for the configured exporter, or returns null when traces are off.
 * `exporter` replaces the configured one (tests pass an in-memory exporter).
 */
export function startTracing(traces: ObservabilityConfig['traces'], exporter?: SpanExporter): Tracing | null {
  const chosen = exporter ?? exporterFor(traces);
  if (!chosen) return null;
  // Batches for a collector over the network; one at a time for a test's or console's exporter.
  const processor: SpanProcessor =
    exporter || traces.exporter === 'console'
      ? new SimpleSpanProcessor(chosen)
      : new BatchSpanProcessor(chosen);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: traces.serviceName }),
    spanProcessors: [processor],
  });
  // Registers the async-hooks context manager and the W3C trace-context propagator globally.
  provider.register();
  return new Tracing(provider);
}
