import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiKeysSchema, JWT_ALGORITHMS, buildAuthSettings, type AuthSettings } from './auth/settings.js';
import {
  CorsOriginsSchema,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RATE_LIMIT,
  RateLimitSchema,
} from './http/settings.js';
import type { RateLimitSettings } from './http/rate-limit.js';
import {
  DEFAULT_MAX_ALIASES,
  DEFAULT_MAX_COST,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_DIRECTIVES,
  DEFAULT_MAX_TOKENS,
  type QueryLimits,
} from './limits/query-limits.js';
import {
  CACHE_KINDS,
  DEFAULT_STALE_SECONDS,
  DEFAULT_TTL_SECONDS,
  type CacheKind,
} from '../datasources/cache/ttl.js';
import { DEFAULT_LOCAL_MAX_AGE_S, DEFAULT_LOCAL_MAX_MB, DEFAULT_READ_TIMEOUT_MS } from './cache/store.js';
import { RedisUrlSchema } from './redis/target.js';
import { AdminEnv, buildAdminSettings, type AdminSettings } from './observability/settings.js';
import {
  SubscriptionEnv,
  buildSubscriptionSettings,
  type SubscriptionSettings,
} from './subscriptions/settings.js';
import {
  QUOTA_VARIABLES,
  QuotaSchema,
  UpstreamBudgetSchema,
  WindowSlackSchema,
  providerQuotaSettings,
  type ProviderQuotaSettings,
} from './limits/provider-quota-settings.js';
import {
  DEFAULT_WEBHOOK_MAX_BODY_BYTES,
  DEFAULT_WEBHOOK_RATE_LIMIT,
  type WebhookSettings,
} from './webhooks/receivers.js';
import { PACKAGE_ROOT } from './package-root.js';
import { CursorSecretsSchema } from './pagination/settings.js';
import { DEFAULT_SHUTDOWN_DELAY_MS, DEFAULT_SHUTDOWN_GRACE_MS, type ShutdownConfig } from './shutdown.js';
import { readWritesSettings, type WritesSettings } from './writes/settings.js';
import {
  DEFAULT_CIRCUIT_HALF_OPEN_MS,
  DEFAULT_CIRCUIT_MIN_CALLS,
  DEFAULT_CIRCUIT_THRESHOLD,
  DEFAULT_CIRCUIT_WINDOW_MS,
} from '../datasources/transport/circuit.js';
import {
  DEFAULT_RETRIES,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_MAX_MS,
} from '../datasources/transport/retry.js';

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
/** PostHog Cloud US's ingestion host (events are sent there, not to the private API host). */
export const DEFAULT_POSTHOG_CAPTURE_HOST = 'https://us.i.posthog.com';
/** Any document runs (with automatic persisted queries); production opts in to the allow-list. */
export const DEFAULT_TRUSTED_DOCUMENTS: TrustedDocumentsMode = 'off';
/** The manifest `npm run codegen` writes from client/operations/ (sha256 hash -> document). */
export const DEFAULT_TRUSTED_DOCUMENTS_MANIFEST = join(
  // From the package root, so the built dist/src/config.js finds it too.
  PACKAGE_ROOT,
  'client',
  'generated',
  'persisted-documents.json',
);

/** `allow-listed-only`: only documents from the manifest run (by hash); `off`: any document. */
export type TrustedDocumentsMode = 'off' | 'allow-listed-only';

/** The longest one client request may spend upstream: a partial answer beats a hung page. */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;
/**
 * Concurrent calls per provider (the bulkhead), so that slots ÷ typical latency stays under each
 * documented limit (FACTS): HubSpot 190/10 s (5 slots at ~300 ms ≈ 17/s), Stripe search 20/s and
 * 25/s in test mode (8 at ~400 ms ≈ 20/s), PostHog queries 240/min (2 at ~500 ms ≈ 4/s).
 */
export const DEFAULT_PROVIDER_CONCURRENCY: Record<PolicyProvider, number> = {
  hubspot: 5,
  stripe: 8,
  posthog: 2,
};
/** Calls that may wait for a slot (each still ends at its deadline); past that a burst fails fast. */
export const DEFAULT_PROVIDER_QUEUE: Record<PolicyProvider, number> = {
  hubspot: 200,
  stripe: 200,
  posthog: 100,
};

export type ProviderMode = 'live' | 'sandbox';

