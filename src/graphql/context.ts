import type { PolicyStates } from '../../datasources/transport/policy.js';
import type { ChosenProviders } from '../providers/registry.js';
import type { Viewer } from '../auth/scopes.js';
import type { Caching } from '../cache/index.js';
import type { Config, ProviderMode } from '../config.js';
import { createLoaders, type Loaders, type LoaderProviders } from '../loaders/create-loaders.js';
import type { Observability } from '../observability/observability.js';
import type { ProviderStats } from '../observability/provider-stats.js';
import type { OAuthState } from '../providers/oauth.js';
import type { CursorCodec } from '../relay/cursor.js';
import type { PageSizeLimits } from '../relay/page-args.js';
import type { RedisConnection } from '../redis/client.js';
import type { WriteSetup } from '../providers/write-setup.js';
import type { EventBus } from '../subscriptions/bus.js';
import type { Compensator } from '../writes/compensator.js';
import type { MutationLedger } from '../writes/ledger.js';

/** Everything built once per process that requests share (never per-client data). */
export interface Services {
  /** The providers as resolvers use them: with the cache in front when caching is on. */
  providers: LoaderProviders;
  /** The descriptor behind each domain: resolvers ask its capabilities, loaders its batch limits. */
  descriptors: ChosenProviders;
  caching: Caching;
  mode: ProviderMode;
  stats: ProviderStats;
  /** Logger, metrics, tracer and the listeners that feed them. */
  observability: Observability;
  /** Each provider's circuit, bulkhead and retry counts. */
  resilience: PolicyStates;
  cursors: CursorCodec;
  pageSize: PageSizeLimits;
  config: Config;
  /** Sandbox only: a token with every scope, signed with the process's development secret. */
  devToken?: string;
  /** The command connection to Redis shared by ledger, events and rate limits; null without REDIS_URL. */
  redis: RedisConnection | null;
  /** Records of mutations run, so a retried one answers again without writing twice. */
  ledger: MutationLedger;
  /** Runs (and sweeps for) the undos of mutations that failed part-way. */
  compensator: Compensator;
  /** Provider changes announced to GraphQL subscriptions. */
  events: EventBus;
  /** OAuth token state of providers that refresh tokens (their credentials' health for /readyz). */
  oauth?: OAuthState;
  /** Live mode: whether each provider's account is set up for writes (a /readyz line when not). */
  writeSetup?: WriteSetup;
}

/** Per-request context: a fresh loader set plus the shared services. */
export interface RequestContext {
  requestId: string;
  /** Replaced per event in a subscription (see `renewLoaders`), so no event sees the last one's data. */
  loaders: Loaders;
  services: Services;
  /** Who is asking; null only for an anonymous introspection-only request (INTROSPECTION=public). */
  viewer: Viewer | null;
  /** One clock reading per request, so defaults such as "the last 30 days" agree across fields. */
  now: Date;
}

/** A fresh loader set: per HTTP request, and per event of a subscription. */
export function requestLoaders(services: Services): Loaders {
  const { crm, payments, analytics } = services.descriptors;
  return createLoaders(services.providers, {
    limits: { crm: crm.limits, payments: payments.limits, analytics: analytics.limits },
    batching: services.config.batching,
    observeBatch: services.observability.observeBatch,
  });
}

/**
 * A subscription keeps one context for its whole life, but DataLoader remembers every record it
 * loaded: each event starts with a fresh set, or the second event would show the first's state.
 */
export function renewLoaders(ctx: RequestContext): void {
  ctx.loaders = requestLoaders(ctx.services);
}
