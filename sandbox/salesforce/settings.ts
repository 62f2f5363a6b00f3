import { z } from 'zod';
import type { TwinSpec } from '../twin-spec.js';
import type { WriteKeyFieldSetup } from './schema.js';

/** The Salesforce twin's own settings (connected app, session timeout, rotation, API allocation). */
export interface SalesforceTwinSettings {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  username: string;
  password: string;
  /** Session timeout: how long an access token lives (Salesforce's default is 2 hours). */
  accessTokenTtlMs: number;
  rotateRefreshTokens: boolean;
  /** The org's rolling 24-hour API request allocation (Enterprise Edition's base). */
  dailyApiRequests: number;
  /** Whether an admin made Contact's `Concord_Write_Key__c` (External ID, Unique), as the README asks. */
  writeKeyField: WriteKeyFieldSetup;
}

/** Fixed development values: the sandbox is loopback-only and its data is fake, so these are not secrets. */
export const DEFAULT_SALESFORCE_TWIN: SalesforceTwinSettings = {
  clientId: '3MVG9ConcordSandbox.ConnectedApp0000000000000000000000000000000000000000000000000',
  clientSecret: 'C0NC0RDSANDB0X00000000000000000000000000000000000000000000000000',
  refreshToken: '5Aep861ConcordSandbox0000000000000000000000000000000000000000000000000000000000000',
  username: 'integration@concord-sandbox.example',
  password: 'sandbox-password',
  accessTokenTtlMs: 2 * 60 * 60 * 1000,
  rotateRefreshTokens: false,
  dailyApiRequests: 100_000,
  writeKeyField: 'unique',
};

const positiveInt = (max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** The environment variables the twin reads, merged into the sandbox's env schema so every bad value is one line. */
export const SALESFORCE_TWIN_ENV = {
  SANDBOX_SALESFORCE_CLIENT_ID: z.string().min(8).optional(),
  SANDBOX_SALESFORCE_CLIENT_SECRET: z.string().min(8).optional(),
  SANDBOX_SALESFORCE_REFRESH_TOKEN: z.string().min(8).optional(),
  SANDBOX_SALESFORCE_TOKEN_TTL_S: positiveInt(7 * 86_400).optional(),
  SANDBOX_SALESFORCE_ROTATE_REFRESH_TOKENS: bool.optional(),
  SANDBOX_SALESFORCE_DAILY_API_REQUESTS: positiveInt(100_000_000).optional(),
  /** `off`: an org whose admin never made the write-key field (what /readyz then says). */
  SANDBOX_SALESFORCE_WRITE_KEY_FIELD: z
    .enum(['unique', 'non-unique', 'off'], 'expected unique, non-unique or off')
    .optional(),
};

/** The twin's settings from already validated variables (see SALESFORCE_TWIN_ENV), defaults for the rest. */
export function salesforceTwinSettings(env: Record<string, unknown>): SalesforceTwinSettings {
  const d = DEFAULT_SALESFORCE_TWIN;
  const ttl = env.SANDBOX_SALESFORCE_TOKEN_TTL_S as number | undefined;
  return {
    ...d,
    clientId: (env.SANDBOX_SALESFORCE_CLIENT_ID as string | undefined) ?? d.clientId,
    clientSecret: (env.SANDBOX_SALESFORCE_CLIENT_SECRET as string | undefined) ?? d.clientSecret,
    refreshToken: (env.SANDBOX_SALESFORCE_REFRESH_TOKEN as string | undefined) ?? d.refreshToken,
    accessTokenTtlMs: ttl === undefined ? d.accessTokenTtlMs : ttl * 1000,
    rotateRefreshTokens:
      (env.SANDBOX_SALESFORCE_ROTATE_REFRESH_TOKENS as boolean | undefined) ?? d.rotateRefreshTokens,
    dailyApiRequests: (env.SANDBOX_SALESFORCE_DAILY_API_REQUESTS as number | undefined) ?? d.dailyApiRequests,
    writeKeyField:
      (env.SANDBOX_SALESFORCE_WRITE_KEY_FIELD as WriteKeyFieldSetup | undefined) ?? d.writeKeyField,
  };
}

/**
 * The Salesforce twin's part of the sandbox's configuration: its connected app is its own setting
 * (`salesforceTwinSettings`), not a shared credential, so it adds variables and no credentials.
 */
export const salesforceTwinSpec: TwinSpec = {
  credentials: {},
  variables: SALESFORCE_TWIN_ENV,
  read: () => ({}),
};