/** Where OpenTelemetry spans go; `none` starts no SDK at all. */
export type TracesExporter = 'none' | 'otlp' | 'console';
/** Traces are opt-in: an exporter with nowhere to send would only cost time. */
export const DEFAULT_TRACES_EXPORTER: TracesExporter = 'none';
/** The OTLP/HTTP collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is not set (the collector's default port). */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';
/** The `service.name` resource attribute of every span. */
export const DEFAULT_OTEL_SERVICE_NAME = 'concord';

export interface ObservabilityConfig extends AdminSettings {
  /** Prometheus text at /metrics. */
  metrics: boolean;
  /** The live provider status page at /status (and its JSON at /status.json). */
  statusPage: boolean;
  traces: { exporter: TracesExporter; otlpEndpoint: string; serviceName: string };
}

/** The providers that each get a transport policy, by the adapters' names. */
export const POLICY_PROVIDERS = ['hubspot', 'stripe', 'posthog'] as const;
export type PolicyProvider = (typeof POLICY_PROVIDERS)[number];

/** One provider's transport policy (datasources/transport/policy.ts). */
export interface ProviderPolicyConfig {
  /** Retries after the first attempt, for requests safe to repeat. */
  retries: number;
  /** Share of failed calls (0–1, exclusive) over the window that opens the circuit. */
  circuitThreshold: number;
  /** The window the failure rate is measured over. */
  circuitWindowMs: number;
  /** Calls the window must hold before its failure rate counts. */
  circuitMinCalls: number;
  /** How long an open circuit fails fast before a probe. */
  circuitHalfOpenMs: number;
  concurrency: number;
  queue: number;
}

export interface ResilienceConfig {
  retryBaseMs: number;
  retryMaxMs: number;
  providers: Record<PolicyProvider, ProviderPolicyConfig>;
}

export interface CacheConfig {
  enabled: boolean;
  /** Shared Redis for every replica; null means an in-memory cache per process. */
  redisUrl: string | null;
  readTimeoutMs: number;
  /** The in-process tier of decoded entries (maxBytes 0: off). */
  local: { maxBytes: number; maxAgeMs: number };
  ttlSeconds: Record<CacheKind, number>;
  staleSeconds: number;
}

