import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RateLimitSettings } from '../http/rate-limit.js';
import { isScope, type Scope } from './scopes.js';

/** Seconds of clock difference tolerated on exp and nbf; small, so a stolen expired token stays dead. */
export const DEFAULT_JWT_CLOCK_SKEW_S = 30;
/** The longest a token may live (exp − iat, or exp − now without iat): a leaked token dies within a day. */
export const DEFAULT_JWT_MAX_LIFETIME_S = 24 * 3600;
/**
 * Refused credentials allowed per source address: a burst of 30, then one every 2 s. A client with
 * a wrong key notices long before; a guessing script gets 429s.
 */
export const DEFAULT_AUTH_FAILURE_LIMIT: RateLimitSettings = { points: 30, durationS: 60 };
/** Secrets published as examples (deploy/, README); anyone can sign tokens with them, so production refuses them. */
export const EXAMPLE_JWT_SECRETS: ReadonlySet<string> = new Set([
  'compose-jwt-secret-change-me-0123456789abcdef',
  'replace-me-with-32-or-more-characters-of-entropy',
]);
/** HS256 with a shared secret unless a JWKS URL says the issuer signs with its own keys. */
export const DEFAULT_JWT_SECRET_ALG = 'HS256';
/** The usual algorithm of identity providers that publish a JWKS. */
export const DEFAULT_JWT_JWKS_ALG = 'RS256';

/** Asymmetric algorithms need a JWKS; HMAC ones a secret. Never both, and never taken from the token. */
export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export type JwtKeySource =
  | {
      kind: 'secret';
      secret: string;
      /** made up at start-up for the sandbox; dies with the process */ ephemeral: boolean;
    }
  | { kind: 'jwks'; url: string };

export interface JwtSettings {
  key: JwtKeySource;
  algorithm: JwtAlgorithm;
  issuer: string | null;
  audience: string | null;
  clockSkewS: number;
  /** Longest accepted exp − iat (or exp − now when the token has no iat). */
  maxLifetimeS: number;
}

export interface ApiKeyEntry {
  name: string;
  /** SHA-256 of the key, hex; the raw key is never configured, stored or logged. */
  sha256: string;
  scopes: Scope[];
}

/** `public`: introspection without credentials; `authenticated`: with any; `off`: never. */
export type IntrospectionMode = 'off' | 'authenticated' | 'public';

export interface AuthSettings {
  jwt: JwtSettings | null;
  apiKeys: ApiKeyEntry[];
  introspection: IntrospectionMode;
  /** Refused credentials per source address before refusals become 429; null: off. */
  failureLimit: RateLimitSettings | null;
}

