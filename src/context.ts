import type { Config, ProviderMode } from './config.js';
import type { Loaders, LoaderProviders } from './loaders.js';
import type { ProviderStats } from './observability/provider-stats.js';
import type { CursorCodec } from './pagination/cursor.js';
import type { PageSizeLimits } from './pagination/page-args.js';

/** Everything built once per process that requests share (never per-client data). */
export interface Services {
  providers: LoaderProviders;
  mode: ProviderMode;
  stats: ProviderStats;
  cursors: CursorCodec;
  pageSize: PageSizeLimits;
  config: Config;
}

/** Per-request context: a fresh loader set plus the shared services. */
export interface RequestContext {
  requestId: string;
  loaders: Loaders;
  services: Services;
  /** One clock reading per request, so defaults such as "the last 30 days" agree across fields. */
  now: Date;
}
