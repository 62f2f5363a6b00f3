import { SignJWT } from 'jose';
import { SCOPES, type Scope } from '../../src/auth/scopes.js';

/** The JWT settings test gateways run with unless a test chooses others. */
export const TEST_JWT = {
  JWT_SECRET: 'test-jwt-secret-0123456789-0123456789-abcdef',
  JWT_ISSUER: 'concord-test-issuer',
  JWT_AUDIENCE: 'concord-test',
} as const;

export interface TokenOptions {
  scopes?: readonly Scope[];
  sub?: string;
  secret?: string | Uint8Array;
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresInS?: number;
  /** Seconds from now before which the token is not valid. */
  notBeforeS?: number;
}

/** An HS256 token as an issuer configured with TEST_JWT would mint it (every scope unless told). */
export async function signTestToken(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: (options.scopes ?? SCOPES).join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub ?? 'test-user')
    .setIssuer(options.issuer ?? TEST_JWT.JWT_ISSUER)
    .setAudience(options.audience ?? TEST_JWT.JWT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInS ?? 600));
  if (options.notBeforeS !== undefined) jwt.setNotBefore(now + options.notBeforeS);
  const secret = options.secret ?? TEST_JWT.JWT_SECRET;
  return jwt.sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);
}