/** `name:sha256hex:scope scope;name2:…`, checked whole so a typo in one key is one clear line. */
export const ApiKeysSchema = z.string().transform((raw, ctx): ApiKeyEntry[] => {
  const entries: ApiKeyEntry[] = [];
  for (const part of raw
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    // Scopes hold colons themselves (crm:read), so only the first two colons separate fields.
    const [, name = '', hash = '', scopeList = ''] = /^([^:]*):([^:]*):(.*)$/.exec(part) ?? [];
    // Name and scopes only: never echo the hash, even a broken one.
    const where = /^[\w.-]{1,64}$/.test(name) ? `key "${name}"` : `key #${entries.length + 1}`;
    const scopes = scopeList.trim().split(/\s+/).filter(Boolean);
    const unknown = scopes.filter((s) => !isScope(s));
    const problem = !/^[\w.-]{1,64}$/.test(name)
      ? 'expected name:sha256hex:scope1 scope2 (name of letters, digits, . _ -)'
      : !/^[0-9a-f]{64}$/i.test(hash)
        ? 'expected the SHA-256 of the key as 64 hex digits, not the key itself'
        : unknown.length > 0
          ? `unknown scope ${unknown.join(', ')}`
          : entries.some((e) => e.name === name)
            ? 'name used twice'
            : null;
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${where}: ${problem}` });
      return z.NEVER;
    }
    entries.push({ name, sha256: hash.toLowerCase(), scopes: scopes as Scope[] });
  }
  return entries;
});

/** What the auth variables look like once zod has read them one by one. */
export interface AuthEnv {
  NODE_ENV?: 'development' | 'production' | 'test' | undefined;
  JWT_SECRET?: string | undefined;
  JWT_JWKS_URL?: string | undefined;
  JWT_ALG?: JwtAlgorithm | undefined;
  JWT_ISSUER?: string | undefined;
  JWT_AUDIENCE?: string | undefined;
  JWT_CLOCK_SKEW_S?: number | undefined;
  JWT_MAX_LIFETIME_S?: number | undefined;
  API_KEYS?: ApiKeyEntry[] | undefined;
  INTROSPECTION?: IntrospectionMode | undefined;
  AUTH_FAILURE_LIMIT?: RateLimitSettings | null | undefined;
}

/**
 * Auth settings from the environment. Fails closed: a server that could verify no credential at
 * all does not start, except the sandbox, which makes a development secret of its own.
 */
export function buildAuthSettings(
  e: AuthEnv,
  { production, sandbox, problems }: { production: boolean; sandbox: boolean; problems: string[] },
): AuthSettings {
  const apiKeys = e.API_KEYS ?? [];
  let jwt: JwtSettings | null = null;
  if (e.JWT_SECRET && e.JWT_JWKS_URL) {
    problems.push('JWT_SECRET and JWT_JWKS_URL are both set: choose one way to verify tokens');
  }
  const algorithm = e.JWT_ALG ?? (e.JWT_JWKS_URL ? DEFAULT_JWT_JWKS_ALG : DEFAULT_JWT_SECRET_ALG);
  const hmac = algorithm.startsWith('HS');
  const claims = {
    issuer: e.JWT_ISSUER ?? null,
    audience: e.JWT_AUDIENCE ?? null,
    clockSkewS: e.JWT_CLOCK_SKEW_S ?? DEFAULT_JWT_CLOCK_SKEW_S,
    maxLifetimeS: e.JWT_MAX_LIFETIME_S ?? DEFAULT_JWT_MAX_LIFETIME_S,
  };
  if (e.JWT_SECRET && production) {
    // Anyone who read the example can mint tokens for a server that kept it.
    // (A secret under 32 characters is refused in every environment, by config.ts's schema.)
    if (EXAMPLE_JWT_SECRETS.has(e.JWT_SECRET))
      problems.push('JWT_SECRET is a published example value: production needs a secret of its own');
  }
  if (e.JWT_SECRET) {
    // An HMAC secret with an asymmetric algorithm is the classic key-confusion setup: refuse it.
    if (!hmac)
      problems.push(`JWT_ALG=${algorithm} needs JWT_JWKS_URL; JWT_SECRET works with HS256/384/512 only`);
    jwt = { key: { kind: 'secret', secret: e.JWT_SECRET, ephemeral: false }, algorithm, ...claims };
  } else if (e.JWT_JWKS_URL) {
    if (hmac) problems.push(`JWT_ALG=${algorithm} needs JWT_SECRET; a JWKS URL serves public keys`);
    jwt = { key: { kind: 'jwks', url: e.JWT_JWKS_URL }, algorithm, ...claims };
  } else if (sandbox && !production) {
    jwt = {
      key: { kind: 'secret', secret: randomBytes(32).toString('base64url'), ephemeral: true },
      algorithm: 'HS256',
      issuer: claims.issuer ?? 'concord-sandbox',
      audience: claims.audience ?? 'concord',
      clockSkewS: claims.clockSkewS,
      maxLifetimeS: claims.maxLifetimeS,
    };
  } else if (apiKeys.length === 0 && !problems.some((p) => /^(JWT_SECRET|JWT_JWKS_URL|API_KEYS)=/.test(p))) {
    // (A credential setting refused on its own has said what is wrong already.)
    problems.push('no credentials could be verified: set JWT_SECRET, JWT_JWKS_URL or API_KEYS');
  }
  const madeUp = jwt?.key.kind === 'secret' && jwt.key.ephemeral;
  if (production && jwt && !madeUp && (!claims.issuer || !claims.audience)) {
    // Without both, a token the same issuer minted for another service would be accepted here.
    problems.push('JWT_ISSUER and JWT_AUDIENCE are required in production');
  }
  return {
    jwt,
    apiKeys,
    introspection: e.INTROSPECTION ?? (production ? 'off' : 'public'),
    failureLimit: e.AUTH_FAILURE_LIMIT === undefined ? DEFAULT_AUTH_FAILURE_LIMIT : e.AUTH_FAILURE_LIMIT,
  };
}
