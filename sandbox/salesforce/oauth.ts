import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Reply } from '../http/route.js';
import { caseSuffix } from './ids.js';
import { INTEGRATION_USER_ID } from './seed.js';

/** The org's id (key prefix 00D), which Salesforce puts before the `!` of every access token. */
export const ORG_ID = (() => {
  const id15 = '00DSb0000000001';
  return id15 + caseSuffix(id15);
})();

/** What the connected app and the session settings allow; changeable at run time. */
export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  /** The refresh token the org starts with (what an admin would have obtained once through the web flow). */
  refreshToken: string;
  /** The integration user's login for the username-password flow. */
  username: string;
  password: string;
  /** The session timeout: how long an access token is accepted. */
  accessTokenTtlMs: number;
  /** Refresh-token rotation: every refresh answers a new refresh token and retires the one used. */
  rotateRefreshTokens: boolean;
}

interface AccessToken {
  expiresAt: number;
  /** The refresh token it came from; revoking that one ends this session too. */
  refreshToken: string | null;
}

export interface OAuthState {
  accessTokenTtlMs: number;
  rotateRefreshTokens: boolean;
  liveAccessTokens: number;
  liveRefreshTokens: number;
}

function same(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Salesforce's token-endpoint error: a flat `{error, error_description}` JSON body, not the REST error array. */
function oauthError(error: string, description: string, status = 400): Reply {
  return { status, body: { error, error_description: description } };
}

/**
 * The org's OAuth 2.0 server: the token endpoint's grants, access tokens that expire with the
 * session timeout, refresh tokens (rotated when the app asks for it) and revocation.
 */
export class SalesforceOAuth {
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Set<string>();
  private settings: OAuthSettings;

  constructor(
    settings: OAuthSettings,
    private readonly clock: () => number,
  ) {
    this.settings = { ...settings };
    this.refreshTokens.add(settings.refreshToken);
  }

  configure(patch: Partial<Pick<OAuthSettings, 'accessTokenTtlMs' | 'rotateRefreshTokens'>>): OAuthState {
    this.settings = { ...this.settings, ...patch };
    return this.state();
  }

  state(): OAuthState {
    const now = this.clock();
    return {
      accessTokenTtlMs: this.settings.accessTokenTtlMs,
      rotateRefreshTokens: this.settings.rotateRefreshTokens,
      liveAccessTokens: [...this.accessTokens.values()].filter((t) => t.expiresAt > now).length,
      liveRefreshTokens: this.refreshTokens.size,
    };
  }

  /** Whether a bearer token is a live session. */
  accepts(accessToken: string): boolean {
    const token = this.accessTokens.get(accessToken);
    return token !== undefined && token.expiresAt > this.clock();
  }

  /** Ends every session now, as a session timeout would; refresh tokens stay valid. */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** Revokes one refresh token (or all of them) with its sessions, as an admin's "Revoke" in Connected Apps OAuth Usage does. */
  revokeRefreshTokens(token?: string): number {
    const victims =
      token === undefined ? [...this.refreshTokens] : [token].filter((t) => this.refreshTokens.has(t));
    for (const victim of victims) {
      this.refreshTokens.delete(victim);
      for (const [access, session] of this.accessTokens) {
        if (session.refreshToken === victim) this.accessTokens.delete(access);
      }
    }
    return victims.length;
  }

  /** `POST /services/oauth2/token`: refresh_token, client_credentials and password grants. */
  grant(form: Record<string, unknown>, instanceUrl: string): Reply {
    const field = (name: string): string | undefined => {
      const value = form[name];
      return typeof value === 'string' ? value : undefined;
    };
    const grantType = field('grant_type');
    if (!grantType) return oauthError('unsupported_grant_type', 'grant type not supported');
    if (!['refresh_token', 'client_credentials', 'password'].includes(grantType)) {
      return oauthError('unsupported_grant_type', 'grant type not supported');
    }
    if (!same(field('client_id'), this.settings.clientId)) {
      return oauthError('invalid_client_id', 'client identifier invalid');
    }
    const secret = field('client_secret');
    // The connected app requires its secret for every flow except refresh, where a given secret must still match.
    if (
      (grantType !== 'refresh_token' || secret !== undefined) &&
      !same(secret, this.settings.clientSecret)
    ) {
      return oauthError('invalid_client', 'invalid client credentials');
    }
    this.purgeExpired();
    switch (grantType) {
      case 'refresh_token': {
        const used = field('refresh_token');
        if (used === undefined || !this.refreshTokens.has(used)) {
          return oauthError('invalid_grant', 'expired access/refresh token');
        }
        let family = used;
        let rotated: string | undefined;
        if (this.settings.rotateRefreshTokens) {
          rotated = `5Aep861${randomBytes(42).toString('base64url')}`;
          this.refreshTokens.delete(used);
          this.refreshTokens.add(rotated);
          // Sessions from the retired token stay alive until they expire, under the new family.
          for (const session of this.accessTokens.values())
            if (session.refreshToken === used) session.refreshToken = rotated;
          family = rotated;
        }
        return this.issue(instanceUrl, family, rotated, 'api refresh_token');
      }
      case 'password': {
        if (
          field('username') !== this.settings.username ||
          !same(field('password'), this.settings.password)
        ) {
          return oauthError('invalid_grant', 'authentication failure');
        }
        return this.issue(instanceUrl, null, undefined, 'api');
      }
      default:
        return this.issue(instanceUrl, null, undefined, 'api');
    }
  }

  /** `POST /services/oauth2/revoke`: an access or refresh token; revoking a refresh token ends its sessions. */
  revoke(token: string | undefined): Reply {
    // The revoke endpoint answers errors form-encoded, which is how jsforce parses them.
    const refused = (error: string, description: string): Reply => ({
      status: 400,
      text: new URLSearchParams({ error, error_description: description }).toString(),
    });
    if (token === undefined) return refused('unsupported_token_type', 'this token type is not supported');
    if (this.refreshTokens.has(token)) this.revokeRefreshTokens(token);
    else if (this.accessTokens.has(token)) this.accessTokens.delete(token);
    else return refused('invalid_token', 'invalid token');
    return { status: 200 };
  }

  private issue(
    instanceUrl: string,
    family: string | null,
    refreshToken: string | undefined,
    scope: string,
  ): Reply {
    const now = this.clock();
    const accessToken = `${ORG_ID.slice(0, 15)}!${randomBytes(72).toString('base64url')}`;
    this.accessTokens.set(accessToken, {
      expiresAt: now + this.settings.accessTokenTtlMs,
      refreshToken: family,
    });
    const id = `${instanceUrl}/id/${ORG_ID}/${INTEGRATION_USER_ID}`;
    const issuedAt = String(now);
    const signature = createHmac('sha256', this.settings.clientSecret)
      .update(id + issuedAt)
      .digest('base64');
    return {
      status: 200,
      body: {
        access_token: accessToken,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        signature,
        scope,
        instance_url: instanceUrl,
        id,
        token_type: 'Bearer',
        issued_at: issuedAt,
      },
    };
  }

  private purgeExpired(): void {
    const now = this.clock();
    for (const [token, session] of this.accessTokens)
      if (session.expiresAt <= now) this.accessTokens.delete(token);
  }
}
