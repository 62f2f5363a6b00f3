import { SignJWT } from 'jose';
import { SCOPES, type Scope } from './scopes.js';
import type { JwtSettings } from './settings.js';

/** The development token outlives a working day; the secret it is signed with dies with the process anyway. */
export const DEFAULT_DEV_TOKEN_TTL_S = 24 * 3600;
/** Subject of the development token, so logs and rate limits show it for what it is. */
export const DEV_TOKEN_SUBJECT = 'sandbox-developer';

/**
 * A token with every scope (or only `scopes`, to see FORBIDDEN before production does), signed
 * with the sandbox's random development secret. Only ever made for that secret: with a configured
 * secret or JWKS there is no development token.
 */
export async function signDevToken(
  jwt: JwtSettings,
  now = new Date(),
  scopes: readonly Scope[] = SCOPES,
): Promise<string | undefined> {
  if (jwt.key.kind !== 'secret' || !jwt.key.ephemeral) return undefined;
  const iat = Math.floor(now.getTime() / 1000);
  const token = new SignJWT({ scope: [...new Set(scopes)].join(' ') })
    .setProtectedHeader({ alg: jwt.algorithm, typ: 'JWT' })
    .setSubject(DEV_TOKEN_SUBJECT)
    .setIssuedAt(iat)
    .setExpirationTime(iat + DEFAULT_DEV_TOKEN_TTL_S);
  if (jwt.issuer) token.setIssuer(jwt.issuer);
  if (jwt.audience) token.setAudience(jwt.audience);
  return token.sign(new TextEncoder().encode(jwt.key.secret));
}
