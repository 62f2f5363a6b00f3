/**
 * `npm exec -- node --import tsx bench/cold-trace/run.ts [--samples=5] [--jitter=0] [--size=bench] [--warmup=1] [--split]`:
 * where a cold dashboard's time goes. The sandbox and Concord (the production build, as `npm run
 * bench` runs them) are started with preload.mjs, which prints when each process served and made
 * each HTTP request; each sample flushes Redis, asks the dashboard once, and lays every upstream call
 * out against the dashboard's own start: when Concord started it, when the twin got it, how long the
 * twin took beyond its injected latency, and when Concord had the whole answer. With `--jitter=0`
 * a twin answers a read exactly 20 ms after it arrived, its own work inside that, unless the work
 * (printed apart) took longer (sandbox/http/serve.ts).
 * `--profile=DIR` writes both processes' CPU profiles (twin.cpuprofile, concord.cpuprofile) to DIR.
 * `--latency=MS` (default 20; 0 shows the work alone) and `--concord-env='{"STRIPE_QUOTA":"off"}'` (extra
 * variables for Concord) are for experiments.
 */
import { readFileSync } from 'node:fs';
import { createClient } from '@redis/client';
import { signTestToken, TEST_JWT } from '../../test/support/tokens.js';
import { flushCache, post, type Target } from '../measure.js';
import { benchConcordEnv, startChild, startRedis, stopAll, twinEnv, type Child } from '../processes.js';
import { DASHBOARD } from '../scenarios.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const samples = Number(arg('samples', '5'));
const jitter = arg('jitter', '0');
const size = arg('size', 'bench');
const warmups = Number(arg('warmup', '1'));
const split = process.argv.includes('--split');
const LATENCY_MS = Number(arg('latency', '20'));
/**
 * The pause before each dashboard, as npm run bench's COLD_PAUSE_MS: longer than Stripe's one-second
 * search window (13 searches a dashboard against 20/s), so no sample waits on the quota of the last.
 */
const PAUSE_MS = 1_100;
const DAY = 86_400_000;
const preload = ['--import', './bench/cold-trace/preload.mjs'];
/** `--profile=DIR`: both processes write a CPU profile there when they stop (`--cpu-prof`). */
const profileDir = arg('profile', '');
const profiling = (name: string) =>
  profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];

interface Line {
  kind: 'served' | 'called';
  times: number[];
  what: string;
}

/** The trace lines a child printed after `since` (its output only grows). */
function linesOf(child: Child, since: number): Line[] {
  const lines: Line[] = [];
  for (const match of child.output().matchAll(/^\[trace \w+\] (served|called) ([-\d. ]+?) ([A-Z]+ \S+)$/gm)) {
    const times = (match[2] ?? '').split(' ').map(Number);
    if ((times[0] ?? 0) >= since) lines.push({ kind: match[1] as Line['kind'], times, what: match[3] ?? '' });
  }
  return lines;
}

/** CPU time (user + system, ms) the process has used so far, from /proc (10 ms resolution). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** Minor page faults of the process so far: on this VM each costs ~10 µs (fresh memory comes from the host). */
function minorFaults(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[7]);
  } catch {
    return NaN;
  }
}

const pathOf = (url: string) => url.replace(/^[A-Z]+ (https?:\/\/[^/]+)?/, '');

