import { createApiKeyVerifier } from './api-keys.js';
import { AuthenticationError } from './errors.js';
import { createJwtVerifier } from './jwt.js';
import type { Viewer } from './scopes.js';
import type { AuthSettings } from './settings.js';

/** Longest credential header read; anything longer is refused before any crypto runs. */
const MAX_CREDENTIAL_LENGTH = 8_192;
const BEARER = /^Bearer ([\w-]+\.[\w-]*\.[\w-]*)$/;

/** The credential headers of a request, every copy of each (see `credentialHeaders` in middleware.ts). */
export interface CredentialHeaders {
  authorization?: string | readonly string[] | undefined;
  'x-api-key'?: string | readonly string[] | undefined;
}

/** The viewer behind the request's credentials; null when it sent none; throws when they are bad. */
export type Authenticate = (headers: CredentialHeaders) => Promise<Viewer | null>;

function single(value: string | readonly string[] | undefined): string | undefined {
  if (typeof value === 'string' || value === undefined) return value;
  // A header sent twice is ambiguous: which one would a proxy in front of us have checked?
  if (value.length !== 1) throw new AuthenticationError('malformed_credentials');
  return value[0];
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
