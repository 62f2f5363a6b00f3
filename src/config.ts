import { randomBytes } from 'node:crypto';
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
  providerQuotaSettings,
  type ProviderQuotaSettings,
} from './limits/provider-quota-settings.js';
import {
  DEFAULT_WEBHOOK_MAX_BODY_BYTES,
  DEFAULT_WEBHOOK_RATE_LIMIT,
  type WebhookSettings,
} from './webhooks/receivers.js';
import { OAuthEnv, buildOAuthSettings, oauthProblems, type OAuthSettings } from './providers/oauth.js';
import { CursorSecretsSchema } from './relay/settings.js';
import {
  DEFAULT_SHUTDOWN_DELAY_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  type ShutdownConfig,
} from './runtime/shutdown.js';
import { readWritesSettings, type WritesSettings } from './writes/settings.js';
import {
  TrustedDocumentsEnv,
  buildTrustedDocumentsSettings,
  type TrustedDocumentsSettings,
} from './graphql/trusted-documents-settings.js';
import {
  CompiledExecutionEnv,
  buildCompiledExecutionSettings,
  type CompiledExecutionSettings,
} from './graphql/compiled-execution-settings.js';
import { DEFAULT_RETRY_BASE_MS, DEFAULT_RETRY_MAX_MS } from '../datasources/transport/retry.js';
import { readVariables } from '../datasources/settings.js';
import { chosenList, type ProviderChoice } from './providers/registry.js';
import {
  liveSettings,
  policyConfig,
  providerChoice,
  readProviderVariables,
  usesOAuth,
  webhookSecrets,
  type ProviderPolicyConfig,
} from './providers/settings.js';

export type { ProviderPolicyConfig } from './providers/settings.js';
export {
  DEFAULT_TRUSTED_DOCUMENTS,
  DEFAULT_TRUSTED_DOCUMENTS_MANIFEST,
  type TrustedDocumentsMode,
} from './graphql/trusted-documents-settings.js';

/** Defaults, one line each on why. */
export const DEFAULT_PORT = 4000;
/** Loopback by default: a container sets HOST=0.0.0.0 on purpose. */
export const DEFAULT_HOST = '127.0.0.1';
/** Relay page size when the client gives none, and the most a client may ask for. */
export const DEFAULT_PAGE_SIZE = 20;
export const DEFAULT_MAX_PAGE_SIZE = 100;
/** Per-attempt upstream timeout; a provider slower than this is treated as down. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;
/** The longest one client request may spend upstream: a partial answer beats a hung page. */
export const DEFAULT_REQUEST_DEADLINE_MS = 10_000;
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

export interface ResilienceConfig {
  retryBaseMs: number;
  retryMaxMs: number;
  /** Per provider, by name (`<NAME>_RETRIES`, `_CIRCUIT_*`, `_CONCURRENCY`, `_QUEUE`). */
  providers: Readonly<Record<string, ProviderPolicyConfig>>;
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

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  mode: ProviderMode;
  /** The provider serving each domain, by registry name (`CRM_PROVIDER` picks the CRM). */
  providers: ProviderChoice;
  /**
   * Each chosen provider's live settings by name, as its descriptor read them from its own
   * variables; null in sandbox mode, where the sandbox supplies URLs and keys.
   */
  live: Readonly<Record<string, unknown>> | null;
  /**
   * Every provider variable as read and checked, in either mode: in sandbox mode a provider keeps
   * the settings of its own that the sandbox does not decide (e.g. `SALESFORCE_POLL_INTERVAL_MS`).
   */
  providerValues: Readonly<Record<string, unknown>>;
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
  /** The trusted-documents manifest (a path or an http(s) URL), its mode and reload interval. */
  trustedDocuments: TrustedDocumentsSettings;
  /** From which use a document runs compiled (graphql-jit) rather than on graphql-js. */
  compiledExecution: CompiledExecutionSettings;
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
  /** Keys sealing OAuth tokens shared through Redis (providers that refresh tokens: Salesforce). */
  oauth: OAuthSettings;
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
  ...TrustedDocumentsEnv,
  ...CompiledExecutionEnv,
  GRAPHIQL: bool.optional(),
  REDIS_URL: RedisUrlSchema.optional(),
  CACHE: bool.optional(),
  CACHE_READ_TIMEOUT_MS: int(1, 10_000).optional(),
  CACHE_LOCAL_MAX_MB: int(0, 65_536).optional(),
  CACHE_LOCAL_MAX_AGE_S: int(1, 86_400).optional(),
  WEBHOOK_MAX_BODY_BYTES: int(1024, 10 * 1024 * 1024).optional(),
  WEBHOOK_RATE_LIMIT: RateLimitSchema.optional(),
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
  ...OAuthEnv,
  ...AdminEnv,
  UPSTREAM_CALL_BUDGET: UpstreamBudgetSchema.optional(),
  ...Object.fromEntries(QUOTA_VARIABLES.map((name) => [name, QuotaSchema.optional()])),
  ...Object.fromEntries(
    CACHE_KINDS.map((kind) => [`CACHE_TTL_${kind.toUpperCase()}_S`, int(0, 30 * 86_400).optional()]),
  ),
});