async function main(): Promise<void> {
  const anchor = Math.floor(Date.now() / DAY) * DAY;
  const variables = {
    since: new Date(anchor - 30 * DAY).toISOString(),
    until: new Date(anchor).toISOString(),
  };
  const knobs = Object.fromEntries(
    ['HUBSPOT', 'STRIPE', 'POSTHOG', 'SALESFORCE'].flatMap((p) => [
      [`SANDBOX_${p}_LATENCY_MS`, String(LATENCY_MS)],
      [`SANDBOX_${p}_JITTER_MS`, jitter],
      [`SANDBOX_${p}_PORT`, '0'],
    ]),
  );
  const startTwins = (name: string, profileName: string) =>
    startChild(
      name,
      process.execPath,
      [...preload, ...profiling(profileName), '--import', 'tsx', 'sandbox/main.ts'],
      {
        ...knobs,
        SANDBOX_SIZE: size,
        SANDBOX_SEED: '42',
        SANDBOX_ANCHOR: new Date(anchor).toISOString(),
        SANDBOX_DOCUMENTED_LIMITS: 'true',
        COLD_TRACE_TAG: 'twin',
      },
      /^\s+HubSpot\s+(\S+)[\s\S]*?^\s+Stripe\s+(\S+)[\s\S]*?^\s+PostHog\s+(\S+)\s/m,
    );
  // `--split`: each provider's twin in its own process (a sandbox each, the same seed and data), as
  // three real providers are three servers; otherwise one sandbox process serves all three.
  const sandboxes = split
    ? await Promise.all(['hubspot', 'stripe', 'posthog'].map((p) => startTwins(`sandbox-${p}`, `twin-${p}`)))
    : [await startTwins('sandbox', 'twin')];
  const urlsOf = (i: number) => sandboxes[Math.min(i, sandboxes.length - 1)]?.match ?? [];
  const hubspot = urlsOf(0)[1] ?? '';
  const stripe = urlsOf(1)[2] ?? '';
  const posthog = urlsOf(2)[3] ?? '';
  const twins = sandboxes.map((s) => s.child);
  const redisUrl = await startRedis();
  const redis = createClient({ url: redisUrl });
  redis.on('error', () => undefined);
  await redis.connect();
  const { child: concordChild, match: cm } = await startChild(
    'concord',
    process.execPath,
    [...preload, ...profiling('concord'), 'dist/src/main.js'],
    {
      ...benchConcordEnv(twinEnv({ hubspot, stripe, posthog }), redisUrl, TEST_JWT),
      ...(JSON.parse(arg('concord-env', '{}')) as Record<string, string>),
      COLD_TRACE_TAG: 'concord',
    },
    /Concord ready at (\S+)/,
  );
  const token = await signTestToken({ expiresInS: 3600 });
  const concord: Target = {
    name: 'concord',
    url: cm[1] ?? '',
    headers: { authorization: `Bearer ${token}` },
  };
  // Cold answers first, unmeasured: the process's own first-request costs (JIT, pools) are not the
  // question (`--warmup=N`, as npm run bench's COLD_WARMUP).
  for (let w = 0; w < warmups; w++) {
    if (w > 0) await new Promise((r) => setTimeout(r, PAUSE_MS));
    await flushCache(redis);
    await post(concord, DASHBOARD, variables).catch((error: unknown) =>
      console.log(`warm-up answer: ${String(error).slice(0, 200)}`),
    );
  }

  const totals: number[] = [];
  const cpu = { concord: [] as number[], twins: [] as number[], faults: [] as number[] };
  for (let s = 0; s < samples; s++) {
    await new Promise((r) => setTimeout(r, PAUSE_MS));
    await flushCache(redis);
    const since = performance.timeOrigin + performance.now();
    const cpuBefore = { concord: cpuMs(concordChild.pid), twins: twins.map((t) => cpuMs(t.pid)) };
    const faultsBefore = minorFaults(concordChild.pid);
    await post(concord, DASHBOARD, variables);
    await new Promise((r) => setTimeout(r, 300));
    // Everything each process did for this dashboard, its cache writes after the answer included.
    cpu.concord.push(cpuMs(concordChild.pid) - cpuBefore.concord);
    cpu.twins.push(twins.reduce((n, t, i) => n + cpuMs(t.pid) - (cpuBefore.twins[i] ?? 0), 0));
    cpu.faults.push(minorFaults(concordChild.pid) - faultsBefore);
    const served = linesOf(concordChild, since).find(
      (l) => l.kind === 'served' && l.what.startsWith('POST /graphql'),
    );
    if (!served) throw new Error(`no trace of the dashboard request:\n${concordChild.output().slice(-2000)}`);
    const [t0 = 0, tEnd = 0] = served.times;
    const calls = linesOf(concordChild, since)
      .filter((l) => l.kind === 'called' && (l.times[0] ?? 0) <= tEnd)
      .sort((a, b) => (a.times[0] ?? 0) - (b.times[0] ?? 0));
    const twinLines = twins.flatMap((t) => linesOf(t, since)).filter((l) => l.kind === 'served');
    const lastEnd = Math.max(...calls.map((c) => c.times[2] ?? 0));
    console.log(
      `\nsample ${s + 1}: dashboard ${(tEnd - t0).toFixed(1)} ms (served by Concord, from its request's start; ` +
        `${(tEnd - lastEnd).toFixed(1)} ms after its last upstream answer)`,
    );
    console.log(
      '   start headers    end   gap  twin: arrive..answer, beyond latency (own work)  call\n' +
        '  (gap: since the last answer Concord had before this call started)',
    );
    for (const call of calls) {
      const [start = 0, headers = 0, end = 0] = call.times;
      const path = pathOf(call.what);
      const method = call.what.split(' ')[0] ?? '';
      const twin = twinLines.find(
        (l) =>
          l.what === `${method} ${path}` && (l.times[0] ?? 0) >= start - 1 && (l.times[0] ?? 0) <= headers,
      );
      const [a = NaN, b = NaN, work = NaN] = twin?.times ?? [];
      const beyond = b - a - LATENCY_MS;
      const lastAnswer = Math.max(t0, ...calls.map((c) => c.times[2] ?? 0).filter((e) => e <= start));
      console.log(
        `  ${[start, headers, end].map((t) => (t - t0).toFixed(1).padStart(6)).join(' ')} ${(start - lastAnswer).toFixed(1).padStart(5)}  ` +
          `${twin ? `${(a - t0).toFixed(1)}..${(b - t0).toFixed(1)}, ${beyond.toFixed(1)} ms (${work.toFixed(1)})` : '(not matched)'}  ${method} ${path.slice(0, 70)}`,
      );
    }
    totals.push(tEnd - t0);
  }
  const sorted = [...totals].sort((a, b) => a - b);
  console.log(
    `\ncold dashboard, ${samples} samples after ${warmups} unmeasured (jitter ${jitter} ms, twins ${split ? 'one process each' : 'in one process'}): p50 ${sorted[Math.floor((sorted.length - 1) / 2)]?.toFixed(1)} ms; all ${totals.map((t) => t.toFixed(0)).join(' ')}`,
  );
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  console.log(
    `CPU per dashboard (mean of ${samples}, /proc, 10 ms ticks): Concord ${(sum(cpu.concord) / samples).toFixed(1)} ms, twins ${(sum(cpu.twins) / samples).toFixed(1)} ms; Concord's minor page faults ${(sum(cpu.faults) / samples).toFixed(0)}`,
  );
  await redis.quit();
}

try {
  await main();
} finally {
  await stopAll();
}
