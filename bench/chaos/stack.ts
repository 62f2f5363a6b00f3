/**
 * The processes a chaos run needs, each its own process on loopback: the sandbox (one for the whole
 * run), Redis (killable and restartable on its port) and Concord (a fresh process per scenario, so
 * that no circuit, cache or limiter state leaks from one scenario into the next). A Concord that
 * exits is recorded with its code, signal and last output, never waited on.
 */
import { createClient } from '@redis/client';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../sandbox/context.js';
import { POSTHOG_PROJECT_TOKEN } from '../../sandbox/posthog/index.js';
import type { KnobsPatch } from '../../sandbox/http/knobs.js';
import type { ProviderName } from '../../sandbox/http/provider.js';
import { startTestRedis, type TestRedis } from '../../test/support/redis.js';
import { TEST_JWT } from '../../test/support/tokens.js';
import { startChild, type Child } from '../processes.js';

export const PROVIDERS: readonly ProviderName[] = ['hubspot', 'stripe', 'posthog'];

export interface SandboxProcess {
  urls: Record<ProviderName, string>;
  /** Patches one provider's failure knobs (latency, error rate, outage, rate limit). */
  setKnobs(provider: ProviderName, patch: KnobsPatch): Promise<void>;
  /** Every provider back to the start-up knobs. */
  resetKnobs(): Promise<void>;
  counters(): Promise<Counters>;
  resetCounters(): Promise<void>;
  stop(): Promise<void>;
}

export interface Counters {
  total: Record<ProviderName, number>;
  byStatus: Record<ProviderName, Record<string, number>>;
  byEndpoint: Record<ProviderName, Record<string, number>>;
}

async function admin(url: string, method: string, body?: unknown): Promise<Response> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox admin ${method} ${url}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** `npm run sandbox` as a child process on free ports, with the given seed, size and anchor. */
export async function startSandboxProcess(options: {
  seed: number;
  size: 'demo' | 'bench';
  anchor: number;
}): Promise<SandboxProcess> {
  const { child, match } = await startChild(
    'sandbox',
    process.execPath,
    ['--import', 'tsx', 'sandbox/main.ts'],
    {
      SANDBOX_SIZE: options.size,
      SANDBOX_SEED: String(options.seed),
      SANDBOX_ANCHOR: new Date(options.anchor).toISOString(),
      SANDBOX_HUBSPOT_PORT: '0',
      SANDBOX_STRIPE_PORT: '0',
      SANDBOX_POSTHOG_PORT: '0',
      SANDBOX_SALESFORCE_PORT: '0',
    },
    /^\s+HubSpot\s+(\S+)[\s\S]*?^\s+Stripe\s+(\S+)[\s\S]*?^\s+PostHog\s+(\S+)\s/m,
  );
  const urls = { hubspot: match[1] ?? '', stripe: match[2] ?? '', posthog: match[3] ?? '' };
  return {
    urls,
    setKnobs: async (provider, patch) => {
      await admin(`${urls[provider]}/__sandbox/knobs`, 'PATCH', patch);
    },
    resetKnobs: async () => {
      for (const p of PROVIDERS) await admin(`${urls[p]}/__sandbox/knobs/reset`, 'POST');
    },
    // One counter board serves all three simulators.
    counters: async () =>
      (await (await admin(`${urls.hubspot}/__sandbox/counters`, 'GET')).json()) as Counters,
    resetCounters: async () => {
      await admin(`${urls.hubspot}/__sandbox/counters`, 'DELETE');
    },
    stop: () => child.stop(),
  };
}

