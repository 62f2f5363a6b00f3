/**
 * `npm exec -- node --import tsx bench/cpu-warm.ts [--rounds=3] [--requests=300] [--size=demo|bench]
 * [--source | --build=DIR] [--against=DIR] [--prof=DIR] [--bare]`: the CPU one warm dashboard costs Concord (the production build, Redis
 * cache, live mode against the sandbox) and the floor (plain graphql-js over the same answer), in
 * CPU ms per request read from /proc/<pid>/stat of each server process over N requests, sequential
 * and at 10 connections, alternating the two targets each round.
 *
 * Why CPU and not req/s: on a machine shared with other work, wall-clock throughput measures the
 * neighbours; the CPU a server process spends per answer does not depend on them much, and its
 * ratio to the floor's is what bounds throughput on a quiet box. `--prof=DIR` runs Concord under
 * `--cpu-prof` (the profile is written when it stops), and the floor into DIR/floor.
 */
import { isDeepStrictEqual } from 'node:util';
import { TEST_JWT } from '../test/support/tokens.js';
import { concordAndFloor, Counters, post, type Target } from './measure.js';
import {
  benchConcordEnv,
  cpuMs,
  productionCommand,
  startChild,
  startRedis,
  startTwins,
  stopAll,
  twinEnv,
  type Child,
} from './processes.js';
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
/** A second build measured in the same rounds (e.g. the one before a change): both see the same load. */
const against = arg('against', '');
const CONNECTIONS = 10;
const DAY = 86_400_000;
const tsx = ['--import', 'tsx'];

async function cpuPerRequest(
  child: Child,
  target: Target,
  variables: Record<string, unknown>,
  connections: number,
): Promise<{ cpu: number; p50: number }> {
  const before = cpuMs(child.pid);
  const each = Math.ceil(requests / connections);
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = 0; i < each; i++) {
        const start = performance.now();
        await post(target, DASHBOARD, variables);
        times.push(performance.now() - start);
      }
    }),
  );
  times.sort((a, b) => a - b);
  return { cpu: (cpuMs(child.pid) - before) / (each * connections), p50: times[times.length >> 1] ?? NaN };
}

async function main(): Promise<void> {
  const anchor = Math.floor(Date.now() / DAY) * DAY;
  const variables = {
    since: new Date(anchor - 30 * DAY).toISOString(),
    until: new Date(anchor).toISOString(),
  };
  const { hubspot, stripe, posthog } = await startTwins(size, anchor);
  const redisUrl = await startRedis();
  // The Dockerfile's V8 flags, as `npm run bench` starts Concord; `--bare` leaves them out.
  const flags = process.argv.includes('--bare') ? [] : productionCommand().nodeFlags;
  const entry = fromSource ? [...tsx, 'src/main.ts'] : [...flags, `${build}/src/main.js`];
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
  const other = against
    ? await startChild(
        'concord-against',
        process.execPath,
        [...flags, `${against}/src/main.js`],
        benchConcordEnv(providerEnv, redisUrl, TEST_JWT),
        /Concord ready at (\S+)/,
      )
    : null;
  const { concord, floor } = await concordAndFloor(cm[1] ?? '', fm[1] ?? '');

  const measured: Array<{ name: string; child: Child; target: Target }> = [
    { name: 'concord', child: concordChild, target: concord },
    { name: 'floor', child: floorChild, target: floor },
    ...(other
      ? [{ name: 'against', child: other.child, target: { ...concord, url: other.match[1] ?? '' } }]
      : []),
  ];

  // Warm: the first answer fills the cache (its writes land behind it), a few more settle it.
  const answer = await post(concord, DASHBOARD, variables);
  await new Promise((r) => setTimeout(r, 500));
  await fetch(floor.url.replace(/\/graphql$/, '/answer'), { method: 'PUT', body: JSON.stringify(answer) });
  const same = isDeepStrictEqual((await post(floor, DASHBOARD, variables)).data, answer.data);
  for (const { target } of measured) for (let i = 0; i < 20; i++) await post(target, DASHBOARD, variables);
  const counters = new Counters(hubspot);
  await counters.reset();

  console.log(
    `warm dashboard, ${size} data, ${requests} requests per measure; floor serves the same answer: ${same}`,
  );
  const columns = [1, CONNECTIONS].flatMap((connections) =>
    measured.map((m) => ({
      ...m,
      connections,
      label: `${m.name} ${connections === 1 ? 'seq' : `x${connections}`}`,
    })),
  );
  console.log(`round | ${columns.map((c) => c.label).join(' | ')}   (CPU ms per request)`);
  const rows: number[][] = [];
  const latencies: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const row: number[] = [];
    const p50s: number[] = [];
    for (const c of columns) {
      const { cpu, p50 } = await cpuPerRequest(c.child, c.target, variables, c.connections);
      row.push(cpu);
      p50s.push(p50);
    }
    rows.push(row);
    latencies.push(p50s);
    console.log(
      `${r + 1} | ${row.map((v) => v.toFixed(2)).join(' | ')}   (p50 ms: ${p50s.map((v) => v.toFixed(2)).join(' | ')})`,
    );
  }
  const median = (i: number) => {
    const v = rows.map((row) => row[i] ?? NaN).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)] ?? NaN;
  };
  const medians = columns.map((c, i) => `${c.label} ${median(i).toFixed(2)}`).join(', ');
  const ratio = (a: number, b: number) => `${(median(a) / median(b)).toFixed(2)}×`;
  const n = measured.length;
  const t = await counters.total();
  const p50Median = (i: number) => {
    const v = latencies.map((row) => row[i] ?? NaN).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)] ?? NaN;
  };
  console.log(
    `median sequential p50: concord ${p50Median(0).toFixed(2)} ms, floor ${p50Median(1).toFixed(2)} ms ` +
      `(${(p50Median(0) / p50Median(1)).toFixed(2)}×)`,
  );
  console.log(
    `median CPU ms per request: ${medians}; concord ÷ floor ${ratio(0, 1)} seq, ${ratio(n, n + 1)} x${CONNECTIONS}` +
      (other ? `; concord ÷ against ${ratio(0, 2)} seq, ${ratio(n, n + 2)} x${CONNECTIONS}` : '') +
      `; upstream calls during the measures: ${t.hubspot + t.stripe + t.posthog}`,
  );
}

try {
  await main();
} finally {
  await stopAll();
}
