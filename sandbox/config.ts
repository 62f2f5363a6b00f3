import { z } from 'zod';
import type { DatasetSizes } from './data/dataset.js';
import { NAMED_SIZES } from './data/sizes.js';
import type { KnobsPatch } from './http/knobs.js';
import { hubspotAccountSettings, type HubSpotAccountSettings } from './hubspot/account.js';
import { TWINS, type TwinName } from './http/provider.js';
import { salesforceTwinSettings, type SalesforceTwinSettings } from './salesforce/index.js';
import type { TwinSpec } from './twin-spec.js';
import { TWIN_SPECS, credentialsFrom, type SandboxCredentials } from './twin-specs.js';
import type { WebhookSettings } from './webhooks/emitter.js';

const DAY = 86_400_000;

export interface SandboxConfig {
  seed: number;
  sizes: DatasetSizes;
  sizeName: keyof typeof NAMED_SIZES;
  /** The newest instant in the data (epoch ms). */
  anchor: number;
  host: string;
  ports: Record<TwinName, number>;
  credentials: SandboxCredentials;
  knobs: Record<TwinName, KnobsPatch>;
  /** Outgoing signed webhooks; each provider's are on only when the URL and its secret are both set. */
  webhooks: WebhookSettings;
  salesforce: SalesforceTwinSettings;
  /** The HubSpot account the twin plays: `SANDBOX_HUBSPOT_TIER`, `…_API_LIMIT_INCREASE`, `…_TIME_ZONE`. */
  hubspot: HubSpotAccountSettings;
  /** The CRM Stripe and PostHog link to: `CRM_PROVIDER`, the same variable that picks Concord's CRM. */
  crm: 'hubspot' | 'salesforce';
}

/** Thrown with one line per bad variable, so a start-up failure says everything that is wrong at once. */
export class ConfigError extends Error {
  readonly code = 'BAD_CONFIG';
  constructor(readonly problems: string[]) {
    super(`Bad configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const intFrom = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const numberFrom = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'expected a number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));
const boolFrom = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** `100/10s`, `25/1s`, `120/1h`: requests per window. */
const rateLimitFrom = z
  .string()
  .regex(/^(\d+)\/(\d+)(ms|s|m|h)$/, 'expected requests/window such as 100/10s')
  .transform((v) => {
    const [, count, size, unit] = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(v) as RegExpExecArray;
    const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
    return { limit: Number(count), windowMs: Number(size) * unitMs };
  });

/** Midnight UTC of the current day: data stays "recent" yet is identical for every start on the same day. */
export function defaultAnchor(now = Date.now()): number {
  return Math.floor(now / DAY) * DAY;
}

function knobVariables(provider: TwinName) {
  const p = `SANDBOX_${provider.toUpperCase()}`;
  return {
    [`${p}_LATENCY_MS`]: numberFrom(0, 600_000).optional(),
    [`${p}_JITTER_MS`]: numberFrom(0, 600_000).optional(),
    [`${p}_ERROR_RATE`]: numberFrom(0, 1).optional(),
    [`${p}_OUTAGE`]: boolFrom.optional(),
    [`${p}_RATE_LIMIT`]: rateLimitFrom.optional(),
    [`${p}_PORT`]: intFrom(0, 65_535).optional(),
  };
}

const SPECS = Object.values(TWIN_SPECS) as TwinSpec[];

const EnvSchema = z.object({
  SANDBOX_SEED: intFrom(0, 2 ** 31 - 1).optional(),
  SANDBOX_SIZE: z.enum(['demo', 'bench']).optional(),
  SANDBOX_ANCHOR: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  SANDBOX_HOST: z.string().min(1).optional(),
  SANDBOX_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  SANDBOX_DOCUMENTED_LIMITS: boolFrom.optional(),
  // Each twin's knobs and port, then its own variables (credentials, secrets, settings), from its folder.
  ...(Object.assign({}, ...TWINS.map((twin) => knobVariables(twin))) as Record<string, z.ZodType>),
  ...(Object.assign({}, ...SPECS.map((spec) => spec.variables)) as Record<string, z.ZodType>),
  CRM_PROVIDER: z.enum(['hubspot', 'salesforce']).optional(),
});

/** The webhook URL, and each signing twin's secret from its own variable. */
function webhookSettings(e: Readonly<Record<string, unknown>>): WebhookSettings {
  const settings: WebhookSettings = { url: e.SANDBOX_WEBHOOK_URL as string | undefined };
  for (const spec of SPECS) {
    if (spec.webhookSecret)
      settings[spec.webhookSecret.setting] = e[spec.webhookSecret.variable] as string | undefined;
  }
  return settings;
}

/** Reads the sandbox's settings from the environment; every bad value is one line of the error. */
export function readSandboxConfig(env: NodeJS.ProcessEnv = process.env, defaultPort = 0): SandboxConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        return `${name}=${JSON.stringify(env[name])}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data as Record<string, unknown>;
  const sizeName = (e.SANDBOX_SIZE as 'demo' | 'bench' | undefined) ?? 'demo';
  const ports = {} as Record<TwinName, number>;
  const knobs = {} as Record<TwinName, KnobsPatch>;
  // Where users meet the sandbox (npm start's sandbox mode, npm run sandbox, the bench), each twin
  // answers 429 where its provider would. Test stacks (NODE_ENV=test) and `startSandbox()` called
  // directly leave them off unless asked, so a suite is not throttled by accident.
  const documentedLimits = (e.SANDBOX_DOCUMENTED_LIMITS as boolean | undefined) ?? env.NODE_ENV !== 'test';
  TWINS.forEach((provider, i) => {
    const p = `SANDBOX_${provider.toUpperCase()}`;
    ports[provider] = (e[`${p}_PORT`] as number | undefined) ?? (defaultPort === 0 ? 0 : defaultPort + i);
    const patch: KnobsPatch = { documentedLimits };
    if (e[`${p}_LATENCY_MS`] !== undefined) patch.latencyMs = e[`${p}_LATENCY_MS`] as number;
    if (e[`${p}_JITTER_MS`] !== undefined) patch.jitterMs = e[`${p}_JITTER_MS`] as number;
    if (e[`${p}_ERROR_RATE`] !== undefined) patch.errorRate = e[`${p}_ERROR_RATE`] as number;
    if (e[`${p}_OUTAGE`] !== undefined) patch.outage = e[`${p}_OUTAGE`] as boolean;
    if (e[`${p}_RATE_LIMIT`] !== undefined) patch.rateLimit = e[`${p}_RATE_LIMIT`] as KnobsPatch['rateLimit'];
    knobs[provider] = patch;
  });
  const anchor = e.SANDBOX_ANCHOR ? Date.parse(e.SANDBOX_ANCHOR as string) : defaultAnchor();
  return {
    seed: (e.SANDBOX_SEED as number | undefined) ?? 42,
    sizeName,
    sizes: NAMED_SIZES[sizeName],
    anchor,
    host: (e.SANDBOX_HOST as string | undefined) ?? '127.0.0.1',
    ports,
    credentials: credentialsFrom(e),
    knobs,
    webhooks: webhookSettings(e),
    salesforce: salesforceTwinSettings(e),
    hubspot: hubspotAccountSettings(e),
    crm: (e.CRM_PROVIDER as 'hubspot' | 'salesforce' | undefined) ?? 'hubspot',
  };
}