export interface RedisProcess {
  url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  flush(): Promise<void>;
  /** Keys per prefix (`concord:mutation`, `concord:ratelimit`, …), to see which features write again. */
  keysByPrefix(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** A private redis-server (test/support/redis.ts), plus a flush and a key census over short-lived clients. */
export async function startRedisProcess(): Promise<RedisProcess> {
  const redis: TestRedis = await startTestRedis();
  if (!redis.owned) throw new Error('the chaos run kills and restarts Redis: unset REDIS_URL');
  const connect = async () => {
    const client = createClient({ url: redis.url, socket: { reconnectStrategy: false } });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  type Client = Awaited<ReturnType<typeof connect>>;
  const withClient = async <T>(run: (client: Client) => Promise<T>): Promise<T> => {
    const client = await connect();
    try {
      return await run(client);
    } finally {
      await client.close().catch(() => undefined);
    }
  };
  return {
    url: redis.url,
    kill: () => redis.kill(),
    restart: () => redis.restart(),
    flush: () => withClient(async (c) => void (await c.flushAll())),
    keysByPrefix: () =>
      withClient(async (c) => {
        const counts: Record<string, number> = {};
        for await (const keys of c.scanIterator({ COUNT: 1000 })) {
          for (const key of keys) {
            const prefix = key.split(':').slice(0, 2).join(':');
            counts[prefix] = (counts[prefix] ?? 0) + 1;
          }
        }
        return counts;
      }),
    stop: () => redis.stop(),
  };
}

export interface ConcordProcess {
  url: string;
  /** Its admin listener (metrics, status, probes), as Concord printed it. */
  adminUrl: string | null;
  pid: number;
  /** Null while it runs; then how it ended. */
  exit(): { code: number | null; signal: string | null } | null;
  /** Resolves when the process has ended (immediately if it already has). */
  exited(): Promise<void>;
  /** The last lines it printed (the crash's own words when it died). */
  tail(lines?: number): string;
  /** Everything it printed so far. */
  output(): string;
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/** Concord as `npm start` runs it in production mode, against the sandbox process and Redis. */
export async function startConcord(
  sandbox: SandboxProcess,
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<ConcordProcess> {
  const c = DEFAULT_SANDBOX_CREDENTIALS;
  const { child, match } = await startChild(
    'concord',
    process.execPath,
    ['--import', 'tsx', 'src/main.ts'],
    {
      HUBSPOT_BASE_URL: sandbox.urls.hubspot,
      HUBSPOT_ACCESS_TOKEN: c.hubspotAccessToken,
      STRIPE_BASE_URL: sandbox.urls.stripe,
      STRIPE_SECRET_KEY: c.stripeSecretKey,
      POSTHOG_HOST: sandbox.urls.posthog,
      POSTHOG_API_KEY: c.posthogApiKey,
      POSTHOG_PROJECT_ID: String(c.posthogProjectId),
      POSTHOG_PROJECT_TOKEN: POSTHOG_PROJECT_TOKEN,
      POSTHOG_CAPTURE_HOST: sandbox.urls.posthog,
      ...TEST_JWT,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
      CURSOR_SECRET: 'chaos-cursor-secret-0123456789abcdef',
      // Its own admin listener on a free port: a fixed 9464 may be taken on a shared machine.
      ADMIN_PORT: '0',
      REDIS_URL: redisUrl,
      CACHE: 'true',
      // Ten clients on one box: the per-client limit stays on (its Redis keys are watched) but never binds.
      RATE_LIMIT: '100000/60s',
      ...env,
    },
    /Concord ready at (\S+)/,
  );
  const admin = /metrics, status and probes at (\S+)/.exec(child.output());
  return concordHandle(child, match[1] ?? '', admin?.[1] ?? null);
}

function concordHandle(child: Child, url: string, adminUrl: string | null): ConcordProcess {
  const proc = child.process;
  const ended = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  return {
    url,
    adminUrl,
    pid: child.pid,
    exit: () =>
      proc.exitCode === null && proc.signalCode === null
        ? null
        : { code: proc.exitCode, signal: proc.signalCode },
    exited: () => ended,
    tail: (lines = 12) =>
      child
        .output()
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .map((line) => (line.length > 400 ? `${line.slice(0, 400)} …` : line))
        .join('\n'),
    output: () => child.output(),
    signal: (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    stop: () => child.stop(),
  };
}

/** Concord's own view of one provider, from its /metrics: attempts it made and calls its quota held back. */
export interface ConcordProviderCounters {
  /** `concord_provider_requests_total`: HTTP attempts, retries included. */
  attempts: number;
  /** `concord_provider_quota_throttled_total{by="provider"}`: 429s the provider answered. */
  rateLimited: number;
  /** `concord_provider_quota_throttled_total{by="quota"}`: calls refused, no room before their deadline. */
  throttled: number;
}

/** Sums of a Prometheus text exposition's samples of `name` per value of `label`, filtered by `where`. */
export function sumSamples(
  text: string,
  name: string,
  label: string,
  where: Record<string, string> = {},
): Record<string, number> {
  const sums: Record<string, number> = {};
  // Label values may hold braces (endpoint templates such as `/v1/charges/{id}`): match quoted strings whole.
  const sample = new RegExp(`^${name}\\{((?:[^"}]|"(?:[^"\\\\]|\\\\.)*")*)\\} (\\S+)$`, 'gm');
  for (const [, labels = '', value = ''] of text.matchAll(sample)) {
    const pairs = Object.fromEntries(
      [...labels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k = '', v = '']) => [k, v]),
    );
    if (Object.entries(where).some(([k, v]) => pairs[k] !== v)) continue;
    const key = pairs[label];
    if (key === undefined) continue;
    sums[key] = (sums[key] ?? 0) + Number(value);
  }
  return sums;
}

/** Reads Concord's provider counters from its admin port; null when there is none or it does not answer. */
export async function concordProviderCounters(
  concord: ConcordProcess,
): Promise<Record<ProviderName, ConcordProviderCounters> | null> {
  if (!concord.adminUrl || concord.exit() !== null) return null;
  let text: string;
  try {
    const res = await fetch(`${concord.adminUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return null;
    text = await res.text();
  } catch {
    return null;
  }
  const attempts = sumSamples(text, 'concord_provider_requests_total', 'provider');
  const quota = sumSamples(text, 'concord_provider_quota_throttled_total', 'provider', { by: 'quota' });
  const provider = sumSamples(text, 'concord_provider_quota_throttled_total', 'provider', { by: 'provider' });
  return Object.fromEntries(
    PROVIDERS.map((p) => [
      p,
      { attempts: attempts[p] ?? 0, rateLimited: provider[p] ?? 0, throttled: quota[p] ?? 0 },
    ]),
  ) as Record<ProviderName, ConcordProviderCounters>;
}
