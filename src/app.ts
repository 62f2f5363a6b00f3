import type { Logger } from 'pino';
import type { Config } from './config.js';
import { ProviderStats } from './observability/provider-stats.js';
import { CursorCodec } from './pagination/cursor.js';
import { connectProviders, type ConnectedProviders } from './providers.js';
import { startGateway, type Gateway } from './server.js';

/** A running Concord: the HTTP gateway and the providers behind it (with the sandbox in sandbox mode). */
export interface Concord {
  gateway: Gateway;
  connected: ConnectedProviders;
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
  try {
    const gateway = await startGateway({
      services: {
        providers: connected.providers,
        mode: connected.mode,
        stats,
        cursors: new CursorCodec(config.cursorSecret),
        pageSize: config.pageSize,
        config,
      },
      logger,
      host: config.host,
      port: config.port,
    });
    return {
      gateway,
      connected,
      stop: async () => {
        await gateway.stop();
        await connected.close();
      },
    };
  } catch (error) {
    await connected.close();
    throw error;
  }
}
