/**
 * `npm exec -- node --import tsx bench/warm-wait.ts [--requests=200] [--warmup=20] [--cold=0] [--gap=0] [--size=demo|bench] [--source | --build=DIR] [--prof=DIR]`:
 * where a sequential warm dashboard's wall time goes. Starts the sandbox, Redis, Concord (the
 * production build, or `--source`) and the floor, fills the cache, then for N sequential requests
 * to each (interleaved, the same client):
 *   - client-side latency p50/p95/p99, Concord and floor;
 *   - inside each server (bench/warm-wait/probe.mjs): wall time from request start to response
 *     finish, the part of it the event loop was busy, the rest (waiting), and GC pauses;
 *   - Redis commands per Concord request (INFO commandstats, reset before the run).
 * Timing on a shared machine is noisy; the command counts are not.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_JWT } from '../test/support/tokens.js';
import { concordAndFloor, Counters, post, stats } from './measure.js';
import { benchConcordEnv, cpuMs, startChild, startRedis, startTwins, stopAll, twinEnv } from './processes.js';
import { DASHBOARD } from './scenarios.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const requests = Number(arg('requests', '200'));
const size = arg('size', 'bench');
const build = arg('build', 'dist');
const fromSource = process.argv.includes('--source');
/** Runs Concord under `--cpu-prof`, the profile written into this folder when it stops. */
const prof = arg('prof', '');
const DAY = 86_400_000;
const tsx = ['--import', 'tsx'];
const probe = ['--import', './bench/warm-wait/probe.mjs'];
/** Unmeasured requests to each server before the samples (the bench's floor gets 20). */
const warmup = Number(arg('warmup', '20'));
/**
 * Cold dashboards Concord serves first (Redis flushed, every local tier told, a quota window's pause
 * before each), as the bench's warm samples follow 8 cold ones: with `--warmup=0` the first window
 * then shows what the bench's 20 warm samples see.
 */
const cold = Number(arg('cold', '0'));
const COLD_PAUSE_MS = 1_100;
/**
 * A pause before each sample (ms), to both targets: the bench resets the sandbox's counters before
 * each of Concord's samples (≥ 150 ms of polling), so its process idles between samples while the
 * floor's samples run back to back.
 */
const gap = Number(arg('gap', '0'));
const WINDOW = 20;

interface ProbeLine {
  wallMs: number;
  busyMs: number;
  idleMs: number;
  threadCpuMs: number;
  processCpuMs: number;
  gcMs: number;
}

function redisCli(url: string, ...args: string[]): string {
  return execFileSync('redis-cli', ['-u', url, ...args], { encoding: 'utf8' });
}

/** Calls per command since the last CONFIG RESETSTAT, without the INFO that reads them. */
function commandStats(url: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of redisCli(url, 'INFO', 'commandstats').matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
    const [, name = '', calls = '0'] = m;
    if (name !== 'info' && name !== 'config|resetstat') counts[name] = Number(calls);
  }
  return counts;
}

const fmt = (s: { p50: number; p95: number; p99: number }) =>
  `${s.p50.toFixed(1)} / ${s.p95.toFixed(1)} / ${s.p99.toFixed(1)}`;

function summarize(name: string, file: string, skip: number, wholeCpuMs: number): void {
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(skip)
    .map((l) => JSON.parse(l) as ProbeLine);
  const col = (k: keyof ProbeLine) => fmt(stats(lines.map((l) => l[k])));
  console.log(
    `${name} in-process (p50 / p95 / p99 ms, n=${lines.length}): wall ${col('wallMs')}; loop busy ${col('busyMs')}; ` +
      `waiting ${col('idleMs')}; main-thread CPU ${col('threadCpuMs')}; process CPU ${col('processCpuMs')}; ` +
      `gc ${col('gcMs')} (${lines.filter((l) => l.gcMs > 0).length} requests with a pause, ${(lines.reduce((a, l) => a + l.gcMs, 0) / lines.length).toFixed(2)} ms a request on average)`,
  );
  // How the main thread's CPU per request falls as the process serves more (the JIT warming up).
  const windows: string[] = [];
  for (let i = 0; i < lines.length; i += WINDOW) {
    const part = lines.slice(i, i + WINDOW).map((l) => l.threadCpuMs);
    windows.push(stats(part).p50.toFixed(1));
  }
  const mean = lines.reduce((sum, l) => sum + l.processCpuMs, 0) / lines.length;
  console.log(
    `${name} process CPU a request: ${wholeCpuMs.toFixed(2)} ms in all (/proc), ${mean.toFixed(2)} ms inside the request windows (mean)`,
  );
  console.log(`${name} main-thread CPU p50 per ${WINDOW} requests, in order: ${windows.join(' ')}`);
}

