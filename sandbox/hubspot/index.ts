import type { z } from 'zod';
import type { SimulatorContext } from '../context.js';
import type { ProviderProtocol } from '../http/provider.js';
import { authenticateBearer } from './auth.js';
import {
  documentedLimits,
  hubspotError,
  rateLimitedReply,
  rateLimitHeaders,
  validationError,
} from './errors.js';
import { associationRoutes } from './routes/associations.js';
import { batchRoutes } from './routes/batch.js';
import { objectRoutes } from './routes/objects.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { searchRoutes } from './routes/search.js';
import { writeRoutes } from './routes/writes.js';
import { buildStore } from './store.js';

function fieldOf(issue: z.core.$ZodIssue): string {
  return issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
}

/** The HubSpot CRM v3 objects + v4 associations simulator over the seeded data set. */
export function createHubSpotProtocol(ctx: SimulatorContext): ProviderProtocol {
  const store = buildStore(ctx.dataset);
  return {
    name: 'hubspot',
    title: 'HubSpot CRM API',
    routes: [
      ...objectRoutes(store),
      ...writeRoutes(store, ctx.webhooks),
      ...batchRoutes(store),
      ...searchRoutes(store),
      ...associationRoutes(store),
      ...pipelineRoutes(),
    ],
    authenticate: (headers) => authenticateBearer(headers, ctx.credentials.hubspotAccessToken),
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
    documentedLimits,
    malformedBody: () =>
      validationError('Invalid input JSON on line 1, column 1: Unexpected character in request body'),
    responseHeaders: rateLimitHeaders,
    securitySchemes: {
      private_apps: { type: 'http', scheme: 'bearer', description: 'Private-app access token (pat-…)' },
    },
  };
}
