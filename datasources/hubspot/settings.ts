import { z } from 'zod';
import type { ProviderSettings } from '../provider-descriptor.js';

export const DEFAULT_BASE_URL = 'https://api.hubapi.com';
/** The contact property HUBSPOT_WRITE_KEY_PROPERTY defaults to; the portal needs it created once. */
export const DEFAULT_WRITE_KEY_PROPERTY = 'concord_write_key';
/** The OAuth token endpoint, on the API host (FACTS §2 and §7.3; v1 is served until 2027-02-16). */
export const TOKEN_PATH = '/oauth/v1/token';
/** HubSpot's access tokens last 30 minutes; the answer's `expires_in` is what counts (FACTS §7.3). */
export const DEFAULT_ACCESS_TOKEN_TTL_MS = 1_800_000;

/** A public (OAuth) app's installation: access tokens come from the refresh-token grant. */
export interface HubSpotOAuthApp {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/** How requests authenticate: a private app's static token, or an OAuth app's refreshed ones. */
export type HubSpotAuth =
  { kind: 'private-app'; accessToken: string } | ({ kind: 'oauth' } & HubSpotOAuthApp);

/** What the adapter needs to talk to one HubSpot account. */
export interface HubSpotSettings {
  baseUrl: string;
  auth: HubSpotAuth;
  /** The portal (hub) id, for links to records in HubSpot's UI; null: no links. */
  portalId: string | null;
  /** The contact property creates write their idempotency key to; null (`off`): creates are not retried. */
  writeKeyProperty: string | null;
}

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
/** App ids and secrets are opaque to us: only their shape is checked, so a pasted value with a space or quote is caught. */
const appValue = (what: string) => z.string().regex(/^[\w.-]{8,}$/, `expected the app's ${what}`);

/** `HUBSPOT_*`: each variable on its own, so one bad value is one line at start-up. */
export const HUBSPOT_VARIABLES = {
  HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional(),
  HUBSPOT_CLIENT_ID: appValue('client id').optional(),
  HUBSPOT_REFRESH_TOKEN: z
    .string()
    .min(20, 'expected the refresh token from the app’s OAuth install (na1-…)')
    .optional(),
  HUBSPOT_BASE_URL: url.optional(),
  HUBSPOT_PORTAL_ID: z.string().regex(/^\d+$/, 'expected the numeric portal (hub) id').optional(),
  HUBSPOT_WRITE_KEY_PROPERTY: z
    .string()
    .regex(/^(off|[a-z][a-z0-9_]{0,99})$/, 'expected a contact property name (a-z, 0-9, _) or off')
    .optional(),
} as const;

/**
 * The OAuth app's variables: all three instead of a private-app token. `HUBSPOT_CLIENT_SECRET` is
 * the same secret HubSpot signs the app's webhooks with, so it is read and validated once, as the
 * webhook secret (hubspot/webhooks.ts).
 */
export const OAUTH_APP_CREDENTIALS = [
  'HUBSPOT_CLIENT_ID',
  'HUBSPOT_CLIENT_SECRET',
  'HUBSPOT_REFRESH_TOKEN',
] as const;

export const hubspotSettings: ProviderSettings<HubSpotSettings> = {
  credentials: ['HUBSPOT_ACCESS_TOKEN'],
  alternativeCredentials: [OAUTH_APP_CREDENTIALS],
  variables: HUBSPOT_VARIABLES,
  live: (values) => ({
    baseUrl: ((values.HUBSPOT_BASE_URL as string | undefined) ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    // Config gives one complete set (src/providers/settings.ts refuses two at once).
    auth:
      values.HUBSPOT_ACCESS_TOKEN === undefined
        ? {
            kind: 'oauth',
            clientId: (values.HUBSPOT_CLIENT_ID as string | undefined) ?? '',
            // The variable webhooks are verified with (hubspot/webhooks.ts reads and validates it): the app's one secret.
            // (Unset only while config reports that variable's problem.)
            clientSecret: (values.HUBSPOT_CLIENT_SECRET as string[] | undefined)?.[0] ?? '',
            refreshToken: (values.HUBSPOT_REFRESH_TOKEN as string | undefined) ?? '',
          }
        : { kind: 'private-app', accessToken: values.HUBSPOT_ACCESS_TOKEN as string },
    portalId: (values.HUBSPOT_PORTAL_ID as string | undefined) ?? null,
    writeKeyProperty: writeKeyProperty(values.HUBSPOT_WRITE_KEY_PROPERTY as string | undefined),
  }),
  // The account the quota and cache count for: the private-app token, or the app's installation.
  credentialOf: (settings) =>
    settings.auth.kind === 'private-app'
      ? `${settings.baseUrl} ${settings.auth.accessToken}`
      : `${settings.baseUrl} ${settings.auth.clientId} ${settings.auth.refreshToken}`,
};

/** Unset: the default property; `off`: creates are never retried. */
function writeKeyProperty(value: string | undefined): string | null {
  if (value === 'off') return null;
  return value ?? DEFAULT_WRITE_KEY_PROPERTY;
}
