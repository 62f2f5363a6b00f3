import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Reply } from '../http/route.js';

/**
 * The sandbox's public (OAuth) app, installed in the sandbox portal: what an operator would copy
 * from the app's settings and its install's refresh token. Loopback-only development values.
 */
export interface HubSpotAppSettings {
  clientId: string;
  clientSecret: string;
  /** The refresh token of the app's installation in the sandbox portal. */
  refreshToken: string;
  /** How long an access token is accepted; HubSpot's are 30 minutes (FACTS §7.3). */
  accessTokenTtlMs: number;
}

export const DEFAULT_HUBSPOT_APP: HubSpotAppSettings = {
  clientId: '5c0ac0rd-5and-4b0x-8app-000000000001',
  clientSecret: '5c0ac0rd-5and-4b0x-8sec-000000000001',
  refreshToken: 'na1-c0nc-0rd5-4ndb-0x00-000000000001',
  accessTokenTtlMs: 1_800_000,
};

/** The sandbox portal's id, as the token answer's `hub_id`. */
const HUB_ID = 62515;
const SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
];

function same(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The v1 token endpoint's refusal: OAuth's `error`/`error_description` beside HubSpot's `status`/`message` (FACTS §7.3). */
function refusal(error: string, status: string, message: string): Reply {
  return { status: 400, body: { error, error_description: message, status, message } };
}

/** What the bearer check learns of a token: an access token of this app, live or expired, or none. */
export type AppToken = { kind: 'live' } | { kind: 'expired'; expiredAt: number } | { kind: 'unknown' };

/**
 * The app's OAuth 2.0 server: `POST /oauth/v1/token` with the refresh-token grant (the only one a
 * server-side installation uses after install), access tokens that expire, and controls a test
 * uses to end every session or revoke the installation. HubSpot answers the same refresh token
 * each time (the docs are silent on rotation), so the twin does not rotate.
 */
export class HubSpotOAuth {
  private readonly accessTokens = new Map<string, number>();
  private revoked = false;

  constructor(
    private readonly settings: HubSpotAppSettings,
    private readonly clock: () => number,
  ) {}

  /** Whether `token` is one of this app's access tokens, and still live. */
  check(token: string): AppToken {
    const expiresAt = this.accessTokens.get(token);
    if (expiresAt === undefined) return { kind: 'unknown' };
    return expiresAt > this.clock() ? { kind: 'live' } : { kind: 'expired', expiredAt: expiresAt };
  }

  /** Ends every access token now, as their 30 minutes running out would; the refresh token stays good. */
  expireAccessTokens(): void {
    const now = this.clock();
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, now);
  }

  /** Uninstalls the app: the refresh token and every access token stop working. */
  revokeRefreshTokens(): void {
    this.revoked = true;
    this.accessTokens.clear();
  }

  /** `POST /oauth/v1/token` (form-encoded). */
  grant(form: Record<string, unknown>): Reply {
    const field = (name: string): string | undefined => {
      const value = form[name];
      return typeof value === 'string' ? value : undefined;
    };
    if (field('grant_type') !== 'refresh_token') {
      return refusal('unsupported_grant_type', 'BAD_GRANT_TYPE', 'grant_type must be refresh_token here');
    }
    if (
      !same(field('client_id'), this.settings.clientId) ||
      !same(field('client_secret'), this.settings.clientSecret)
    ) {
      return refusal(
        'invalid_client',
        'BAD_CLIENT_ID',
        'missing or unknown client id, or a wrong client secret',
      );
    }
    if (this.revoked || !same(field('refresh_token'), this.settings.refreshToken)) {
      return refusal('invalid_grant', 'BAD_REFRESH_TOKEN', 'refresh token is invalid, expired or revoked');
    }
    const now = this.clock();
    for (const [token, expiresAt] of this.accessTokens)
      if (expiresAt <= now - 3_600_000) this.accessTokens.delete(token);
    const accessToken = `CN${randomBytes(96).toString('base64url')}`;
    this.accessTokens.set(accessToken, now + this.settings.accessTokenTtlMs);
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        refresh_token: this.settings.refreshToken,
        access_token: accessToken,
        expires_in: Math.floor(this.settings.accessTokenTtlMs / 1000),
        token_use: 'access_token',
        hub_id: HUB_ID,
        scopes: SCOPES,
      },
    };
  }
}
