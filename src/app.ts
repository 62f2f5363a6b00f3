import type { Logger } from 'pino';
import { withCache, type Caching } from './cache/index.js';
import { signDevToken } from './auth/dev-token.js';
import type { Config } from './config.js';
import { ProviderStats } from './observability/provider-stats.js';
import { CursorCodec } from './pagination/cursor.js';
import { connectProviders, type ConnectedProviders } from './providers.js';
import { startGateway, type Gateway } from './server.js';

/** A running Concord: the HTTP gateway and the providers behind it (with the sandbox in sandbox mode). */
export interface Concord {
  gateway: Gateway;
  connected: ConnectedProviders;
  caching: Caching;
  /** Sandbox without JWT settings only: a full-scope development token (see src/auth/dev-token.ts). */
  devToken: string | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Where sandbox settings (SANDBOX_*) are read from in sandbox mode. */
  env?: NodeJS.ProcessEnv;
}

/** Wires config → providers → services → gateway; the one place that does, for main and tests alike. */
export async function startConcord(
  config: Config,
  { logger, env = process.env }: StartOptions,
): Promise<Concord> {
  const stats = new ProviderStats();
  const connected = await connectProviders(config, stats.record, env);
  const caching = withCache(config.cache, connected, logger);
  try {
    const devToken = config.auth.jwt ? await signDevToken(config.auth.jwt) : undefined;
    const gateway = await startGateway({
      services: {
        providers: caching.providers,
        caching,
        mode: connected.mode,
        stats,
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
      devToken,
      stop: async () => {
        await gateway.stop();
        await Promise.all([connected.close(), caching.close()]);
      },
    };
  } catch (error) {
    await Promise.all([connected.close(), caching.close()]);
    throw error;
  }
}
