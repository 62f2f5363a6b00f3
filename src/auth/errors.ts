import { ConcordError, ErrorCode } from '../errors/concord-error.js';

/** Why credentials were refused; safe to tell the client (RFC 6750 lets a server say this much). */
export type AuthFailure =
  | 'missing_credentials'
  | 'malformed_credentials'
  | 'multiple_credentials'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'lifetime_too_long'
  | 'bad_signature'
  | 'algorithm_not_allowed'
  | 'bad_claims'
  | 'unknown_api_key'
  | 'key_unavailable';

const MESSAGES: Record<AuthFailure, string> = {
  missing_credentials: 'Send a bearer token (Authorization: Bearer …) or an API key (X-API-Key).',
  malformed_credentials: 'The credentials are malformed.',
  multiple_credentials: 'Send either a bearer token or an API key, not both.',
  expired: 'The token has expired.',
  not_yet_valid: 'The token is not valid yet.',
  issued_in_future: 'The token says it was issued in the future (iat).',
  lifetime_too_long: 'The token lives longer than this server accepts (exp is too far after iat).',
  bad_signature: 'The token signature does not verify.',
  algorithm_not_allowed: 'The token is signed with an algorithm this server does not accept.',
  bad_claims: 'The token was not issued for this server (issuer, audience or subject).',
  unknown_api_key: 'The API key is not known.',
  key_unavailable: 'The keys to verify the token cannot be fetched right now.',
};

/** Credentials missing or refused: the whole request gets HTTP 401. */
export class AuthenticationError extends ConcordError {
  constructor(readonly reason: AuthFailure) {
    super(ErrorCode.UNAUTHENTICATED, MESSAGES[reason], { reason });
    this.name = 'AuthenticationError';
  }
}

/** A field the viewer's scopes do not cover; the field is null, the rest of the answer stays. */
export class ForbiddenError extends ConcordError {
  constructor(message: string, details: Record<string, string> = {}) {
    super(ErrorCode.FORBIDDEN, message, details);
    this.name = 'ForbiddenError';
  }
}
