import { makeExecutableSchema } from '@graphql-tools/schema';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Authenticate } from '../auth/authenticate.js';
import { authenticationMiddleware, viewerOf } from '../auth/middleware.js';
import { permissions } from '../auth/permissions.js';
import { applyPermissions, type RuleTree } from '../auth/rules.js';
import { describeScopes } from '../auth/scope-docs.js';
import type { Services } from '../graphql/context.js';
import type { Resolvers } from '../generated/resolvers-types.js';
import { createRateLimiter, createSourceThrottle, type SourceThrottle } from './rate-limit.js';
import { jsonErrors, refuseDeepJson } from './refusals.js';

/** Browsers may cache a CORS preflight this long (seconds). */
const CORS_MAX_AGE_S = 600;

/**
 * The schema with every field behind its access rule (src/auth/permissions.ts unless `tree` is given),
 * each field's description ending with the scopes that rule asks for.
 */
export function protectedSchema(
  typeDefs: string[],
  resolvers: Resolvers,
  tree: RuleTree = permissions,
): GraphQLSchema {
  return applyPermissions(openSchema(typeDefs, resolvers, tree), tree);
}

/**
 * The same schema without the guards, for an operation whose every field the viewer may read
 * (decided before it runs, `refusesAnything`): each field then costs no rule lookup, and compiled
 * execution reads plain fields as properties.
 */
export function openSchema(
  typeDefs: string[],
  resolvers: Resolvers,
  tree: RuleTree = permissions,
): GraphQLSchema {
  return describeScopes(makeExecutableSchema({ typeDefs, resolvers }), tree);
}

export interface RequestGuards {
  /** Before anything reads the body: CORS, then the size-limited JSON parser and its depth check. */
  parse: RequestHandler;
  /** After parsing, before GraphQL: credentials (401), then the client's rate limit (429). */
  admit: RequestHandler[];
}

/** `authenticate` is the gateway's one authenticator (its JWKS cache is shared with WebSocket connections). */
/** Failed authentications per source address (AUTH_FAILURE_LIMIT), shared by HTTP and WebSocket; null: off. */
export function authFailureThrottle(services: Services): SourceThrottle | null {
  const limit = services.config.auth.failureLimit;
  return limit ? createSourceThrottle(limit, { redis: services.redis, name: 'auth-failures' }) : null;
}

export function requestGuards(
  services: Services,
  authenticate: Authenticate,
  logger: Logger,
  failures: SourceThrottle | null = authFailureThrottle(services),
): RequestGuards {
  const { config } = services;
  const rateLimiter = config.rateLimit
    ? createRateLimiter(config.rateLimit, { redis: services.redis, viewerOf })
    : null;
  return {
    parse: express.Router().use(
      // Only listed origins get CORS headers; Apollo's CSRF prevention still guards simple requests.
      cors({
        origin: config.corsOrigins,
        methods: ['GET', 'POST'],
        allowedHeaders: [
          'content-type',
          'authorization',
          'x-api-key',
          'apollo-require-preflight',
          'x-request-id',
        ],
        exposedHeaders: ['retry-after', 'x-request-id'],
        maxAge: CORS_MAX_AGE_S,
      }),
      express.json({ limit: config.maxBodyBytes }),
      // Too large (413), wrong charset or encoding (415), not JSON (400): JSON answers, never HTML.
      jsonErrors(logger, config.maxBodyBytes),
      refuseDeepJson(),
    ),
    admit: [
      authenticationMiddleware({
        authenticate,
        introspection: config.auth.introspection,
        maxTokens: config.queryLimits.maxTokens,
        logger,
        failures,
      }),
      ...(rateLimiter ? [rateLimiter.middleware] : []),
    ],
  };
}
