import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import { withCache, type Caching } from './cache/index.js';
import { openInvalidationFeed, type InvalidationFeed } from './cache/invalidation-feed.js';
import { signDevToken } from './auth/dev-token.js';
import type { Config } from './config.js';
import type { RuleTree } from './auth/rules.js';
import { Observability } from './observability/observability.js';
import { loadTracing } from './observability/load-tracing.js';
import { CursorCodec } from './relay/cursor.js';
import { connectProviders, type ConnectedProviders } from './providers/connect.js';
import { OAuthState } from './providers/oauth.js';
import { WriteSetup } from './providers/write-setup.js';
import { DOMAIN_KEYS } from './providers/registry.js';
import { startGateway, type Gateway } from './server.js';
import { openEventBus, type EventBus } from './subscriptions/bus.js';
import { closeRedis, connectRedis } from './redis/client.js';
import { ChangePollRunner, watermarksFor } from './webhooks/change-poll.js';
import { applyModelChanges } from './webhooks/model-changes.js';
import { Compensator } from './writes/compensator.js';
import { leasesFor } from './writes/leases.js';
import { ledgerFor } from './writes/ledger.js';
import { providerQuotaStore } from './limits/provider-quota-redis.js';

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
  /** The clock webhook signatures are checked against (tests fix it); default Date.now. */
  clock?: () => number;
  /** The field rules; default src/auth/permissions.ts. */
  permissions?: RuleTree;
  /** The cache's clock for freshness (epoch ms); tests move it instead of waiting for entries to age. */
  cacheClock?: () => number;
  /**
   * The time the in-process sandbox's twins and the change pollers read (epoch ms); tests move it
   * instead of waiting for Salesforce's whole-minute change windows. Default Date.now.
   */
  providerClock?: () => number;
}

/**
 * In sandbox mode, unless told otherwise, the sandbox's webhooks come to this gateway, signed with
 * secrets made for this process: writes then reach subscriptions and the cache as with real providers.
 */
function sandboxWebhooks(
  config: Config,
  connected: ConnectedProviders,
): { config: Config; wire(origin: string): void } {
  const { sandbox } = connected;
  const configured = Object.values(config.webhooks.secrets).some((secrets) => secrets.length > 0);
  if (!sandbox || sandbox.webhooks.current.url || configured) return { config, wire: () => {} };
  const secrets: Record<string, string[]> = {};
  const twinSecrets: Record<string, string> = {};
  for (const key of DOMAIN_KEYS) {
    const { name, changes, twin } = connected.descriptors[key];
    if (changes?.kind !== 'webhook') continue;
    const secret = changes.newSecret();
    secrets[name] = [secret];
    twinSecrets[twin.name] = secret;
  }
  return {
    config: {
      ...config,
      webhooks: { ...config.webhooks, secrets: { ...config.webhooks.secrets, ...secrets } },
    },
    wire: (origin) => sandbox.sendWebhooksTo(origin, twinSecrets),
  };
}

/** Wires config → providers → services → gateway; the one place that does, for main and tests alike. */
export async function startConcord(
  given: Config,
  { logger, env = process.env, spanExporter, clock, permissions, cacheClock, providerClock }: StartOptions,
): Promise<Concord> {
  const observability = new Observability(
    given.observability,
    logger,
    await loadTracing(given.observability.traces, spanExporter),
  );
  const { stats } = observability;
  // One command connection for the ledger, event publishes, rate limits, provider quotas and cache
  // invalidations (cache reads and writes have their own, src/cache/store.ts).
  const redis = given.cache.redisUrl
    ? await connectRedis(given.cache.redisUrl, logger, 'shared state')
    : null;
  // OAuth token state (sealed, in Redis when shared): providers that refresh tokens read it, /readyz reports it.
  const oauth = new OAuthState(given.oauth, redis, logger);
  const connected = await connectProviders(
    given,
    observability.onCall,
    env,
    observability.policyEvents,
    providerQuotaStore(redis),
    oauth.deps,
    providerClock,
  ).catch(async (error: unknown) => {
    if (redis) await closeRedis(redis);
    throw error;
  });
  const webhooks = sandboxWebhooks(given, connected);
  const config = webhooks.config;
  const caching = withCache(config.cache, connected, logger, cacheClock);
  await caching.store?.connected;
  let events: EventBus | null = null;
  let feed: InvalidationFeed | null = null;
  const ledger = ledgerFor(redis);
  const compensator = new Compensator({
    ledger,
    leases: leasesFor(redis),
    crm: caching.providers.crm,
    payments: caching.providers.payments,
    settings: config.writes.compensation,
    attemptTimeoutMs: config.providerTimeoutMs,
    logger,
  });
  // Providers without webhooks: one replica at a time reads their changes and applies them as a delivery's.
  const pollers = connected.polled.map(
    ({ provider, intervalMs, source }) =>
      new ChangePollRunner({
        provider,
        source,
        intervalMs,
        leases: leasesFor(redis),
        watermarks: watermarksFor(redis),
        apply: async (changes) => {
          if (events) await applyModelChanges(caching, events, changes);
        },
        logger,
      }),
  );
  // Live mode: what writes rely on in the provider's account (HubSpot's write-key property), checked once.
  const { crm } = connected.providers;
  const prepareWrites = crm.prepareWrites?.bind(crm);
  const writeSetup = new WriteSetup(
    connected.mode === 'live' && prepareWrites ? [{ provider: crm.name, run: prepareWrites }] : [],
    logger,
  );
  const closeAll = async () => {
    writeSetup.stop();
    await Promise.all(pollers.map((poller) => poller.stop()));
    // Undos first: they still need the providers and Redis; one cut short stays owed in the ledger.
    await compensator.stop();
    await Promise.all([
      connected.close(),
      caching.close(),
      observability.close(),
      events?.close(),
      feed?.close(),
    ]);
    if (redis) await closeRedis(redis);
  };
  try {
    // With replicas, a local tier is only safe while it hears their invalidations.
    if (redis && caching.local) {
      feed = await openInvalidationFeed(redis, caching.local, logger);
      caching.announceWith(feed.publish);
    }
    events = await openEventBus(redis, logger);
    const bus = events;
    observability.watch({
      policies: connected.policies,
      cache: caching.stats,
      subscriptions: () => bus.listening(),
    });
    const devToken = config.auth.jwt ? await signDevToken(config.auth.jwt) : undefined;
    const gateway = await startGateway({
      services: {
        providers: caching.providers,
        descriptors: connected.descriptors,
        caching,
        mode: connected.mode,
        stats,
        observability,
        resilience: connected.policies,
        cursors: new CursorCodec(config.cursorSecrets),
        pageSize: config.pageSize,
        config,
        redis,
        ledger,
        compensator,
        events,
        oauth,
        writeSetup,
        ...(devToken ? { devToken } : {}),
      },
      logger,
      host: config.host,
      port: config.port,
      ...(clock ? { clock } : {}),
      ...(permissions ? { permissions } : {}),
    });
    webhooks.wire(new URL(gateway.url).origin);
    compensator.start();
    await writeSetup.start();
    for (const poller of pollers) poller.start();
    return {
      gateway,
      connected,
      caching,
      observability,
      devToken,
      stop: async () => {
        await gateway.stop();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
