/**
 * `node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/profile-warm.ts [requests]`: the warm
 * dashboard, sequentially, in one process (sandbox, Redis-backed Concord), for a CPU profile of the
 * warm path. Prints the mean time per request; the profile shows where it goes.
 */
import { pino } from 'pino';
import { startSandbox } from '../sandbox/index.js';
import { startConcord } from '../src/app.js';
import { readConfig } from '../src/config.js';
import { startTestRedis } from '../test/support/redis.js';
import { DASHBOARD_QUERY } from '../test/support/dashboard.js';
import { signTestToken, TEST_JWT } from '../test/support/tokens.js';

const requests = Number(process.argv[2] ?? 300);
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
const post = async () => {
  const res = await fetch(concord.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const json = (await res.json()) as { errors?: unknown };
  if (json.errors) throw new Error(JSON.stringify(json.errors));
};
for (let i = 0; i < 5; i++) await post();
const calls = sandbox.counters.snapshot().total;
const started = performance.now();
for (let i = 0; i < requests; i++) await post();
const ms = (performance.now() - started) / requests;
const after = sandbox.counters.snapshot().total;
console.log(
  `warm dashboard: ${ms.toFixed(2)} ms per request over ${requests}; upstream calls during the run: ${after.hubspot + after.stripe + after.posthog - (calls.hubspot + calls.stripe + calls.posthog)}`,
);
await concord.stop();
await sandbox.stop();
await redis.stop();