export interface LiveProviders {
  hubspot: { baseUrl: string; accessToken: string; portalId: string | null };
  stripe: { baseUrl: string; secretKey: string; apiVersion: string };
  posthog: {
    baseUrl: string;
    apiKey: string;
    projectId: number;
    /** Event capture: the ingestion host and the public project token; null leaves capture off. */
    capture: { baseUrl: string; projectToken: string } | null;
  };
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
  /** Encrypt pagination cursors (the first) and open them (all); the same on every replica. */
  cursorSecrets: string[];
  /** True when no CURSOR_SECRET was given and a random one is used (cursors die with the process). */
  cursorSecretIsEphemeral: boolean;
  /** DataLoader batching; off only to measure what batching saves. */
  batching: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  trustedDocuments: { mode: TrustedDocumentsMode; manifestPath: string };
  /** The self-hosted GraphiQL at /graphiql (and for a browser's GET of /graphql). */
  graphiql: boolean;
  cache: CacheConfig;
  webhooks: WebhookSettings;
  /** Per client request, across every upstream call it makes. */
  requestDeadlineMs: number;
  resilience: ResilienceConfig;
  /** Each provider's rate limit (shared through Redis when set) and the upstream calls a request may make. */
  providerQuotas: ProviderQuotaSettings;
  /** Who may call: JWT verification, API keys, introspection without credentials or not. */
  auth: AuthSettings;
  /** Origins browsers may call from (CORS); empty: none. */
  corsOrigins: string[];
  /** Per client (API key name or JWT subject); null: off. Shared through cache.redisUrl when set. */
  rateLimit: RateLimitSettings | null;
  queryLimits: QueryLimits;
  maxBodyBytes: number;
  /** /metrics, /status and OpenTelemetry traces. */
  observability: ObservabilityConfig;
  /** SIGTERM/SIGINT: drain deadline and unready delay (src/shutdown.ts). */
  shutdown: ShutdownConfig;
  /** Mutations: how a half-made write is undone (src/writes/settings.ts). */
  writes: WritesSettings;
  /** WebSocket limits: operations per connection and per client, event fan-out, init timeout, keepalive. */
  subscriptions: SubscriptionSettings;
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
/** A share strictly between 0 and 1 (a threshold of 0 or 1 would open on anything or never). */
const share = z
  .string()
  .regex(/^(0?\.\d+)$/, 'expected a decimal between 0 and 1, e.g. 0.5')
  .transform(Number)
  .pipe(z.number().gt(0, 'must be more than 0').lt(1, 'must be less than 1'));
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** `{HUBSPOT,STRIPE,POSTHOG}_<suffix>`: one provider's policy settings, with their bounds. */
const POLICY_ENV = {
  RETRIES: int(0, 10),
  CIRCUIT_THRESHOLD: share,
  CIRCUIT_WINDOW_MS: int(100, 3_600_000),
  CIRCUIT_MIN_CALLS: int(1, 100_000),
  CIRCUIT_HALF_OPEN_MS: int(1, 3_600_000),
  CONCURRENCY: int(1, 1000),
  QUEUE: int(0, 100_000),
} as const;
type PolicySetting = keyof typeof POLICY_ENV;
const policyEnvName = (provider: PolicyProvider, setting: PolicySetting) =>
  `${provider.toUpperCase()}_${setting}`;

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
  POSTHOG_PROJECT_TOKEN: z
    .string()
    .regex(/^phc_\w+$/, 'expected the project token (phc_…), not a personal API key')
    .optional(),
  POSTHOG_CAPTURE_HOST: url.optional(),
  PAGE_SIZE_DEFAULT: int(1, 1000).optional(),
  PAGE_SIZE_MAX: int(1, 1000).optional(),
  PROVIDER_TIMEOUT_MS: int(1, 600_000).optional(),
  CURSOR_SECRET: CursorSecretsSchema.optional(),
  BATCHING: bool.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters (256 bits for HS256)').optional(),
  JWT_JWKS_URL: url.optional(),
  JWT_ALG: z.enum(JWT_ALGORITHMS).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_CLOCK_SKEW_S: int(0, 300).optional(),
  JWT_MAX_LIFETIME_S: int(60, 366 * 86_400).optional(),
  API_KEYS: ApiKeysSchema.optional(),
  INTROSPECTION: z.enum(['off', 'authenticated', 'public']).optional(),
  CORS_ORIGINS: CorsOriginsSchema.optional(),
  RATE_LIMIT: RateLimitSchema.optional(),
  AUTH_FAILURE_LIMIT: RateLimitSchema.optional(),
  MAX_DEPTH: int(1, 100).optional(),
  MAX_COST: int(1, 10_000_000).optional(),
  MAX_ALIASES: int(0, 1000).optional(),
  MAX_DIRECTIVES: int(0, 1000).optional(),
  MAX_TOKENS: int(10, 1_000_000).optional(),
  MAX_BODY_BYTES: int(1024, 10 * 1024 * 1024).optional(),
  TRUSTED_DOCUMENTS: z.enum(['off', 'allow-listed-only']).optional(),
  TRUSTED_DOCUMENTS_MANIFEST: z.string().min(1).optional(),
  GRAPHIQL: bool.optional(),
  REDIS_URL: RedisUrlSchema.optional(),
  CACHE: bool.optional(),
  CACHE_READ_TIMEOUT_MS: int(1, 10_000).optional(),
  CACHE_LOCAL_MAX_MB: int(0, 65_536).optional(),
  CACHE_LOCAL_MAX_AGE_S: int(1, 86_400).optional(),
  STRIPE_WEBHOOK_SECRETS: z
    .string()
    .regex(/^whsec_\w+(,whsec_\w+)*$/, 'expected whsec_… secrets, comma-separated')
    .optional(),
  WEBHOOK_MAX_BODY_BYTES: int(1024, 10 * 1024 * 1024).optional(),
  WEBHOOK_RATE_LIMIT: RateLimitSchema.optional(),
  HUBSPOT_CLIENT_SECRET: z.string().min(8, 'must be the app’s client secret').optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'expected the http(s) origin providers call' }).optional(),
  CACHE_STALE_S: int(0, 30 * 86_400).optional(),
  REQUEST_DEADLINE_MS: int(1, 600_000).optional(),
  SHUTDOWN_GRACE_MS: int(0, 600_000).optional(),
  SHUTDOWN_DELAY_MS: int(0, 600_000).optional(),
  RETRY_BASE_MS: int(1, 60_000).optional(),
  RETRY_MAX_MS: int(1, 600_000).optional(),
  METRICS: bool.optional(),
  STATUS_PAGE: bool.optional(),
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'console']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  ...SubscriptionEnv,
  ...AdminEnv,
  UPSTREAM_CALL_BUDGET: UpstreamBudgetSchema.optional(),
  QUOTA_WINDOW_SLACK_MS: WindowSlackSchema.optional(),
  ...Object.fromEntries(QUOTA_VARIABLES.map((name) => [name, QuotaSchema.optional()])),
  ...Object.fromEntries(
    POLICY_PROVIDERS.flatMap((provider) =>
      Object.entries(POLICY_ENV).map(([setting, schema]) => [
        policyEnvName(provider, setting as PolicySetting),
        schema.optional(),
      ]),
    ),
  ),
  ...Object.fromEntries(
    CACHE_KINDS.map((kind) => [`CACHE_TTL_${kind.toUpperCase()}_S`, int(0, 30 * 86_400).optional()]),
  ),
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
    // Never echo a credential back, even a malformed one (a Redis URL may carry a password).
    const shown = /KEY|TOKEN|SECRET|REDIS_URL/.test(name) ? '(hidden)' : JSON.stringify(env[name]);
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
  const retryBaseMs = e.RETRY_BASE_MS ?? DEFAULT_RETRY_BASE_MS;
  const retryMaxMs = e.RETRY_MAX_MS ?? DEFAULT_RETRY_MAX_MS;
  if (retryBaseMs > retryMaxMs) {
    problems.push(`RETRY_BASE_MS=${retryBaseMs} is larger than RETRY_MAX_MS=${retryMaxMs}`);
  }
  // The breaker judges a failure rate now; a consecutive-failure count left set would silently do nothing.
  for (const p of POLICY_PROVIDERS) {
    const name = `${p.toUpperCase()}_CIRCUIT_FAILURES`;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(
        `${name} is no longer read: the circuit opens on a failure rate (${p.toUpperCase()}_CIRCUIT_THRESHOLD, _CIRCUIT_WINDOW_MS, _CIRCUIT_MIN_CALLS)`,
      );
    }
  }
  const nodeEnv = e.NODE_ENV ?? 'development';
  if (nodeEnv === 'production' && !e.CURSOR_SECRET) {
    problems.push('CURSOR_SECRET is missing: production needs one secret shared by every replica');
  }
  const auth = buildAuthSettings(e, {
    production: nodeEnv === 'production',
    // Some live keys but not all is refused above already; only a complete live set needs real auth.
    sandbox: given.length < LIVE_KEYS.length,
    problems,
  });
  const writes = readWritesSettings(env, problems);
  const port = e.PORT ?? DEFAULT_PORT;
  if (e.ADMIN_PORT !== undefined && e.ADMIN_PORT !== 0 && e.ADMIN_PORT === port) {
    problems.push(`ADMIN_PORT=${e.ADMIN_PORT} is also PORT: the admin listener needs a port of its own`);
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
            capture: e.POSTHOG_PROJECT_TOKEN
              ? {
                  baseUrl: e.POSTHOG_CAPTURE_HOST ?? DEFAULT_POSTHOG_CAPTURE_HOST,
                  projectToken: e.POSTHOG_PROJECT_TOKEN,
                }
              : null,
          },
        }
      : null;
  return {
    env: nodeEnv,
    host: e.HOST ?? DEFAULT_HOST,
    port,
    mode: live ? 'live' : 'sandbox',
    live,
    pageSize,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS ?? DEFAULT_PROVIDER_TIMEOUT_MS,
    cursorSecrets: e.CURSOR_SECRET ?? [randomBytes(32).toString('base64url')],
    cursorSecretIsEphemeral: !e.CURSOR_SECRET,
    batching: e.BATCHING ?? true,
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    trustedDocuments: {
      mode: e.TRUSTED_DOCUMENTS ?? DEFAULT_TRUSTED_DOCUMENTS,
      manifestPath: e.TRUSTED_DOCUMENTS_MANIFEST ?? DEFAULT_TRUSTED_DOCUMENTS_MANIFEST,
    },
    graphiql: e.GRAPHIQL ?? nodeEnv !== 'production',
    requestDeadlineMs: e.REQUEST_DEADLINE_MS ?? DEFAULT_REQUEST_DEADLINE_MS,
    resilience: { retryBaseMs, retryMaxMs, providers: policyConfig(values) },
    providerQuotas: providerQuotaSettings(values as Parameters<typeof providerQuotaSettings>[0], {
      stripeLive: live !== null && /^(sk|rk)_live_/.test(live.stripe.secretKey),
    }),
    auth,
    corsOrigins: e.CORS_ORIGINS ?? [],
    rateLimit: e.RATE_LIMIT === undefined ? DEFAULT_RATE_LIMIT : e.RATE_LIMIT,
    queryLimits: {
      maxDepth: e.MAX_DEPTH ?? DEFAULT_MAX_DEPTH,
      maxCost: e.MAX_COST ?? DEFAULT_MAX_COST,
      maxAliases: e.MAX_ALIASES ?? DEFAULT_MAX_ALIASES,
      maxDirectives: e.MAX_DIRECTIVES ?? DEFAULT_MAX_DIRECTIVES,
      maxTokens: e.MAX_TOKENS ?? DEFAULT_MAX_TOKENS,
    },
    maxBodyBytes: e.MAX_BODY_BYTES ?? DEFAULT_MAX_BODY_BYTES,
    observability: {
      ...buildAdminSettings(e, { production: nodeEnv === 'production' }),
      metrics: e.METRICS ?? true,
      statusPage: e.STATUS_PAGE ?? true,
      traces: {
        exporter: e.OTEL_TRACES_EXPORTER ?? DEFAULT_TRACES_EXPORTER,
        otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_OTLP_ENDPOINT,
        serviceName: e.OTEL_SERVICE_NAME ?? DEFAULT_OTEL_SERVICE_NAME,
      },
    },
    shutdown: {
      graceMs: e.SHUTDOWN_GRACE_MS ?? DEFAULT_SHUTDOWN_GRACE_MS,
      delayMs: e.SHUTDOWN_DELAY_MS ?? DEFAULT_SHUTDOWN_DELAY_MS,
    },
    writes,
    subscriptions: buildSubscriptionSettings(e),
    webhooks: {
      stripeSecrets: e.STRIPE_WEBHOOK_SECRETS?.split(',') ?? [],
      hubspotSecrets: e.HUBSPOT_CLIENT_SECRET ? [e.HUBSPOT_CLIENT_SECRET] : [],
      publicUrl: e.PUBLIC_URL ?? null,
      maxBodyBytes: e.WEBHOOK_MAX_BODY_BYTES ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES,
      rateLimit: e.WEBHOOK_RATE_LIMIT === undefined ? DEFAULT_WEBHOOK_RATE_LIMIT : e.WEBHOOK_RATE_LIMIT,
    },
    cache: {
      enabled: e.CACHE ?? true,
      redisUrl: e.REDIS_URL ?? null,
      readTimeoutMs: e.CACHE_READ_TIMEOUT_MS ?? DEFAULT_READ_TIMEOUT_MS,
      local: {
        maxBytes: (e.CACHE_LOCAL_MAX_MB ?? DEFAULT_LOCAL_MAX_MB) * 2 ** 20,
        maxAgeMs: (e.CACHE_LOCAL_MAX_AGE_S ?? DEFAULT_LOCAL_MAX_AGE_S) * 1000,
      },
      staleSeconds: e.CACHE_STALE_S ?? DEFAULT_STALE_SECONDS,
      ttlSeconds: Object.fromEntries(
        CACHE_KINDS.map((kind) => [
          kind,
          (values[`CACHE_TTL_${kind.toUpperCase()}_S`] as number | undefined) ?? DEFAULT_TTL_SECONDS[kind],
        ]),
      ) as Record<CacheKind, number>,
    },
  };
}

