import type { IncomingHttpHeaders } from 'node:http';
import { createApiKeyVerifier } from './api-keys.js';
import { AuthenticationError } from './errors.js';
import { createJwtVerifier } from './jwt.js';
import type { Viewer } from './scopes.js';
import type { AuthSettings } from './settings.js';

/** Longest credential header read; anything longer is refused before any crypto runs. */
const MAX_CREDENTIAL_LENGTH = 8_192;
const BEARER = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/;

/** The viewer behind the request's credentials; null when it sent none; throws when they are bad. */
export type Authenticate = (headers: IncomingHttpHeaders) => Promise<Viewer | null>;

function single(value: string | string[] | undefined): string | undefined {
  // A header sent twice is ambiguous: which one would a proxy in front of us have checked?
  if (Array.isArray(value)) throw new AuthenticationError('multiple_credentials');
  return value;
}

export function createAuthenticator(settings: AuthSettings): Authenticate {
  const verifyJwt = settings.jwt ? createJwtVerifier(settings.jwt) : null;
  const verifyApiKey = createApiKeyVerifier(settings.apiKeys);
  return async (headers) => {
    const authorization = single(headers.authorization);
    const apiKey = single(headers['x-api-key']);
    if (authorization === undefined && apiKey === undefined) return null;
    if (authorization !== undefined && apiKey !== undefined) {
      throw new AuthenticationError('multiple_credentials');
    }
    if (apiKey !== undefined) {
      if (apiKey.length === 0 || apiKey.length > MAX_CREDENTIAL_LENGTH) {
        throw new AuthenticationError('malformed_credentials');
      }
      const viewer = verifyApiKey(apiKey);
      if (!viewer) throw new AuthenticationError('unknown_api_key');
      return viewer;
    }
    const token =
      authorization && authorization.length <= MAX_CREDENTIAL_LENGTH
        ? BEARER.exec(authorization)?.[1]
        : undefined;
    if (!token) throw new AuthenticationError('malformed_credentials');
    // No JWT settings (API keys only): every token is refused, whatever it claims.
    if (!verifyJwt) throw new AuthenticationError('bad_signature');
    return verifyJwt(token);
  };
}
