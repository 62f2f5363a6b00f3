import type { IncomingHttpHeaders } from 'node:http';
import type { AuthOutcome } from '../http/provider.js';
import { posthogError } from './errors.js';

/**
 * PostHog's personal API key check: `Authorization: Bearer phx_...`, or `personal_api_key` in the query string.
 * No key is DRF's not_authenticated; a wrong one is authentication_failed naming where it was found.
 */
export function authenticatePersonalKey(
  expected: string,
  headers: IncomingHttpHeaders,
  query: Record<string, unknown>,
): AuthOutcome {
  const header = headers.authorization;
  const bearer = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  const fromQuery = typeof query.personal_api_key === 'string' ? query.personal_api_key : undefined;
  const key = bearer ?? fromQuery;
  if (key === undefined) {
    return {
      ok: false,
      reply: posthogError(
        401,
        'authentication_error',
        'not_authenticated',
        'Authentication credentials were not provided.',
      ),
    };
  }
  if (key !== expected) {
    const where = bearer !== undefined ? 'Authorization header' : 'query string';
    return {
      ok: false,
      reply: posthogError(
        401,
        'authentication_error',
        'authentication_failed',
        `Personal API key found in request ${where} is invalid.`,
      ),
    };
  }
  return { ok: true, credential: key };
}
