import type { SimulatorContext } from '../context.js';
import type { DocumentedLimit } from '../http/limits.js';
import type { ProviderProtocol } from '../http/provider.js';
import type { RouteDef } from '../http/route.js';
import { authenticatePersonalKey } from './auth.js';
import { fromZodIssues, notFound, posthogError } from './errors.js';
import { FeatureFlags } from './flags.js';
import { PostHogModel } from './model.js';
import { captureRoutes, type CapturedEvent } from './routes/capture.js';
import { eventRoutes } from './routes/events.js';
import { flagRoutes } from './routes/flags.js';
import { personRoutes } from './routes/persons.js';
import { queryRoutes } from './routes/query.js';

export { PostHogModel, SITE_ORIGIN } from './model.js';
export { FeatureFlags } from './flags.js';
export { posthogAdminRoutes } from './admin.js';
export { POSTHOG_PROJECT_TOKEN, type CapturedEvent } from './routes/capture.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * PostHog's DRF throttles for personal-API-key requests (FACTS §3, posthog/rate_limit.py); capture is exempt.
 * The Query API adds the per-team HogQL throttle (120 an hour unless the team's limit was raised).
 */
function posthogLimits(route: RouteDef): readonly DocumentedLimit[] {
  // Capture and remote flag evaluation are exempt (FACTS §3).
  if (route.public) return [];
  if (route.path.endsWith('/query/')) {
    return [
      { name: 'api_queries_burst', limit: 240, windowMs: MINUTE },
      { name: 'api_queries_sustained', limit: 2400, windowMs: HOUR },
      { name: 'hogql_query', limit: 120, windowMs: HOUR, perAccount: true },
    ];
  }
  if (/\/(events|persons)\//.test(route.path)) {
    return [
      { name: 'clickhouse_burst', limit: 240, windowMs: MINUTE },
      { name: 'clickhouse_sustained', limit: 1200, windowMs: HOUR },
    ];
  }
  return [
    { name: 'burst', limit: 480, windowMs: MINUTE },
    { name: 'sustained', limit: 4800, windowMs: HOUR },
  ];
}

/**
 * The PostHog simulator: persons, the (deprecated) events list and the HogQL Query API over the data set,
 * plus capture, whose events (once per uuid) the list and the Query API then show. `captured` receives
 * every stored event in arrival order (events already in it are treated as captured before).
 */
export function createPostHogProtocol(
  ctx: SimulatorContext,
  captured: CapturedEvent[] = [],
  flags: FeatureFlags = new FeatureFlags(),
): ProviderProtocol {
  const model = new PostHogModel(ctx.dataset);
  for (const event of captured) model.capture(event);
  const accept = (event: CapturedEvent): void => {
    // false: the uuid was captured before, and PostHog keeps an event once.
    if (model.capture(event)) captured.push(event);
  };
  return {
    name: 'posthog',
    title: 'PostHog API',
    routes: [
      ...personRoutes(ctx, model),
      ...eventRoutes(ctx, model),
      ...queryRoutes(ctx, model),
      ...captureRoutes(accept),
      ...flagRoutes(flags, () => ctx.credentials.posthogProjectId),
    ],
    authenticate: (headers, query) => authenticatePersonalKey(ctx.credentials.posthogApiKey, headers, query),
    invalid: (issues) => fromZodIssues(issues),
    unknownRoute: () => notFound(),
    serverError: () => posthogError(500, 'server_error', 'error', 'A server error occurred.'),
    unavailable: () =>
      posthogError(
        503,
        'server_error',
        'service_unavailable',
        'Service temporarily unavailable, try again later.',
      ),
    documentedLimits: posthogLimits,
    rateLimited: (state) => {
      const seconds = Math.max(1, Math.ceil(state.resetInMs / 1000));
      return posthogError(
        429,
        'throttled_error',
        'throttled',
        `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`,
        null,
        { 'Retry-After': String(seconds) },
      );
    },
    malformedBody: () =>
      posthogError(400, 'invalid_request', 'parse_error', 'JSON parse error - Expecting value'),
    securitySchemes: {
      PersonalAPIKeyAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'A personal API key (`phx_...`) in `Authorization: Bearer`.',
      },
    },
  };
}
