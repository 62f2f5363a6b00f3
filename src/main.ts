import { pino } from 'pino';
import { ConfigError as SandboxConfigError } from '../sandbox/config.js';
import { ConfigError, readConfig } from './config.js';
import { ProviderStats } from './observability/provider-stats.js';
import { CursorCodec } from './pagination/cursor.js';
import { connectProviders } from './providers.js';
import { startGateway } from './server.js';

async function main(): Promise<void> {
  const config = readConfig();
  const logger = pino({ level: config.logLevel });
  const stats = new ProviderStats();
  const connected = await connectProviders(config, stats.record);
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
  const lines = [`Concord ready at ${gateway.url}`];
  if (connected.sandbox) {
    const { urls } = connected.sandbox;
    lines.push(
      '  sandbox mode: no provider credentials set, so the built-in simulators answer',
      `  HubSpot ${urls.hubspot}  Stripe ${urls.stripe}  PostHog ${urls.posthog}`,
    );
  } else {
    lines.push('  live mode: talking to HubSpot, Stripe and PostHog');
  }
  if (config.cursorSecretIsEphemeral)
    lines.push('  CURSOR_SECRET not set: cursors stop working when this process ends');
  console.log(lines.join('\n'));

  const stop = async (): Promise<void> => {
    await gateway.stop();
    await connected.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof SandboxConfigError ? error.message : error);
  process.exit(1);
});
