import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError, type AuthFailure } from './errors.js';
import { parseScopes, type Viewer } from './scopes.js';
import type { JwtSettings } from './settings.js';

export type VerifyJwt = (token: string) => Promise<Viewer>;

/** Claims jose leaves to us: a subject that names someone, no issue date in the future, a bounded lifetime. */
function checkClaims(payload: JWTPayload, settings: JwtSettings, nowS: number): AuthFailure | null {
  if (typeof payload.sub !== 'string' || payload.sub.trim() === '') return 'bad_claims';
  // jose checked that exp (and iat, when present) are numbers.
  const exp = payload.exp as number;
  const iat = payload.iat;
  if (iat !== undefined && iat > nowS + settings.clockSkewS) return 'issued_in_future';
  if (exp - (iat ?? nowS) > settings.maxLifetimeS) return 'lifetime_too_long';
  return null;
}

/** Verified tokens remembered at once, least recently used forgotten first. */
export const VERIFIED_TOKENS_KEPT = 10_000;

/** A JWKS answer is cached this long; a rotated key is picked up on the next unknown `kid` anyway. */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** How long a JWKS fetch may take before the token is refused as unverifiable. */
const JWKS_TIMEOUT_MS = 5_000;

function failureOf(error: unknown): AuthFailure {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' || error.claim === 'iat' ? 'not_yet_valid' : 'bad_claims';
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return 'algorithm_not_allowed';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return 'bad_signature';
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'key_unavailable';
  // JWSInvalid, JWTInvalid and anything unexpected: refuse, never let through.
  return 'malformed_credentials';
}

/**
 * Verifies bearer tokens with jose. The accepted algorithm comes from config alone: the token's
 * own `alg` header is never trusted (no `none`, no HS/RS confusion).
 */
export function createJwtVerifier(settings: JwtSettings, now: () => number = Date.now): VerifyJwt {
  const algorithms = [settings.algorithm];
  const key: Uint8Array | JWTVerifyGetKey =
    settings.key.kind === 'secret'
      ? new TextEncoder().encode(settings.key.secret)
      : createRemoteJWKSet(new URL(settings.key.url), {
          cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
          timeoutDuration: JWKS_TIMEOUT_MS,
        });
  // A client sends the same token with every request: its signature and claims are checked once,
  // and the viewer it names is remembered until the token expires.
  const verified = new Map<string, Viewer>();
  const remember = (token: string, viewer: Viewer) => {
    verified.set(token, viewer);
    if (verified.size > VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value as string);
  };
  return async (token) => {
    const at = now();
    const known = verified.get(token);
    if (known) {
      verified.delete(token);
      if ((known.expiresAt ?? 0) > at) {
        verified.set(token, known);
        return known;
      }
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms,
        currentDate: new Date(at),
        ...(settings.issuer ? { issuer: settings.issuer } : {}),
        ...(settings.audience ? { audience: settings.audience } : {}),
        clockTolerance: settings.clockSkewS,
        // A token without expiry would be good forever once leaked.
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw new AuthenticationError(failureOf(error));
    }
    const failure = checkClaims(payload, settings, Math.floor(at / 1000));
    if (failure) throw new AuthenticationError(failure);
    const viewer: Viewer = Object.freeze({
      id: `jwt:${String(payload.sub)}`,
      kind: 'jwt',
      scopes: parseScopes(payload.scope),
      // exp is required: jose refused the token above without it.
      expiresAt: (payload.exp as number) * 1000,
    });
    remember(token, viewer);
    return viewer;
  };
}
