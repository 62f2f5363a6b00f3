/**
 * `npm exec -- node --import tsx bench/cpu-warm.ts [--rounds=3] [--requests=300] [--size=demo|bench]
 * [--source | --build=DIR] [--prof=DIR]`: the CPU one warm dashboard costs Concord (the production build, Redis
 * cache, live mode against the sandbox) and the floor (plain graphql-js over the same answer), in
 * CPU ms per request read from /proc/<pid>/stat of each server process over N requests, sequential
 * and at 10 connections, alternating the two targets each round.
 *
 * Why CPU and not req/s: on a machine shared with other work, wall-clock throughput measures the
 * neighbours; the CPU a server process spends per answer does not depend on them much, and its
 * ratio to the floor's is what bounds throughput on a quiet box. `--prof=DIR` runs Concord under
 * `--cpu-prof` (the profile is written when it stops), and the floor into DIR/floor.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { signTestToken, TEST_JWT } from '../test/support/tokens.js';
import { Counters, post, type Target } from './measure.js';
import { benchConcordEnv, startChild, startRedis, stopAll, twinEnv, type Child } from './processes.js';
import { DASHBOARD } from './scenarios.js';

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const rounds = Number(arg('rounds', '3'));
const requests = Number(arg('requests', '300'));
const size = arg('size', 'bench');
const prof = arg('prof', '');
const fromSource = process.argv.includes('--source');
/** Another build's output folder (a copy of dist/ made before a change), for before/after runs. */
const build = arg('build', 'dist');
const CONNECTIONS = 10;
const DAY = 86_400_000;
const tsx = ['--import', 'tsx'];

/** User + system CPU of a process so far, in ms (clock ticks are 1/100 s on Linux). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function cpuPerRequest(
  child: Child,
  target: Target,
  variables: Record<string, unknown>,
  connections: number,
): Promise<number> {
  const before = cpuMs(child.pid);
  const each = Math.ceil(requests / connections);
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = 0; i < each; i++) await post(target, DASHBOARD, variables);
    }),
  );
  return (cpuMs(child.pid) - before) / (each * connections);
}

async function main(): Promise<void> {
  const anchor = Math.floor(Date.now() / DAY) * DAY;
  const variables = {
    since: new Date(anchor - 30 * DAY).toISOString(),
    until: new Date(anchor).toISOString(),
  };
  const twinUrls = /^\s+HubSpot\s+(\S+)[\s\S]*?^\s+Stripe\s+(\S+)[\s\S]*?^\s+PostHog\s+(\S+)\s/m;
  const { match: sb } = await startChild(
    'sandbox',
    process.execPath,
    [...tsx, 'sandbox/main.ts'],
    {
      SANDBOX_SIZE: size,
      SANDBOX_SEED: '42',
      SANDBOX_ANCHOR: new Date(anchor).toISOString(),
      SANDBOX_HUBSPOT_PORT: '0',
      SANDBOX_STRIPE_PORT: '0',
      SANDBOX_POSTHOG_PORT: '0',
    },
    twinUrls,
  );
  const [, hubspot = '', stripe = '', posthog = ''] = sb;
  const redisUrl = await startRedis();
  const entry = fromSource ? [...tsx, 'src/main.ts'] : [`${build}/src/main.js`];
  const providerEnv = twinEnv({ hubspot, stripe, posthog });
  const { child: concordChild, match: cm } = await startChild(
    'concord',
    process.execPath,
    prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, ...entry] : entry,
    benchConcordEnv(providerEnv, redisUrl, TEST_JWT),
    /Concord ready at (\S+)/,
  );
  const { child: floorChild, match: fm } = await startChild(
    'floor',
    process.execPath,
    prof
      ? ['--cpu-prof', `--cpu-prof-dir=${prof}/floor`, ...tsx, 'bench/floor/server.ts']
      : [...tsx, 'bench/floor/server.ts'],
    {},
    /Floor ready at (\S+)/,
  );
  const token = await signTestToken({ expiresInS: 3600 });
  const concord: Target = {
    name: 'concord',
    url: cm[1] ?? '',
    headers: { authorization: `Bearer ${token}` },
  };
  const floor: Target = { name: 'floor', url: fm[1] ?? '', headers: {} };

  // Warm: the first answer fills the cache (its writes land behind it), a few more settle it.
  const answer = await post(concord, DASHBOARD, variables);
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < 20; i++) await post(concord, DASHBOARD, variables);
  await fetch(floor.url.replace(/\/graphql$/, '/answer'), { method: 'PUT', body: JSON.stringify(answer) });
  const same = isDeepStrictEqual((await post(floor, DASHBOARD, variables)).data, answer.data);
  for (let i = 0; i < 20; i++) await post(floor, DASHBOARD, variables);
  const counters = new Counters(hubspot);
  await counters.reset();

  console.log(
    `warm dashboard, ${size} data, ${requests} requests per measure; floor serves the same answer: ${same}`,
  );
  console.log('round | concord seq | floor seq | concord x10 | floor x10   (CPU ms per request)');
  const rows: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const row = [
      await cpuPerRequest(concordChild, concord, variables, 1),
      await cpuPerRequest(floorChild, floor, variables, 1),
      await cpuPerRequest(concordChild, concord, variables, CONNECTIONS),
      await cpuPerRequest(floorChild, floor, variables, CONNECTIONS),
    ];
    rows.push(row);
    console.log(`${r + 1} | ${row.map((v) => v.toFixed(2)).join(' | ')}`);
  }
  const median = (i: number) => {
    const v = rows.map((row) => row[i] ?? NaN).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)] ?? NaN;
  };
  const [cs, fs, cc, fc] = [0, 1, 2, 3].map(median) as [number, number, number, number];
  const t = await counters.total();
  console.log(
    `median: concord ${cs.toFixed(2)} seq / ${cc.toFixed(2)} x10; floor ${fs.toFixed(2)} / ${fc.toFixed(2)}; ` +
      `concord ÷ floor ${(cs / fs).toFixed(2)}× seq, ${(cc / fc).toFixed(2)}× x10; ` +
      `upstream calls during the measures: ${t.hubspot + t.stripe + t.posthog}`,
  );
}

try {
  await main();
} finally {
  await stopAll();
}
