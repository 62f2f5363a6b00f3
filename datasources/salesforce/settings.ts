import { z } from 'zod';
import type { ProviderSettings } from '../provider-descriptor.js';

/** The REST API version the mapping is written against (FACTS §4: v65–v68 in 2026). */
export const DEFAULT_API_VERSION = '65.0';
/** Production orgs; sandboxes use https://test.salesforce.com, or the org's My Domain host. */
export const DEFAULT_LOGIN_URL = 'https://login.salesforce.com';
/**
 * Salesforce's token answer has no `expires_in`: the org's session timeout applies (2 hours by
 * default). A shorter timeout shows up as INVALID_SESSION_ID, which refreshes anyway.
 */
export const DEFAULT_SESSION_TTL_S = 7_200;
/**
 * The Contact field SALESFORCE_WRITE_KEY_FIELD defaults to: a Text(255) custom field marked External
 * ID and Unique, which an admin creates once (the REST data API cannot create fields).
 */
export const DEFAULT_WRITE_KEY_FIELD = 'Concord_Write_Key__c';
/** Get Updated/Deleted have a 1-minute grain (FACTS §7.1): polling faster only repeats windows. */
export const DEFAULT_POLL_INTERVAL_MS = 60_000;

export interface SalesforceSettings {
  loginUrl: string;
  clientId: string;
  clientSecret: string | null;
  refreshToken: string;
  /** Where the API lives until a token answer says otherwise (`instance_url`); null: from the token. */
  instanceUrl: string | null;
  apiVersion: string;
  sessionTtlMs: number;
  pollIntervalMs: number;
  /** The org's corporate currency, for opportunities without `CurrencyIsoCode` (single-currency orgs). */
  defaultCurrency: string;
  /** Multi-currency orgs have `CurrencyIsoCode` on records; single-currency ones refuse the field. */
  multiCurrency: boolean;
  /** Records per page of a walked query (Sforce-Query-Options batchSize, 200–2,000; a hint Salesforce may lower). */
  queryBatchSize: number;
  /**
   * The Contact External ID field creates carry their write key in: a create is an upsert by it,
   * which the transport may repeat. Null (`off`): plain creates, repeated only after a look-up by email.
   */
  writeKeyField: string | null;
}

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `SALESFORCE_*`: each variable validated on its own, one line per bad value. */
export const SALESFORCE_VARIABLES = {
  SALESFORCE_CLIENT_ID: z.string().min(10, "expected the connected app's consumer key").optional(),
  SALESFORCE_CLIENT_SECRET: z.string().min(8, "expected the connected app's consumer secret").optional(),
  SALESFORCE_REFRESH_TOKEN: z.string().min(10, 'expected a refresh token from the OAuth flow').optional(),
  SALESFORCE_LOGIN_URL: url.optional(),
  SALESFORCE_INSTANCE_URL: url.optional(),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d{2,3}\.0$/, 'expected an API version such as 65.0')
    .optional(),
  SALESFORCE_SESSION_TTL_S: wholeNumber(60, 86_400).optional(),
  SALESFORCE_POLL_INTERVAL_MS: wholeNumber(1_000, 86_400_000).optional(),
  SALESFORCE_DEFAULT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD')
    .optional(),
  SALESFORCE_QUERY_BATCH_SIZE: wholeNumber(200, 2_000).optional(),
  SALESFORCE_WRITE_KEY_FIELD: z
    .string()
    .regex(
      /^(off|[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?:__[A-Za-z](?:[A-Za-z0-9]|_(?!_))*)?__c)$/,
      'expected a custom field API name such as Concord_Write_Key__c, or off',
    )
    .max(100, 'expected a custom field API name such as Concord_Write_Key__c, or off')
    .optional(),
  SALESFORCE_MULTI_CURRENCY: z
    .enum(['true', 'false', '1', '0'], 'expected true or false')
    .transform((v) => v === 'true' || v === '1')
    .optional(),
} as const;

type Values = { [K in keyof typeof SALESFORCE_VARIABLES]?: z.infer<(typeof SALESFORCE_VARIABLES)[K]> };

const trimSlash = (value: string) => value.replace(/\/+$/, '');

/** Settings from validated values; unset ones take the defaults above. */
export function salesforceSettings(raw: Readonly<Record<string, unknown>>): SalesforceSettings {
  const values = raw as Values;
  return {
    loginUrl: trimSlash(values.SALESFORCE_LOGIN_URL ?? DEFAULT_LOGIN_URL),
    clientId: values.SALESFORCE_CLIENT_ID ?? '',
    clientSecret: values.SALESFORCE_CLIENT_SECRET ?? null,
    refreshToken: values.SALESFORCE_REFRESH_TOKEN ?? '',
    instanceUrl: values.SALESFORCE_INSTANCE_URL ? trimSlash(values.SALESFORCE_INSTANCE_URL) : null,
    apiVersion: values.SALESFORCE_API_VERSION ?? DEFAULT_API_VERSION,
    sessionTtlMs: (values.SALESFORCE_SESSION_TTL_S ?? DEFAULT_SESSION_TTL_S) * 1000,
    pollIntervalMs: values.SALESFORCE_POLL_INTERVAL_MS ?? DEFAULT_POLL_INTERVAL_MS,
    defaultCurrency: values.SALESFORCE_DEFAULT_CURRENCY ?? 'USD',
    multiCurrency: values.SALESFORCE_MULTI_CURRENCY ?? true,
    queryBatchSize: values.SALESFORCE_QUERY_BATCH_SIZE ?? 2_000,
    writeKeyField: writeKeyField(values.SALESFORCE_WRITE_KEY_FIELD),
  };
}

/** Unset: the default field; `off`: creates are plain POSTs. */
function writeKeyField(value: string | undefined): string | null {
  if (value === 'off') return null;
  return value ?? DEFAULT_WRITE_KEY_FIELD;
}

/** The descriptor's settings part: live when the consumer key and a refresh token are set. */
export const SALESFORCE_SETTINGS: ProviderSettings<SalesforceSettings> = {
  credentials: ['SALESFORCE_CLIENT_ID', 'SALESFORCE_REFRESH_TOKEN'],
  variables: SALESFORCE_VARIABLES,
  live: (values) => salesforceSettings(values),
  // The org is who the quota and cache count for; the refresh token names the authorization.
  credentialOf: (s) => `${s.loginUrl} ${s.clientId} ${s.refreshToken}`,
};
