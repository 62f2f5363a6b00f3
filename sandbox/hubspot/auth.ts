import type { IncomingHttpHeaders } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AuthOutcome } from '../http/provider.js';
import { hubspotError } from './errors.js';
import type { HubSpotOAuth } from './oauth.js';

/** HubSpot's wording for a missing or unusable credential. */
export const MISSING_CREDENTIALS_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';
export const INVALID_TOKEN_MESSAGE =
  'The OAuth token used to make this call is invalid or has been revoked. Get a new token and try again.';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Accepts `Authorization: Bearer <token>` with the sandbox's private-app token, or a live access
 * token of its OAuth app; an app token past its 30 minutes is HubSpot's 401 EXPIRED_AUTHENTICATION
 * (FACTS §7.3), anything else INVALID_AUTHENTICATION.
 */
export function authenticateBearer(
  headers: IncomingHttpHeaders,
  expectedToken: string,
  oauth?: HubSpotOAuth,
  now: () => number = Date.now,
): AuthOutcome {
  const header = headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  const token = match?.[1];
  if (!token)
    return { ok: false, reply: hubspotError(401, 'INVALID_AUTHENTICATION', MISSING_CREDENTIALS_MESSAGE) };
  if (sameToken(token, expectedToken)) return { ok: true, credential: token };
  const app = oauth?.check(token);
  if (app?.kind === 'live') return { ok: true, credential: token };
  if (app?.kind === 'expired') {
    const seconds = Math.max(0, Math.floor((now() - app.expiredAt) / 1000));
    return {
      ok: false,
      reply: hubspotError(
        401,
        'EXPIRED_AUTHENTICATION',
        `The OAuth token used to make this call expired ${seconds} second(s) ago.`,
        { context: { 'expire time': [new Date(app.expiredAt).toISOString()] } },
      ),
    };
  }
  return { ok: false, reply: hubspotError(401, 'INVALID_AUTHENTICATION', INVALID_TOKEN_MESSAGE) };
}
