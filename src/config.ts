import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** Defaults, one line each on why. */
export const DEFAULT_PORT = 4000;
/** Loopback by default: a container sets HOST=0.0.0.0 on purpose. */
export const DEFAULT_HOST = '127.0.0.1';
/** Relay page size when the client gives none, and the most a client may ask for. */
export const DEFAULT_PAGE_SIZE = 20;
export const DEFAULT_MAX_PAGE_SIZE = 100;
/** Per-attempt upstream timeout; a provider slower than this is treated as down. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;
/** The Stripe API version the payments mapping is written against (pinned, not the account default). */
export const DEFAULT_STRIPE_API_VERSION = '2026-10-28.endive';

export type ProviderMode = 'live' | 'sandbox';

export interface LiveProviders {
  hubspot: { baseUrl: string; accessToken: string; portalId: string | null };
  stripe: { baseUrl: string; secretKey: string; apiVersion: string };
  posthog: { baseUrl: string; apiKey: string; projectId: number };
}

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  mode: ProviderMode;
  /** Present in live mode only; in sandbox mode the sandbox supplies URLs and keys. */
  live: LiveProviders | null;
  /** Sandbox settings when mode is sandbox (seed, size), read by the sandbox's own config. */
  pageSize: { defaultSize: number; maxSize: number };
  providerTimeoutMs: number;
  /** Signs pagination cursors; must be the same on every replica. */
  cursorSecret: string;
  /** True when no CURSOR_SECRET was given and a random one is used (cursors die with the process). */
  cursorSecretIsEphemeral: boolean;
  /** DataLoader batching; off only to measure what batching saves. */
  batching: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** One line per bad variable, all at once, so a start-up failure is fixed in one go. */
export class ConfigError extends Error {
  readonly code = 'BAD_CONFIG';
  constructor(readonly problems: string[]) {
    super(`Concord cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).optional(),
  HOST: z.string().min(1).optional(),
  PORT: int(0, 65_535).optional(),
  HUBSPOT_ACCESS_TOKEN: z.string().min(1).optional(),
  HUBSPOT_BASE_URL: url.optional(),
  HUBSPOT_PORTAL_ID: z.string().regex(/^\d+$/, 'expected the numeric portal (hub) id').optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, 'expected a Stripe secret or restricted key (sk_… or rk_…)')
    .optional(),
  STRIPE_BASE_URL: url.optional(),
  STRIPE_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.\w+)?$/, 'expected a version such as 2026-10-28.endive')
    .optional(),
  POSTHOG_API_KEY: z.string().min(1).optional(),
  POSTHOG_HOST: url.optional(),
  POSTHOG_PROJECT_ID: int(1, 2 ** 31 - 1).optional(),
  PAGE_SIZE_DEFAULT: int(1, 1000).optional(),
  PAGE_SIZE_MAX: int(1, 1000).optional(),
  PROVIDER_TIMEOUT_MS: int(1, 600_000).optional(),
  CURSOR_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  BATCHING: bool.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

const LIVE_KEYS = [
  'HUBSPOT_ACCESS_TOKEN',
  'STRIPE_SECRET_KEY',
  'POSTHOG_API_KEY',
  'POSTHOG_PROJECT_ID',
] as const;

/** Reads and checks the environment; the only place configuration comes from. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  // Each variable is read on its own, so one bad value neither hides another nor the good ones.
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(EnvSchema.shape)) {
    const result = schema.safeParse(env[name] === '' ? undefined : env[name]);
    if (result.success) {
      values[name] = result.data;
      continue;
    }
    // Never echo a credential back, even a malformed one.
    const shown = /KEY|TOKEN|SECRET/.test(name) ? '(hidden)' : JSON.stringify(env[name]);
    problems.push(`${name}=${shown}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  }
  const e = values as z.infer<typeof EnvSchema>;
  const given = LIVE_KEYS.filter((k) => env[k] !== undefined && env[k] !== '');
  if (given.length > 0 && given.length < LIVE_KEYS.length) {
    for (const missing of LIVE_KEYS.filter((k) => !given.includes(k))) {
      problems.push(
        `${missing} is missing: live mode needs all of ${LIVE_KEYS.join(', ')} (or none of them for the sandbox)`,
      );
    }
  }
  const pageSize = {
    defaultSize: e.PAGE_SIZE_DEFAULT ?? DEFAULT_PAGE_SIZE,
    maxSize: e.PAGE_SIZE_MAX ?? DEFAULT_MAX_PAGE_SIZE,
  };
  if (pageSize.defaultSize > pageSize.maxSize) {
    problems.push(
      `PAGE_SIZE_DEFAULT=${pageSize.defaultSize} is larger than PAGE_SIZE_MAX=${pageSize.maxSize}`,
    );
  }
  const nodeEnv = e.NODE_ENV ?? 'development';
  if (nodeEnv === 'production' && !e.CURSOR_SECRET) {
    problems.push('CURSOR_SECRET is missing: production needs one secret shared by every replica');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const live: LiveProviders | null =
    given.length === LIVE_KEYS.length
      ? {
          hubspot: {
            baseUrl: e.HUBSPOT_BASE_URL ?? 'https://api.hubapi.com',
            accessToken: e.HUBSPOT_ACCESS_TOKEN as string,
            portalId: e.HUBSPOT_PORTAL_ID ?? null,
          },
          stripe: {
            baseUrl: e.STRIPE_BASE_URL ?? 'https://api.stripe.com',
            secretKey: e.STRIPE_SECRET_KEY as string,
            apiVersion: e.STRIPE_API_VERSION ?? DEFAULT_STRIPE_API_VERSION,
          },
          posthog: {
            baseUrl: e.POSTHOG_HOST ?? 'https://us.posthog.com',
            apiKey: e.POSTHOG_API_KEY as string,
            projectId: e.POSTHOG_PROJECT_ID as number,
          },
        }
      : null;
  return {
    env: nodeEnv,
    host: e.HOST ?? DEFAULT_HOST,
    port: e.PORT ?? DEFAULT_PORT,
    mode: live ? 'live' : 'sandbox',
    live,
    pageSize,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS ?? DEFAULT_PROVIDER_TIMEOUT_MS,
    cursorSecret: e.CURSOR_SECRET ?? randomBytes(32).toString('base64url'),
    cursorSecretIsEphemeral: !e.CURSOR_SECRET,
    batching: e.BATCHING ?? true,
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
  };
}
