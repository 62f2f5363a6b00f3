import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ErrorCode } from '../errors/concord-error.js';
import { sendRateLimited, type SourceThrottle } from '../http/rate-limit.js';
import { sendErrors } from '../http/respond.js';
import type { Authenticate, CredentialHeaders } from './authenticate.js';
import { AuthenticationError, type AuthFailure } from './errors.js';
import { isIntrospectionOnly } from './introspection.js';
import type { Viewer } from './scopes.js';
import type { IntrospectionMode } from './settings.js';

const viewers = new WeakMap<Request, Viewer>();

/**
 * Refusals that count against the source address: credentials that are missing, garbled or not
 * ours. A token refused for its claims (expired, wrong audience…) carries a valid signature, so it
 * is no guess, and its client needs the 401 to know to fetch a new one; a JWKS outage is ours.
 */
export const COUNTED: ReadonlySet<AuthFailure> = new Set<AuthFailure>([
  'missing_credentials',
  'malformed_credentials',
  'multiple_credentials',
  'bad_signature',
  'algorithm_not_allowed',
  'unknown_api_key',
]);

/** The authenticated viewer of a request; null for an anonymous introspection request. */
export function viewerOf(req: Request): Viewer | null {
  return viewers.get(req) ?? null;
}

/**
 * Every copy of each credential header. Node keeps only the first of two `Authorization` headers
 * in `req.headers` (and joins two `X-API-Key` with a comma), which would hide the ambiguity.
 */
export function credentialHeaders(req: Request): CredentialHeaders {
  const distinct = req.headersDistinct;
  return { authorization: distinct.authorization, 'x-api-key': distinct['x-api-key'] };
}

function operationOf(req: Request): { query: unknown; operationName: unknown } {
  const body: unknown = req.body;
  const source = req.method === 'GET' ? req.query : body;
  if (typeof source !== 'object' || source === null) return { query: undefined, operationName: undefined };
  const { query, operationName } = source as Record<string, unknown>;
  return { query, operationName };
}

/**
 * Every GraphQL request needs valid credentials (HTTP 401 for the whole request otherwise), except
 * introspection-only queries when INTROSPECTION=public. Bad credentials are refused even then: a
 * client that sent a token expects it to count. Each refusal of missing or unverifiable credentials
 * draws on the source address's `failures` bucket; once it is empty, such refusals are 429 until it
 * refills (good credentials from the same address still pass: only failures are counted and throttled).
 */
export function authenticationMiddleware({
  authenticate,
  introspection,
  maxTokens,
  logger,
  failures = null,
}: {
  authenticate: Authenticate;
  introspection: IntrospectionMode;
  maxTokens: number;
  logger: Logger;
  /** Failed attempts allowed per source address (AUTH_FAILURE_LIMIT); null: unthrottled. */
  failures?: SourceThrottle | null;
}): RequestHandler {
  const unauthorized = (res: Response, error: AuthenticationError): void => {
    const detail = error.reason === 'missing_credentials' ? '' : ', error="invalid_token"';
    res.setHeader('WWW-Authenticate', `Bearer realm="concord"${detail}`);
    sendErrors(res, 401, error.message, { code: ErrorCode.UNAUTHENTICATED, reason: error.reason });
  };
  const refuse = (req: Request, res: Response, error: AuthenticationError): void => {
    if (!failures || !COUNTED.has(error.reason)) {
      unauthorized(res, error);
      return;
    }
    failures.take(req).then(
      (taken) => (taken.allowed ? unauthorized(res, error) : sendRateLimited(res, taken.retryAfterMs)),
      (failure: unknown) => {
        // The memory fallback does not fail; should it anyway, the request is still refused.
        logger.error({ err: failure }, 'authentication failure throttle failed');
        unauthorized(res, error);
      },
    );
  };
  return (req, res, next) => {
    authenticate(credentialHeaders(req)).then(
      (viewer) => {
        if (viewer) {
          viewers.set(req, viewer);
          next();
          return;
        }
        // A GET with no operation at all (a browser opening /graphql) runs nothing: Apollo answers it
        // with the GraphiQL landing page. A persisted-query hash in `extensions` is an operation.
        if (req.method === 'GET' && req.query.query === undefined && req.query.extensions === undefined) {
          next();
          return;
        }
        const { query, operationName } = operationOf(req);
        if (introspection === 'public' && isIntrospectionOnly(query, operationName, maxTokens)) {
          next();
          return;
        }
        refuse(req, res, new AuthenticationError('missing_credentials'));
      },
      (error: unknown) => {
        if (error instanceof AuthenticationError) {
          refuse(req, res, error);
          return;
        }
        // Fail closed: an unexpected failure while checking credentials lets nobody in.
        logger.error({ err: error }, 'authentication failed unexpectedly');
        refuse(req, res, new AuthenticationError('malformed_credentials'));
      },
    );
  };
}
