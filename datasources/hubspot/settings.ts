import { z } from 'zod';
import type { ProviderSettings } from '../provider-descriptor.js';

export const DEFAULT_BASE_URL = 'https://api.hubapi.com';
/** The contact property HUBSPOT_WRITE_KEY_PROPERTY defaults to; the portal needs it created once. */
export const DEFAULT_WRITE_KEY_PROPERTY = 'concord_write_key';

/** What the adapter needs to talk to one HubSpot account. */
export interface HubSpotSettings {
  baseUrl: string;
  /** A private-app token (OAuth apps would refresh one; see issue 17 §3). */
  accessToken: string;
  /** The portal (hub) id, for links to records in HubSpot's UI; null: no links. */
  portalId: string | null;
  /** The contact property creates write their idempotency key to; null (`off`): creates are not retried. */
  writeKeyProperty: string | null;
}

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** `HUBSPOT_*`: each variable on its own, so one bad value is one line at start-up. */
export const HUBSPOT_VARIABLES = {
  HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional(),
  HUBSPOT_BASE_URL: url.optional(),
  HUBSPOT_PORTAL_ID: z.string().regex(/^\d+$/, 'expected the numeric portal (hub) id').optional(),
  HUBSPOT_WRITE_KEY_PROPERTY: z
    .string()
    .regex(/^(off|[a-z][a-z0-9_]{0,99})$/, 'expected a contact property name (a-z, 0-9, _) or off')
    .optional(),
} as const;

export const hubspotSettings: ProviderSettings<HubSpotSettings> = {
  credentials: ['HUBSPOT_ACCESS_TOKEN'],
  variables: HUBSPOT_VARIABLES,
  live: (values) => ({
    baseUrl: (values.HUBSPOT_BASE_URL as string | undefined) ?? DEFAULT_BASE_URL,
    accessToken: values.HUBSPOT_ACCESS_TOKEN as string,
    portalId: (values.HUBSPOT_PORTAL_ID as string | undefined) ?? null,
    writeKeyProperty: writeKeyProperty(values.HUBSPOT_WRITE_KEY_PROPERTY as string | undefined),
  }),
  credentialOf: (settings) => `${settings.baseUrl} ${settings.accessToken}`,
};

/** Unset: the default property; `off`: creates are never retried. */
function writeKeyProperty(value: string | undefined): string | null {
  if (value === 'off') return null;
  return value ?? DEFAULT_WRITE_KEY_PROPERTY;
}