function policyConfig(values: Record<string, unknown>): Record<PolicyProvider, ProviderPolicyConfig> {
  const read = (provider: PolicyProvider, setting: PolicySetting) =>
    values[policyEnvName(provider, setting)] as number | undefined;
  const entries = POLICY_PROVIDERS.map((p): [PolicyProvider, ProviderPolicyConfig] => [
    p,
    {
      retries: read(p, 'RETRIES') ?? DEFAULT_RETRIES,
      circuitThreshold: read(p, 'CIRCUIT_THRESHOLD') ?? DEFAULT_CIRCUIT_THRESHOLD,
      circuitWindowMs: read(p, 'CIRCUIT_WINDOW_MS') ?? DEFAULT_CIRCUIT_WINDOW_MS,
      circuitMinCalls: read(p, 'CIRCUIT_MIN_CALLS') ?? DEFAULT_CIRCUIT_MIN_CALLS,
      circuitHalfOpenMs: read(p, 'CIRCUIT_HALF_OPEN_MS') ?? DEFAULT_CIRCUIT_HALF_OPEN_MS,
      concurrency: read(p, 'CONCURRENCY') ?? DEFAULT_PROVIDER_CONCURRENCY[p],
      queue: read(p, 'QUEUE') ?? DEFAULT_PROVIDER_QUEUE[p],
    },
  ]);
  return Object.fromEntries(entries) as Record<PolicyProvider, ProviderPolicyConfig>;
}