/** Reads and checks the environment; the only place configuration comes from. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  // Each variable is read on its own, so one bad value neither hides another nor the good ones.
  const values = readVariables(EnvSchema.shape, env, problems);
  const providerValues = readProviderVariables(env, problems);
  const e = values as z.infer<typeof EnvSchema>;
  const providers = providerChoice(providerValues);
  const { live, partial } = liveSettings(providers, providerValues, env, problems);
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
  const policies = policyConfig(providerValues, env, problems);
  const nodeEnv = e.NODE_ENV ?? 'development';
  if (nodeEnv === 'production' && !e.CURSOR_SECRET) {
    problems.push('CURSOR_SECRET is missing: production needs one secret shared by every replica');
  }
  const auth = buildAuthSettings(e, {
    production: nodeEnv === 'production',
    // Some live keys but not all is refused above already; only a complete live set needs real auth.
    sandbox: live === null || partial,
    problems,
  });
  const writes = readWritesSettings(env, problems);
  const oauth = buildOAuthSettings(e);
  const oauthLive = live !== null && chosenList(providers).some((d) => usesOAuth(d, live[d.name]));
  problems.push(...oauthProblems(oauth, e.REDIS_URL !== undefined, oauthLive));
  const port = e.PORT ?? DEFAULT_PORT;
  if (e.ADMIN_PORT !== undefined && e.ADMIN_PORT !== 0 && e.ADMIN_PORT === port) {
    problems.push(`ADMIN_PORT=${e.ADMIN_PORT} is also PORT: the admin listener needs a port of its own`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: nodeEnv,
    host: e.HOST ?? DEFAULT_HOST,
    port,
    mode: live ? 'live' : 'sandbox',
    providers,
    live,
    providerValues,
    pageSize,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS ?? DEFAULT_PROVIDER_TIMEOUT_MS,
    cursorSecrets: e.CURSOR_SECRET ?? [randomBytes(32).toString('base64url')],
    cursorSecretIsEphemeral: !e.CURSOR_SECRET,
    batching: e.BATCHING ?? true,
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    trustedDocuments: buildTrustedDocumentsSettings(e),
    compiledExecution: buildCompiledExecutionSettings(e),
    graphiql: e.GRAPHIQL ?? nodeEnv !== 'production',
    requestDeadlineMs: e.REQUEST_DEADLINE_MS ?? DEFAULT_REQUEST_DEADLINE_MS,
    resilience: { retryBaseMs, retryMaxMs, providers: policies },
    providerQuotas: providerQuotaSettings(values as Parameters<typeof providerQuotaSettings>[0], {
      live,
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
    oauth,
    webhooks: {
      secrets: webhookSecrets(providerValues),
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
