/**
 * `npm exec -- node --import tsx bench/allocations-warm.ts [requests]`: what the warm dashboard
 * allocates, by function. Sandbox, Redis-backed Concord (the source, production settings) and the
 * client run in one process; V8's sampling heap profiler counts every sampled allocation, kept or
 * collected, over `requests` sequential warm requests. Allocation is what the scavenger and the
 * mark-compactor later pay for: the garbage collector's share of a warm request follows it.
 */
import { Session } from 'node:inspector/promises';
import { pino } from 'pino';
import { startSandbox } from '../sandbox/index.js';
import { startConcord } from '../src/app.js';
import { readConfig } from '../src/config.js';
import { startTestRedis } from '../test/support/redis.js';
import { DASHBOARD_QUERY } from '../test/support/dashboard.js';
import { signTestToken, TEST_JWT } from '../test/support/tokens.js';

interface SampledNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampledNode[];
}

const requests = Number(process.argv[2] ?? 200);
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
for (let i = 0; i < 30; i++) await post();

const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
for (let i = 0; i < requests; i++) await post();
const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SampledNode } };
session.disconnect();

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
let total = 0;
const place = (url: string) =>
  url.includes('node_modules/')
    ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
    : url.startsWith('node:') || url === ''
      ? url || '(native)'
      : url.replace(/.*\/(src|datasources|sandbox|bench|test)\//, '$1/');
const walk = (node: SampledNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  if (node.selfSize > 0) {
    total += node.selfSize;
    const key = `${functionName || '(anonymous)'} ${place(url)}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    byPlace.set(place(url), (byPlace.get(place(url)) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child);
};
walk(profile.head);
const kb = (bytes: number) => `${(bytes / 1024 / requests).toFixed(1)} KB`;
console.log(`allocated per warm dashboard (server, sandbox and client together): ${kb(total)}`);
const top = (map: Map<string, number>, n: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .forEach(([key, bytes]) => console.log(`${kb(bytes).padStart(10)}  ${key}`));
console.log('by place:');
top(byPlace, 25);
console.log('by function:');
top(byFunction, 40);

await concord.stop();
await sandbox.stop();
await redis.stop();