async function main(): Promise<void> {
  const anchor = Math.floor(Date.now() / DAY) * DAY;
  const variables = {
    since: new Date(anchor - 30 * DAY).toISOString(),
    until: new Date(anchor).toISOString(),
  };
  const twins = await startTwins(size, anchor);
  const redisUrl = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'warm-wait-'));
  const files = { concord: join(dir, 'concord.jsonl'), floor: join(dir, 'floor.jsonl') };
  const entry = fromSource ? [...tsx, 'src/main.ts'] : [`${build}/src/main.js`];
  const { child: concordChild, match: cm } = await startChild(
    'concord',
    process.execPath,
    [...probe, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ...entry],
    { ...benchConcordEnv(twinEnv(twins), redisUrl, TEST_JWT), PROBE_FILE: files.concord },
    /Concord ready at (\S+)/,
  );
  const { child: floorChild, match: fm } = await startChild(
    'floor',
    process.execPath,
    [...probe, ...tsx, 'bench/floor/server.ts'],
    { PROBE_FILE: files.floor },
    /Floor ready at (\S+)/,
  );
  const { concord, floor } = await concordAndFloor(cm[1] ?? '', fm[1] ?? '');

  for (let i = 0; i < cold; i++) {
    redisCli(redisUrl, 'FLUSHALL');
    redisCli(redisUrl, 'PUBLISH', 'concord:cache:invalidations', JSON.stringify({ all: true }));
    await new Promise((r) => setTimeout(r, COLD_PAUSE_MS));
    await post(concord, DASHBOARD, variables);
  }
  const answer = await post(concord, DASHBOARD, variables);
  await new Promise((r) => setTimeout(r, 500));
  await fetch(floor.url.replace(/\/graphql$/, '/answer'), { method: 'PUT', body: JSON.stringify(answer) });
  for (let i = 0; i < warmup; i++) {
    await post(concord, DASHBOARD, variables);
    await post(floor, DASHBOARD, variables);
  }
  const counters = new Counters(twins.hubspot);
  await counters.reset();
  redisCli(redisUrl, 'CONFIG', 'RESETSTAT');

  const ms = { concord: [] as number[], floor: [] as number[] };
  const cpuBefore = { concord: cpuMs(concordChild.pid), floor: cpuMs(floorChild.pid) };
  for (let i = 0; i < requests; i++) {
    for (const target of [concord, floor]) {
      if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      const started = performance.now();
      await post(target, DASHBOARD, variables);
      ms[target.name as 'concord' | 'floor'].push(performance.now() - started);
    }
  }
  const commands = commandStats(redisUrl);
  // All of each process's CPU over the run, request windows or not: work after a response is sent
  // (logging, metrics, writes behind, GC) delays the next request without showing in its window.
  const cpuPerRequest = {
    concord: (cpuMs(concordChild.pid) - cpuBefore.concord) / requests,
    floor: (cpuMs(floorChild.pid) - cpuBefore.floor) / requests,
  };
  const t = await counters.total();
  const c = stats(ms.concord);
  const f = stats(ms.floor);
  console.log(
    `warm dashboard, ${size} data, ${requests} sequential requests each, interleaved, ${gap} ms idle before each`,
  );
  console.log(
    `client p50 / p95 / p99 ms: concord ${fmt(c)}; floor ${fmt(f)}; p50 ratio ${(c.p50 / f.p50).toFixed(2)}×`,
  );
  // The PUT /answer and the unmeasured warm-up requests come first in each file.
  summarize('concord', files.concord, cold + 1 + warmup, cpuPerRequest.concord);
  summarize('floor', files.floor, 1 + warmup, cpuPerRequest.floor);
  const perRequest = Object.entries(commands)
    .map(([name, calls]) => `${name} ${(calls / requests).toFixed(2)}`)
    .join(', ');
  console.log(`Redis commands per Concord request: ${perRequest || 'none'}`);
  console.log(`upstream calls during the run: ${t.hubspot + t.stripe + t.posthog}`);
}

try {
  await main();
} finally {
  await stopAll();
}
