import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { readConfig } from '../../config.js';
import { PACKAGE_ROOT } from '../../runtime/package-root.js';
import { createApiKeyVerifier } from '../api-keys.js';
import { signDevToken } from '../dev-token.js';
import { createJwtVerifier } from '../jwt.js';
import { EXAMPLE_JWT_SECRETS } from '../settings.js';
import { configProblems } from '../../../test/support/config.js';

const hash = (key: string) => createHash('sha256').update(key).digest('hex');
const LIVE = {
  HUBSPOT_ACCESS_TOKEN: 'pat-na1-x',
  STRIPE_SECRET_KEY: 'sk_test_abc',
  POSTHOG_API_KEY: 'phx_abc',
  POSTHOG_PROJECT_ID: '12',
};

describe('auth settings from the environment', () => {
  it('makes a development secret in the sandbox, and a token with every scope that it verifies', async () => {
    const config = readConfig({});
    const jwt = config.auth.jwt;
    expect(jwt?.key).toMatchObject({ kind: 'secret', ephemeral: true });
    if (!jwt) throw new Error('no JWT settings');
    const token = await signDevToken(jwt);
    const viewer = await createJwtVerifier(jwt)(token as string);
    expect([...viewer.scopes].sort()).toEqual(
      [
        'analytics:read',
        'analytics:write',
        'crm:read',
        'crm:write',
        'payments:read',
        'payments:write',
        'pii:read',
      ].sort(),
    );
    expect(config.auth.introspection).toBe('public');
  });

  it('makes no development token for a configured secret', async () => {
    const config = readConfig({ JWT_SECRET: 'x'.repeat(32) });
    expect(await signDevToken(config.auth.jwt as NonNullable<typeof config.auth.jwt>)).toBeUndefined();
  });

  it('refuses to start live with nothing to verify credentials with, and production without issuer and audience', () => {
    expect(configProblems(LIVE)).toEqual([
      'no credentials could be verified: set JWT_SECRET, JWT_JWKS_URL or API_KEYS',
    ]);
    expect(
      configProblems({ NODE_ENV: 'production', CURSOR_SECRET: 'c'.repeat(16), JWT_SECRET: 's'.repeat(32) }),
    ).toEqual(['JWT_ISSUER and JWT_AUDIENCE are required in production']);
    expect(readConfig({ ...LIVE, API_KEYS: `ci:${hash('k')}:crm:read` }).auth.jwt).toBeNull();
  });

  it('refuses key confusion set-ups and weak secrets, one line each', () => {
    expect(configProblems({ JWT_SECRET: 's'.repeat(32), JWT_ALG: 'RS256' })).toEqual([
      'JWT_ALG=RS256 needs JWT_JWKS_URL; JWT_SECRET works with HS256/384/512 only',
    ]);
    expect(configProblems({ JWT_JWKS_URL: 'https://idp.example.com/jwks.json', JWT_ALG: 'HS256' })).toEqual([
      'JWT_ALG=HS256 needs JWT_SECRET; a JWKS URL serves public keys',
    ]);
    expect(configProblems({ JWT_SECRET: 'short' })).toEqual([
      'JWT_SECRET=(hidden): must be at least 32 characters (256 bits for HS256)',
    ]);
  });

  it('reads API keys as name:sha256:scopes, never accepting a raw key or an unknown scope', () => {
    const config = readConfig({
      API_KEYS: `reporting:${hash('k1')}:crm:read pii:read; etl:${hash('k2')}:analytics:read`,
    });
    expect(config.auth.apiKeys.map((k) => [k.name, k.scopes])).toEqual([
      ['reporting', ['crm:read', 'pii:read']],
      ['etl', ['analytics:read']],
    ]);
    const verify = createApiKeyVerifier(config.auth.apiKeys);
    expect(verify('k2')?.id).toBe('api-key:etl');
    expect(verify('k3')).toBeNull();
    expect(configProblems({ API_KEYS: 'reporting:ck_live_raw_key:crm:read' })).toEqual([
      'API_KEYS=(hidden): key "reporting": expected the SHA-256 of the key as 64 hex digits, not the key itself',
    ]);
    expect(configProblems({ API_KEYS: `r:${hash('k')}:crm:admin` })).toEqual([
      'API_KEYS=(hidden): key "r": unknown scope crm:admin',
    ]);
  });

  it('reads rate limits, CORS origins and query limits', () => {
    const config = readConfig({
      RATE_LIMIT: '60/1m',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:3000',
      MAX_DEPTH: '8',
    });
    expect(config.rateLimit).toEqual({ points: 60, durationS: 60 });
    expect(config.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:3000']);
    expect(config.queryLimits.maxDepth).toBe(8);
    expect(readConfig({ RATE_LIMIT: 'off' }).rateLimit).toBeNull();
    expect(configProblems({ RATE_LIMIT: 'fast', CORS_ORIGINS: '*' })).toEqual([
      'CORS_ORIGINS="*": expected origins such as https://app.example.com, separated by commas (no paths, no *)',
      'RATE_LIMIT="fast": expected requests/window such as 60/60s or 1000/1h, or off',
    ]);
    expect(
      readConfig({
        NODE_ENV: 'production',
        CURSOR_SECRET: 'c'.repeat(16),
        API_KEYS: `a:${hash('k')}:crm:read`,
      }).auth.introspection,
    ).toBe('off');
  });

  it('refuses a published example JWT_SECRET in production only, one line that does not echo it', () => {
    const production = {
      NODE_ENV: 'production',
      CURSOR_SECRET: 'c'.repeat(16),
      JWT_ISSUER: 'i',
      JWT_AUDIENCE: 'a',
    } as const;
    for (const example of EXAMPLE_JWT_SECRETS) {
      expect(configProblems({ ...production, JWT_SECRET: example })).toEqual([
        'JWT_SECRET is a published example value: production needs a secret of its own',
      ]);
      expect(configProblems({ JWT_SECRET: example })).toEqual([]);
    }
    expect(configProblems({ ...production, JWT_SECRET: 's'.repeat(31) })).toEqual([
      'JWT_SECRET=(hidden): must be at least 32 characters (256 bits for HS256)',
    ]);
    expect(configProblems({ ...production, JWT_SECRET: 's'.repeat(32) })).toEqual([]);
  });

  it('knows the example secrets the repository publishes', () => {
    const compose = readFileSync(join(PACKAGE_ROOT, 'deploy', 'docker-compose.yml'), 'utf8');
    const k8s = readFileSync(join(PACKAGE_ROOT, 'deploy', 'k8s', 'secret.example.yaml'), 'utf8');
    // `JWT_SECRET: value` or `JWT_SECRET: ${JWT_SECRET:-value}`; `${JWT_SECRET:?…}` (required) publishes none.
    const published = [
      ...`${compose}\n${k8s}`.matchAll(/^\s*JWT_SECRET:\s*'?(?:\$\{JWT_SECRET:-)?([^\s}'$]+)/gm),
    ].map((m) => m[1] as string);
    expect(published.length).toBeGreaterThan(0);
    for (const value of published) expect(EXAMPLE_JWT_SECRETS.has(value)).toBe(true);
  });

  it('reads JWT_MAX_LIFETIME_S and AUTH_FAILURE_LIMIT, with their defaults', () => {
    const defaults = readConfig({ JWT_SECRET: 's'.repeat(32) }).auth;
    expect(defaults.jwt?.maxLifetimeS).toBe(86_400);
    expect(defaults.failureLimit).toEqual({ points: 30, durationS: 60 });
    const set = readConfig({
      JWT_SECRET: 's'.repeat(32),
      JWT_MAX_LIFETIME_S: '3600',
      AUTH_FAILURE_LIMIT: '5/1m',
    });
    expect(set.auth.jwt?.maxLifetimeS).toBe(3600);
    expect(set.auth.failureLimit).toEqual({ points: 5, durationS: 60 });
    expect(readConfig({ AUTH_FAILURE_LIMIT: 'off' }).auth.failureLimit).toBeNull();
    expect(configProblems({ JWT_MAX_LIFETIME_S: '10' })).toEqual([
      'JWT_MAX_LIFETIME_S="10": Too small: expected number to be >=60',
    ]);
  });
});

