import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { withCache, type Caching } from './cache/index.js';
import { signDevToken } from './auth/dev-token.js';
import type { Config } from './config.js';
import { Observability } from './observability/observability.js';
import { startTracing } from './observability/tracing.js';
import { CursorCodec } from './pagination/cursor.js';
import { connectProviders, type ConnectedProviders } from './providers.js';
import { startGateway, type Gateway } from './server.js';

/** A running Concord: the HTTP gateway and the providers behind it (with the sandbox in sandbox mode). */
export interface Concord {
  gateway: Gateway;
  connected: ConnectedProviders;
  caching: Caching;
  /** Logger, metrics and tracer of this gateway. */
  observability: Observability;
  /** Sandbox without JWT settings only: a full-scope development token (see src/auth/dev-token.ts). */
  devToken: string | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Where sandbox settings (SANDBOX_*) are read from in sandbox mode. */
  env?: NodeJS.ProcessEnv;
  /** Replaces the exporter OTEL_TRACES_EXPORTER chooses, and turns tracing on (tests: in-memory). */
  spanExporter?: SpanExporter;
}

/** Wires config → providers → services → gateway; the one place that does, for main and tests alike. */
export async function startConcord(
  config: Config,
  { logger, env = process.env, spanExporter }: StartOptions,
): Promise<Concord> {
  const observability = new Observability(
    config.observability,
    logger,
    startTracing(config.observability.traces, spanExporter),
  );
  const { stats } = observability;
  const connected = await connectProviders(config, observability.onCall, env, observability.policyEvents);
  const caching = withCache(config.cache, connected, logger);
  observability.watch({ policies: connected.policies, cache: caching.stats });
  try {
    const devToken = config.auth.jwt ? await signDevToken(config.auth.jwt) : undefined;
    const gateway = await startGateway({
      services: {
        providers: caching.providers,
        caching,
        mode: connected.mode,
        stats,
        observability,
        resilience: connected.policies,
        cursors: new CursorCodec(config.cursorSecret),
        pageSize: config.pageSize,
        config,
        ...(devToken ? { devToken } : {}),
      },
      logger,
      host: config.host,
      port: config.port,
    });
    return {
      gateway,
      connected,
      caching,
      observability,
      devToken,
      stop: async () => {
        await gateway.stop();
        await Promise.all([connected.close(), caching.close(), observability.close()]);
      },
    };
  } catch (error) {
    await Promise.all([connected.close(), caching.close(), observability.close()]);
    throw error;
  }
}
