/**
 * The warm dashboard's whole stack in this one process: Redis, the sandbox and a Redis-backed
 * Concord in live mode with production settings, and a client that asks the dashboard once. For
 * tools that look inside the process (a CPU profile, an allocation profile).
 */
import { pino } from 'pino';
import { startSandbox } from '../sandbox/index.js';
import { startConcord } from '../src/app.js';
import { readConfig } from '../src/config.js';
import { startTestRedis } from '../test/support/redis.js';
import { DASHBOARD_QUERY } from '../test/support/dashboard.js';
import { signTestToken, TEST_JWT } from '../test/support/tokens.js';

export interface InProcessDashboard {
  /** Asks the dashboard once; throws on a GraphQL error. */
  post(): Promise<void>;
  /** Upstream calls the sandbox has answered so far, all providers together. */
  upstreamCalls(): number;
  stop(): Promise<void>;
}

export async function startInProcessDashboard(): Promise<InProcessDashboard> {
  const redis = await startTestRedis();
  const sandbox = await startSandbox({ seed: 42, anchor: Date.parse('2026-11-24') });
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    CURSOR_SECRET: 'profile-cursor-secret-0123456789abcdef',
    REDIS_URL: redis.url,
    RATE_LIMIT: 'off',
    ADMIN_PORT: '0',
    ...TEST_JWT,
    HUBSPOT_ACCESS_TOKEN: sandbox.credentials.hubspotAccessToken,
    HUBSPOT_BASE_URL: sandbox.urls.hubspot,
    STRIPE_SECRET_KEY: sandbox.credentials.stripeSecretKey,
    STRIPE_BASE_URL: sandbox.urls.stripe,
    POSTHOG_API_KEY: sandbox.credentials.posthogApiKey,
    POSTHOG_HOST: sandbox.urls.posthog,
    POSTHOG_PROJECT_ID: String(sandbox.credentials.posthogProjectId),
  };
  const concord = await startConcord(readConfig(env), { logger: pino({ level: 'warn' }), env });
  const token = await signTestToken({ expiresInS: 3600 });
  const until = new Date(Math.floor(Date.parse('2026-11-24') / 60_000) * 60_000);
  const since = new Date(until.getTime() - 30 * 86_400_000);
  const body = JSON.stringify({
    query: DASHBOARD_QUERY,
    variables: { first: 50, since: since.toISOString(), until: until.toISOString() },
  });
  return {
    post: async () => {
      const res = await fetch(concord.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      const json = (await res.json()) as { errors?: unknown };
      if (json.errors) throw new Error(JSON.stringify(json.errors));
    },
    upstreamCalls: () => {
      const { hubspot, stripe, posthog } = sandbox.counters.snapshot().total;
      return hubspot + stripe + posthog;
    },
    stop: async () => {
      await concord.stop();
      await sandbox.stop();
      await redis.stop();
    },
  };
}
