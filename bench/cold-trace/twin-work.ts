/**
 * `npm exec -- node --import tsx bench/cold-trace/twin-work.ts [--repeat=5] [--size=bench]`: the
 * sandbox's own work for each upstream call of one cold dashboard. The sandbox runs in this process
 * (no injected latency, documented limits on); Concord (the production build) asks the dashboard once
 * and every request it makes is recorded; each is then replayed `repeat` times, one at a time, and
 * the twin's work for it (sandbox/http/serve.ts HANDLED_CHANNEL: from the end of the injected latency
 * to the written answer) is reported as min / median. A real provider answers in its latency whatever
 * its data size: this is the part of a cold dashboard that is the twin's, not the provider's.
 */
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { createClient } from '@redis/client';
import { readSandboxConfig } from '../../sandbox/config.js';
import { HANDLED_CHANNEL } from '../../sandbox/http/serve.js';
import { startSandbox } from '../../sandbox/index.js';
import { signTestToken, TEST_JWT } from '../../test/support/tokens.js';
import { flushCache, post, type Target } from '../measure.js';
import { benchConcordEnv, startChild, startRedis, stopAll, twinEnv } from '../processes.js';
import { DASHBOARD } from '../scenarios.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const repeat = Number(arg('repeat', '5'));
const DAY = 86_400_000;
/** Between replays, so the documented limits (Stripe search: 20/s) never answer 429 instead. */
const PACE_MS = 60;

interface Recorded {
  origin: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  ms: number;
}

async function main(): Promise<void> {
  const anchor = Math.floor(Date.now() / DAY) * DAY;
  const config = readSandboxConfig(
    {
      SANDBOX_SIZE: arg('size', 'bench'),
      SANDBOX_SEED: '42',
      SANDBOX_ANCHOR: new Date(anchor).toISOString(),
      SANDBOX_DOCUMENTED_LIMITS: 'true',
      ...Object.fromEntries(
        ['HUBSPOT', 'STRIPE', 'POSTHOG', 'SALESFORCE'].map((p) => [`SANDBOX_${p}_PORT`, '0']),
      ),
    },
    0,
  );
  const sandbox = await startSandbox(config);
  const origins = new Map(Object.values(sandbox.urls).map((url) => [new URL(url).port, url]));
  let recording: Recorded[] | null = null;
  let last: { request: IncomingMessage; ms: number } | undefined;
  diagnostics.subscribe(HANDLED_CHANNEL, (message) => {
    const { request, ms } = message as { request: IncomingMessage & { body?: unknown }; ms: number };
    last = { request, ms };
    if (!recording) return;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers))
      if (typeof v === 'string' && k !== 'content-length' && k !== 'host') headers[k] = v;
    recording.push({
      origin: origins.get(String(request.socket.localPort)) ?? '',
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers,
      body: Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined,
      ms,
    });
  });

  const redisUrl = await startRedis();
  const redis = createClient({ url: redisUrl });
  redis.on('error', () => undefined);
  await redis.connect();
  const { match } = await startChild(
    'concord',
    process.execPath,
    ['dist/src/main.js'],
    benchConcordEnv(twinEnv(sandbox.urls), redisUrl, TEST_JWT),
    /Concord ready at (\S+)/,
  );
  const concord: Target = {
    name: 'concord',
    url: match[1] ?? '',
    headers: { authorization: `Bearer ${await signTestToken({ expiresInS: 3600 })}` },
  };
  const variables = {
    since: new Date(anchor - 30 * DAY).toISOString(),
    until: new Date(anchor).toISOString(),
  };
  await post(concord, DASHBOARD, variables);
  await flushCache(redis);
  await new Promise((r) => setTimeout(r, 1_100));
  recording = [];
  await post(concord, DASHBOARD, variables);
  const calls = recording as Recorded[];
  recording = null;

  console.log(
    `${calls.length} calls of one cold dashboard; the twin's own work in ms (in the dashboard, then min / median of ${repeat} replays)`,
  );
  let total = 0;
  for (const call of calls) {
    const times: number[] = [];
    let status = 0;
    let bytes = 0;
    for (let i = 0; i < repeat; i++) {
      await new Promise((r) => setTimeout(r, PACE_MS));
      const response = await fetch(call.origin + call.url, {
        method: call.method,
        headers: call.headers,
        ...(call.body ? { body: new Uint8Array(call.body) } : {}),
      });
      const text = await response.text();
      status = response.status;
      bytes = text.length;
      times.push(last?.ms ?? NaN);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor((times.length - 1) / 2)] ?? NaN;
    total += median;
    console.log(
      `  ${call.ms.toFixed(2).padStart(7)} ${(times[0] ?? NaN).toFixed(2).padStart(7)} ${median.toFixed(2).padStart(7)}  ${status} ${String(bytes).padStart(7)} B  ${call.method} ${call.url.slice(0, 80)}`,
    );
  }
  console.log(`sum of medians: ${total.toFixed(1)} ms`);
  await redis.quit();
  await sandbox.stop();
}

try {
  await main();
} finally {
  await stopAll();
}
