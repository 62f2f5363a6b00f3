import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ErrorCode } from '../errors.js';
import { sendErrors } from '../http/respond.js';
import type { Authenticate } from './authenticate.js';
import { AuthenticationError } from './errors.js';
import { isIntrospectionOnly } from './introspection.js';
import type { Viewer } from './scopes.js';
import type { IntrospectionMode } from './settings.js';

const viewers = new WeakMap<Request, Viewer>();

/** The authenticated viewer of a request; null for an anonymous introspection request. */
export function viewerOf(req: Request): Viewer | null {
  return viewers.get(req) ?? null;
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
 * client that sent a token expects it to count.
 */
export function authenticationMiddleware({
  authenticate,
  introspection,
  maxTokens,
  logger,
}: {
  authenticate: Authenticate;
  introspection: IntrospectionMode;
  maxTokens: number;
  logger: Logger;
}): RequestHandler {
  const refuse = (res: Parameters<RequestHandler>[1], error: AuthenticationError): void => {
    const detail = error.reason === 'missing_credentials' ? '' : ', error="invalid_token"';
    res.setHeader('WWW-Authenticate', `Bearer realm="concord"${detail}`);
    sendErrors(res, 401, error.message, { code: ErrorCode.UNAUTHENTICATED, reason: error.reason });
  };
  return (req, res, next) => {
    authenticate(req.headers).then(
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
        refuse(res, new AuthenticationError('missing_credentials'));
      },
      (error: unknown) => {
        if (error instanceof AuthenticationError) {
          refuse(res, error);
          return;
        }
        // Fail closed: an unexpected failure while checking credentials lets nobody in.
        logger.error({ err: error }, 'authentication failed unexpectedly');
        refuse(res, new AuthenticationError('malformed_credentials'));
      },
    );
  };
}
