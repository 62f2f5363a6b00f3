/**
 * `node --import tsx bench/memory.ts [--size demo|bench] [--seconds N] [--node-args "..."]`: the
 * production build (dist/, `npm run build` first) in live mode against the bench sandbox and Redis,
 * as `npm run bench` runs it, for one question at a time: idle RSS after start, the dashboard's cold
 * p50 and upstream calls, then the warm dashboard under 10 connections with RSS sampled every 100 ms.
 * Concord gets the production image's V8 flags (the Dockerfile's CMD); `--node-args "..."` passes
 * others in their place (e.g. `--node-args ""` for Node's defaults) to compare settings.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateDataset } from '../sandbox/data/generate.js';
import { NAMED_SIZES } from '../sandbox/data/sizes.js';
import { signTestToken, TEST_JWT } from '../test/support/tokens.js';
import { post, runOnce, sample, stats, throughput, type Target } from './measure.js';
import {
  benchConcordEnv,
  peakRssMiB,
  productionCommand,
  RssSampler,
  startChild,
  startRedis,
  stopAll,
  twinEnv,
} from './processes.js';
import { scenarios } from './scenarios.js';
import { RateLimitCounters } from './twin-limits.js';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'bench' },
    seconds: { type: 'string', default: '8' },
    // Unset: the production image's V8 flags (its Dockerfile CMD); set (even to ""), these instead.
    'node-args': { type: 'string' },
    samples: { type: 'string', default: '10' },
  },
});
// bench/run.ts's settings (importing run.ts would start a full run).
const DEFAULT_LATENCY_MS = 20;
const DEFAULT_JITTER_MS = 5;
const DEFAULT_CONNECTIONS = 10;
const DEFAULT_SEED = 42;
const size = args.size === 'demo' ? 'demo' : 'bench';

async function main(): Promise<void> {
  const anchor = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const knobs = Object.fromEntries(
    ['HUBSPOT', 'STRIPE', 'POSTHOG'].flatMap((p) => [
      [`SANDBOX_${p}_LATENCY_MS`, String(DEFAULT_LATENCY_MS)],
      [`SANDBOX_${p}_JITTER_MS`, String(DEFAULT_JITTER_MS)],
      [`SANDBOX_${p}_PORT`, '0'],
    ]),
  );
  // The Salesforce twin starts too (on 4013 by default): a free port, so a sandbox already running is no clash.
  knobs.SANDBOX_SALESFORCE_PORT = '0';
  const { child: sandboxChild, match: sb } = await startChild(
    'sandbox',
    process.execPath,
    ['--import', 'tsx', 'sandbox/main.ts'],
    {
      SANDBOX_SIZE: size,
      SANDBOX_SEED: String(DEFAULT_SEED),
      SANDBOX_ANCHOR: new Date(anchor).toISOString(),
      // Each provider's documented rate limits, as npm start's sandbox and npm run bench run them.
      SANDBOX_DOCUMENTED_LIMITS: 'true',
      ...knobs,
    },
    /^\s+HubSpot\s+(\S+)[\s\S]*?^\s+Stripe\s+(\S+)[\s\S]*?^\s+PostHog\s+(\S+)\s/m,
  );
  const [, hubspot = '', stripe = '', posthog = ''] = sb;
  const redisUrl = await startRedis();
  const { createClient } = await import('@redis/client');
  const redis = createClient({ url: redisUrl });
  redis.on('error', () => undefined);
  await redis.connect();
  const production = productionCommand();
  const nodeArgs = args['node-args']?.split(/\s+/).filter(Boolean) ?? production.nodeFlags;
  const { child, match: cm } = await startChild(
    'concord',
    process.execPath,
    [...nodeArgs, production.script],
    // Concord's provider quotas stay on (the twins enforce the limits they pace for).
    benchConcordEnv(twinEnv({ hubspot, stripe, posthog }), redisUrl, TEST_JWT),
    /Concord ready at (\S+)/,
  );
  await new Promise((r) => setTimeout(r, 1_000));
  const idle = RssSampler.currentMiB(child.pid) ?? NaN;
  const sampler = new RssSampler(child.pid, 100);
  const dataset = generateDataset({ seed: DEFAULT_SEED, sizes: NAMED_SIZES[size], anchor });
  const token = await signTestToken({ expiresInS: 3600 });
  const concord: Target = {
    name: 'concord',
    url: cm[1] ?? '',
    headers: { authorization: `Bearer ${token}` },
  };
  const dashboard = scenarios({ dataset, contactIndex: 0, customerId: '' })[0];
  if (!dashboard) throw new Error('no dashboard scenario');
  const counters = new RateLimitCounters(hubspot);
  const flush = async () => {
    await redis.flushAll();
    await redis.publish('concord:cache:invalidations', JSON.stringify({ all: true }));
    await new Promise((r) => setTimeout(r, 20));
  };
  let calls = null;
  // CPU each side spends on one cold dashboard: what of the cold p50 is work rather than waiting.
  const coldCpu = { concord: 0, sandbox: 0 };
  const cold = await sample(Number(args.samples), 30_000, 3, async () => {
    await flush();
    await counters.reset();
    const before = { concord: cpuMs(child.pid), sandbox: cpuMs(sandboxChild.pid) };
    const r = await runOnce(concord, dashboard.query, dashboard.variables, false);
    coldCpu.concord += cpuMs(child.pid) - before.concord;
    coldCpu.sandbox += cpuMs(sandboxChild.pid) - before.sandbox;
    calls ??= await counters.total();
    return r.ms;
  });
  const afterCold = RssSampler.currentMiB(child.pid) ?? NaN;
  await post(concord, dashboard.query, dashboard.variables);
  const warm = await sample(Number(args.samples), 30_000, 3, async () => {
    const r = await runOnce(concord, dashboard.query, dashboard.variables, false);
    return r.ms;
  });
  await counters.reset();
  const cpuBefore = cpuMs(child.pid);
  const t = await throughput(
    concord,
    dashboard.query,
    dashboard.variables,
    DEFAULT_CONNECTIONS,
    Number(args.seconds),
  );
  const cpuPerRequest = (cpuMs(child.pid) - cpuBefore) / (t.rps * Number(args.seconds));
  const loadCalls = await counters.total();
  const rateLimited = await counters.rateLimitedSoFar();
  sampler.stop();
  const after = RssSampler.currentMiB(child.pid) ?? NaN;
  const peak = Math.max(sampler.peakMiB, peakRssMiB(child.pid) ?? 0);
  const f = (n: number) => n.toFixed(1);
  console.log(
    [
      `node args: ${nodeArgs.join(' ') || '(none)'}; ${size} data`,
      `RSS MiB: idle ${f(idle)}, after cold samples ${f(afterCold)}, after load ${f(after)}, peak ${f(peak)}`,
      `cold dashboard p50 ${f(stats(cold).p50)} ms (n=${cold.length}), calls ${JSON.stringify(calls)}, critical path ${dashboard.levels} × ${DEFAULT_LATENCY_MS}; CPU per cold request: Concord ${f(coldCpu.concord / cold.length)} ms, sandbox ${f(coldCpu.sandbox / cold.length)} ms`,
      `warm dashboard p50 ${f(stats(warm).p50)} ms; ${f(t.rps)} req/s at ${DEFAULT_CONNECTIONS} connections for ${args.seconds} s (Concord's CPU ${f(cpuPerRequest)} ms per request), ${t.errors} errors, upstream calls in the load ${JSON.stringify(loadCalls)}`,
      `429s from the twins (documented limits on) over the run: ${JSON.stringify(rateLimited)}`,
    ].join('\n'),
  );
  await redis.quit();
}

/**
 * CPU time (user + system) the process has used, in ms: per request, it shows the work a change
 * saves even when other processes on the machine make req/s noisy.
 */
function cpuMs(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name, in clock ticks.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}
/** Linux's USER_HZ, 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_S = 100;

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await stopAll();
}
