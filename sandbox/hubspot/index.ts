import type { z } from 'zod';
import type { SimulatorContext } from '../context.js';
import type { ProviderProtocol } from '../http/provider.js';
import { authenticateBearer } from './auth.js';
import { DEFAULT_HUBSPOT_ACCOUNT, type HubSpotAccountSettings } from './account.js';
import {
  hubspotError,
  hubspotRateLimits,
  isSearchRoute,
  rateLimitedReply,
  validationError,
} from './errors.js';
import { DEFAULT_HUBSPOT_APP, HubSpotOAuth, type HubSpotAppSettings } from './oauth.js';
import { associationWriteRoutes } from './routes/association-writes.js';
import { associationRoutes } from './routes/associations.js';
import { batchUpdateRoutes } from './routes/batch-update.js';
import { batchRoutes } from './routes/batch.js';
import { oauthRoutes } from './routes/oauth.js';
import { objectRoutes } from './routes/objects.js';
import { propertyRoutes } from './routes/properties.js';
import { PropertyRegistry } from './properties.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { searchRoutes } from './routes/search.js';
import { writeRoutes } from './routes/writes.js';
import { buildStore } from './store.js';

function fieldOf(issue: z.core.$ZodIssue): string {
  return issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
}

export { DEFAULT_HUBSPOT_APP, HubSpotOAuth, type HubSpotAppSettings } from './oauth.js';
export {
  DEFAULT_HUBSPOT_ACCOUNT,
  HUBSPOT_TWIN_ENV,
  hubspotAccountSettings,
  type HubSpotAccountSettings,
} from './account.js';

/** The twin: its protocol, and its OAuth app's server (sessions tests expire or revoke). */
export interface HubSpotTwin {
  protocol: ProviderProtocol;
  oauth: HubSpotOAuth;
}

/**
 * The HubSpot CRM v3 objects + v4 associations simulator over the seeded data set, with the rate
 * limits of the account `settings` describe (tier, API limit increase, time zone of the daily reset).
 */
export function createHubSpotProtocol(
  ctx: SimulatorContext,
  settings: HubSpotAccountSettings = DEFAULT_HUBSPOT_ACCOUNT,
): ProviderProtocol {
  return createHubSpotTwin(ctx, DEFAULT_HUBSPOT_APP, settings).protocol;
}

/** The simulator with its OAuth app (a private-app token and the app's access tokens both work). */
export function createHubSpotTwin(
  ctx: SimulatorContext,
  app: HubSpotAppSettings = DEFAULT_HUBSPOT_APP,
  settings: HubSpotAccountSettings = DEFAULT_HUBSPOT_ACCOUNT,
): HubSpotTwin {
  const clock = ctx.clock ?? Date.now;
  const oauth = new HubSpotOAuth(app, clock);
  return { oauth, protocol: hubspotProtocol(ctx, oauth, clock, settings) };
}

function hubspotProtocol(
  ctx: SimulatorContext,
  oauth: HubSpotOAuth,
  clock: () => number,
  settings: HubSpotAccountSettings,
): ProviderProtocol {
  const store = buildStore(ctx.dataset);
  const properties = new PropertyRegistry(ctx.clock);
  const limits = hubspotRateLimits(settings);
  return {
    name: 'hubspot',
    title: 'HubSpot CRM API',
    routes: [
      ...objectRoutes(store),
      ...writeRoutes(store, ctx.webhooks, properties),
      ...propertyRoutes(properties, settings),
      ...batchRoutes(store),
      ...batchUpdateRoutes(store, ctx.webhooks, properties),
      ...searchRoutes(store),
      ...associationRoutes(store),
      ...associationWriteRoutes(store),
      ...oauthRoutes(oauth),
      ...pipelineRoutes(),
    ],
    authenticate: (headers) => authenticateBearer(headers, ctx.credentials.hubspotAccessToken, oauth, clock),
    invalid(issues, where) {
      const errors = issues.map((issue) => ({
        message: `${fieldOf(issue)}: ${issue.message}`,
        in: fieldOf(issue),
        code: issue.code,
      }));
      const first = errors[0]?.message ?? 'invalid request';
      const message =
        where === 'body'
          ? `Invalid input JSON: ${first}`
          : `Invalid ${where === 'query' ? 'query parameter' : 'path parameter'} ${first}`;
      return validationError(message, { errors });
    },
    unknownRoute: (method, path) =>
      hubspotError(404, 'OBJECT_NOT_FOUND', `Unable to find a resource for ${method} ${path}`),
    serverError: () => hubspotError(500, 'INTERNAL_ERROR', 'internal error'),
    unavailable: () =>
      hubspotError(
        503,
        'SERVICE_UNAVAILABLE',
        'The service is temporarily unavailable. Please try again later.',
      ),
    rateLimited: rateLimitedReply,
    documentedLimits: limits.forRoute,
    outsideRateWindow: isSearchRoute,
    malformedBody: () =>
      validationError('Invalid input JSON on line 1, column 1: Unexpected character in request body'),
    responseHeaders: limits.headers,
    securitySchemes: {
      private_apps: { type: 'http', scheme: 'bearer', description: 'Private-app access token (pat-…)' },
      oauth2: {
        type: 'oauth2',
        description:
          "The sandbox OAuth app's access tokens (30 minutes). The twin serves only the refresh-token grant of /oauth/v1/token; authorization happens at HubSpot.",
        flows: {
          authorizationCode: {
            authorizationUrl: 'https://app.hubspot.com/oauth/authorize',
            tokenUrl: '/oauth/v1/token',
            refreshUrl: '/oauth/v1/token',
            scopes: {},
          },
        },
      },
    },
  };
}