describe('the JWT verifier on a fixed clock', () => {
  const NOW_S = 1_800_000_000;
  const settings = readConfig({
    JWT_SECRET: 'k'.repeat(32),
    JWT_CLOCK_SKEW_S: '30',
    JWT_MAX_LIFETIME_S: '3600',
  }).auth.jwt as NonNullable<ReturnType<typeof readConfig>['auth']['jwt']>;
  const verify = createJwtVerifier(settings, () => NOW_S * 1000);
  const sign = (claims: { iat?: number; exp: number; sub?: string }) =>
    new SignJWT({ sub: 'x', ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('k'.repeat(32)));
  async function reason(claims: { iat?: number; exp: number; sub?: string }): Promise<string> {
    try {
      await verify(await sign(claims));
      return 'accepted';
    } catch (error) {
      return (error as { reason: string }).reason;
    }
  }

  it('accepts iat up to the clock skew ahead, and refuses one second more', async () => {
    expect(await reason({ iat: NOW_S + 30, exp: NOW_S + 600 })).toBe('accepted');
    expect(await reason({ iat: NOW_S + 31, exp: NOW_S + 600 })).toBe('issued_in_future');
  });

  it('accepts a lifetime of exactly the maximum, and refuses one second more (from iat, or from now without it)', async () => {
    expect(await reason({ iat: NOW_S - 100, exp: NOW_S - 100 + 3600 })).toBe('accepted');
    expect(await reason({ iat: NOW_S - 100, exp: NOW_S - 100 + 3601 })).toBe('lifetime_too_long');
    expect(await reason({ exp: NOW_S + 3600 })).toBe('accepted');
    expect(await reason({ exp: NOW_S + 3601 })).toBe('lifetime_too_long');
  });

  it('refuses an empty or blank subject', async () => {
    expect(await reason({ sub: '', exp: NOW_S + 60 })).toBe('bad_claims');
    expect(await reason({ sub: ' ', exp: NOW_S + 60 })).toBe('bad_claims');
  });
});
