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
import { signTestToken } from '../test/support/tokens.js';
import { liveEnv } from '../test/integration/deploy/support.js';

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
  // A production replica's live-mode settings, as the deployment tests use; one client, so no rate limit.
  const env = { ...liveEnv(sandbox), LOG_LEVEL: 'warn', REDIS_URL: redis.url, RATE_LIMIT: 'off' };
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
