import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ObservabilityConfig } from '../config.js';
import type { Tracing } from './tracing.js';

/**
 * The OpenTelemetry SDK, imported only when spans have somewhere to go: with traces off (the default)
 * its ~150 modules and ~20 MiB of resident memory never load.
 */
export async function loadTracing(
  traces: ObservabilityConfig['traces'],
  exporter?: SpanExporter,
): Promise<Tracing | null> {
  if (!exporter && traces.exporter === 'none') return null;
  const { startTracing } = await import('./tracing.js');
  return startTracing(traces, exporter);
}
