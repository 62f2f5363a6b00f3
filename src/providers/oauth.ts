import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { OAuthDeps } from '../../datasources/transport/oauth/deps.js';
import { Sealer, parseSealKey } from '../../datasources/transport/oauth/sealed.js';
import type { CredentialHealth } from '../../datasources/transport/oauth/token-source.js';
import { MemoryTokenStore } from '../../datasources/transport/oauth/token-store.js';
import type { RedisConnection } from '../redis/client.js';
import { RedisTokenStore } from '../redis/oauth-token-store.js';

/**
 * `OAUTH_TOKEN_KEYS`: keys sealing OAuth tokens shared through Redis (AES-256-GCM), each 64 hex
 * digits or base64 of 32 bytes, comma-separated; the first seals, all open (rotation).
 */
export const OAuthTokenKeysSchema = z.string().transform((raw, ctx) => {
  try {
    return raw.split(',').map((key) => parseSealKey(key));
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** The variables this feature reads, spread into config's env schema. */
export const OAuthEnv = { OAUTH_TOKEN_KEYS: OAuthTokenKeysSchema.optional() };

export interface OAuthSettings {
  /** Null: no key given; tokens are sealed with a key of this process alone (not shared with replicas). */
  keys: Buffer[] | null;
}

export function buildOAuthSettings(values: { OAUTH_TOKEN_KEYS?: Buffer[] | undefined }): OAuthSettings {
  return { keys: values.OAUTH_TOKEN_KEYS ?? null };
}

/** Every replica needs the same key, or none can read the token another refreshed. */
export function oauthProblems(settings: OAuthSettings, sharedStore: boolean, oauthLive: boolean): string[] {
  return settings.keys === null && sharedStore && oauthLive
    ? [
        'OAUTH_TOKEN_KEYS is missing: OAuth tokens shared through REDIS_URL are sealed with it (the same key on every replica; `openssl rand -hex 32`)',
      ]
    : [];
}

/**
 * OAuth token state for the providers that refresh tokens: the store (Redis when configured, so
 * replicas share one token and one refresh), the sealer, and the credentials readiness reports.
 */
export class OAuthState {
  private readonly watched: Array<{ health(): CredentialHealth }> = [];
  readonly deps: OAuthDeps;

  constructor(settings: OAuthSettings, redis: RedisConnection | null, logger: Logger) {
    const keys = settings.keys ?? [randomBytes(32)];
    this.deps = {
      store: redis ? new RedisTokenStore(redis) : new MemoryTokenStore(),
      sealer: new Sealer(keys),
      watch: (credential) => this.watched.push(credential),
      onRefresh: (event) => {
        if (event.outcome === 'revoked') {
          logger.error(
            { provider: event.provider, oauthError: event.errorCode },
            `${event.provider} refused the OAuth refresh token: authorize the app again`,
          );
        } else if (event.outcome === 'failed') {
          logger.warn(
            { provider: event.provider, oauthError: event.errorCode },
            `${event.provider} token refresh failed`,
          );
        } else if (event.outcome === 'refreshed') {
          logger.info(
            { provider: event.provider, rotated: event.rotated ?? false },
            `${event.provider} access token refreshed`,
          );
        }
      },
      // Never a token in these: messages and Redis errors only.
      onWarning: (message, error) => logger.warn({ err: error }, message),
    };
  }

  /** Each watched credential's state, for /readyz. */
  health(): CredentialHealth[] {
    return this.watched.map((credential) => credential.health());
  }
}
