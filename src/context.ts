import type { PolicyStates } from '../datasources/transport/policy.js';
import type { Viewer } from './auth/scopes.js';
import type { Caching } from './cache/index.js';
import type { Config, ProviderMode } from './config.js';
import type { Loaders, LoaderProviders } from './loaders.js';
import type { Observability } from './observability/observability.js';
import type { ProviderStats } from './observability/provider-stats.js';
import type { CursorCodec } from './pagination/cursor.js';
import type { PageSizeLimits } from './pagination/page-args.js';

/** Everything built once per process that requests share (never per-client data). */
export interface Services {
  /** The providers as resolvers use them: with the cache in front when caching is on. */
  providers: LoaderProviders;
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
}

/** Per-request context: a fresh loader set plus the shared services. */
export interface RequestContext {
  requestId: string;
  loaders: Loaders;
  services: Services;
  /** Who is asking; null only for an anonymous introspection-only request (INTROSPECTION=public). */
  viewer: Viewer | null;
  /** One clock reading per request, so defaults such as "the last 30 days" agree across fields. */
  now: Date;
}
