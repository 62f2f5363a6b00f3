/**
 * Writes bench/RESULTS.md (tables, machine, date, commands, goals) and bench/results.svg (a
 * hand-drawn bar chart of latency and throughput against the naive build) from one run's numbers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { CrmCalls, CrmDashboardResult } from './crm-dashboard.js';
import type { LatencyStats } from './measure.js';
import type { Calls, Scenario } from './scenarios.js';

/** Plain graphql-js serving Concord's own warm answer from memory (bench/floor/server.ts). */
export interface FloorResult {
  latency: LatencyStats;
  /** Median of `rounds`. */
  rps: number;
  /** req/s of each throughput round, taken in turns with Concord's. */
  rounds: number[];
  errors: number;
  /** The floor served exactly Concord's data (else its numbers mean nothing). */
  same: boolean;
}

export interface ScenarioResult {
  scenario: Scenario;
  pages: number;
  concord: {
    coldCalls: Calls | null;
    warmCalls: Calls | null;
    cold: LatencyStats;
    warm: LatencyStats;
    rps: number;
    /** req/s of each round taken in turns with the floor (rps is their median); null: one run. */
    rpsRounds: number[] | null;
    errors: number;
    /** Upstream calls during the whole warm throughput run. */
    warmLoadCalls: Calls | null;
  };
  /** Null where the floor cannot stand in (the walk pages through cursors). */
  floor: FloorResult | null;
  baseline: { calls: Calls | null; latency: LatencyStats; rps: number; errors: number };
  /** Calls each build's twins answered 429 over the whole scenario (Concord's enforce the documented limits). */
  rateLimited?: { concord: Calls; baseline: Calls };
}

export interface Report {
  quick: boolean;
  size: string;
  dataset: { contacts: number; charges: number; events: number };
  latencyMs: number;
  jitterMs: number;
  connections: number;
  durationS: number;
  /** Concord against the floor: rounds each, taken in turns, of this many seconds. */
  throughputRounds: { rounds: number; seconds: number };
  peakRssMiB: number | null;
  /** RSS a second after ready, before any query. */
  idleRssMiB: number | null;
  /** Concord ran through tsx (`--source`) rather than from the production build. */
  fromSource: boolean;
  /** Concord's three twins ran in one sandbox process rather than a process each (`--split-twins`). */
  oneSandbox: boolean;
  /** Unmeasured cold requests before each scenario's cold samples (metrics: none). */
  coldWarmup: number;
  results: ScenarioResult[];
  /** The dashboard under CRM_PROVIDER=salesforce (its own sandbox and Concord); null when not run. */
  salesforceDashboard: CrmDashboardResult | null;
  elapsedS: number;
}

const DIR = import.meta.dirname;
const sum = (c: Calls | null) => (c ? c.hubspot + c.stripe + c.posthog : NaN);
const calls = (c: Calls | null) => (c ? `${sum(c)} (${c.hubspot} / ${c.stripe} / ${c.posthog})` : '–');
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(1)}×` : '–');

function machine(): string {
  const model =
    /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?';
  return `${model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Node ${process.version} (${process.platform})`;
}

const goal = (met: boolean) => (met ? 'met' : '**not met**');

function goals(r: Report): string[] {
  const by = (k: Scenario['key']) => r.results.find((x) => x.scenario.key === k);
  const d = by('dashboard');
  const lines: string[] = [];
  if (d) {
    const atFloor = d.concord.coldCalls !== null && sum(d.concord.coldCalls) <= sum(d.scenario.floor);
    const tenfold = sum(d.baseline.calls) >= 10 * sum(d.concord.coldCalls);
    lines.push(
      `- Dashboard upstream calls equal to the floor: ${calls(d.concord.coldCalls)} against ${calls(d.scenario.floor)}: ${goal(atFloor)}.`,
      `- Dashboard ≥ 10× fewer calls than the naive build: ${ratio(sum(d.baseline.calls), sum(d.concord.coldCalls))} fewer: ${goal(tenfold)}.`,
    );
  }
  if (d?.floor) {
    const f = d.floor;
    const calls0 = d.concord.warmLoadCalls !== null && sum(d.concord.warmLoadCalls) === 0;
    lines.push(
      `- Warm dashboard throughput ≥ 150 req/s: ${d.concord.rps.toFixed(1)}: ${goal(d.concord.rps >= 150)}; within 1.5× of the floor's ${f.rps.toFixed(1)} req/s: ${ratio(f.rps, d.concord.rps)} below it: ${goal(d.concord.rps * 1.5 >= f.rps)}.`,
      `- Warm dashboard p50 within 1.3× of the floor's: ${ms(d.concord.warm.p50)} ms against ${ms(f.latency.p50)} ms (${ratio(d.concord.warm.p50, f.latency.p50)}): ${goal(d.concord.warm.p50 <= 1.3 * f.latency.p50)}.`,
      `- No upstream call during the whole warm dashboard load run: ${calls(d.concord.warmLoadCalls)}: ${goal(calls0)}.`,
    );
  }
  const sf = r.salesforceDashboard;
  if (sf) {
    const total = (c: CrmCalls) => c.crm + c.stripe + c.posthog;
    const atFloor = sf.coldCalls !== null && total(sf.coldCalls) <= total(sf.floor);
    lines.push(
      `- Dashboard under Salesforce: upstream calls equal to Salesforce's floor: ${crmCalls(sf.coldCalls)} against ${crmCalls(sf.floor)}: ${goal(atFloor)}.`,
    );
  }
  lines.push(
    `- Concord peak RSS through the run ≤ 250 MiB: ${r.peakRssMiB === null ? '–' : r.peakRssMiB.toFixed(0)} MiB: ${goal(r.peakRssMiB !== null && r.peakRssMiB <= 250)}; idle RSS in live mode ≤ 120 MiB: ${r.idleRssMiB === null ? '–' : r.idleRssMiB.toFixed(0)} MiB: ${goal(r.idleRssMiB !== null && r.idleRssMiB <= 120)}.`,
  );
  for (const x of r.results) {
    const path = x.scenario.levels * r.latencyMs;
    const over = x.concord.cold.p50 - path;
    lines.push(
      `- ${x.scenario.title}: cold p50 ${ms(x.concord.cold.p50)} ms against a ${path} ms critical path (${over >= 0 ? '+' : ''}${ms(over)} ms; goal within 15 ms: ${goal(over <= 15)}); ` +
        `warm p50 ${ms(x.concord.warm.p50)} ms (goal < 10 ms: ${goal(x.concord.warm.p50 < 10)}); ` +
        `warm throughput ${ratio(x.concord.rps, x.baseline.rps)} the naive build's (goal ≥ 5×: ${goal(x.concord.rps >= 5 * x.baseline.rps)}).`,
    );
  }
  return lines;
}

const crmCalls = (c: CrmCalls | null) =>
  c
    ? `${c.crm + c.stripe + c.posthog} (${c.crm} / ${c.stripe} / ${c.posthog})${c.token > 0 ? ` + ${c.token} token` : ''}`
    : '–';
const asCrmCalls = (c: Calls | null): CrmCalls | null =>
  c ? { crm: c.hubspot, stripe: c.stripe, posthog: c.posthog, token: 0 } : null;

/** HubSpot's dashboard row from its scenario result, beside the second CRM's (when it ran). */
function crmDashboards(r: Report): CrmDashboardResult[] {
  const d = r.results.find((x) => x.scenario.key === 'dashboard');
  const hubspot: CrmDashboardResult[] = d
    ? [
        {
          crm: 'hubspot',
          floor: asCrmCalls(d.scenario.floor) as CrmCalls,
          coldCalls: asCrmCalls(d.concord.coldCalls),
          warmCalls: asCrmCalls(d.concord.warmCalls),
          cold: d.concord.cold,
          warm: d.concord.warm,
        },
      ]
    : [];
  return [...hubspot, ...(r.salesforceDashboard ? [r.salesforceDashboard] : [])];
}

function crmSection(r: Report): string {
  const names = { hubspot: 'HubSpot', salesforce: 'Salesforce' } as const;
  const rows = crmDashboards(r).map((x) => {
    const atFloor =
      x.coldCalls !== null &&
      x.coldCalls.crm + x.coldCalls.stripe + x.coldCalls.posthog <=
        x.floor.crm + x.floor.stripe + x.floor.posthog;
    return `| ${names[x.crm]} | ${crmCalls(x.floor)} | ${crmCalls(x.coldCalls)} | ${atFloor ? 'yes' : '**no**'} | ${crmCalls(x.warmCalls)} | ${ms(x.cold.p50)} (n=${x.cold.samples}) | ${ms(x.warm.p50)} (n=${x.warm.samples}) |`;
  });
  return `## The dashboard under each CRM (total, then CRM / Stripe / PostHog)

The same dashboard query with \`CRM_PROVIDER=hubspot\` and with \`CRM_PROVIDER=salesforce\` (its own sandbox, whose Stripe and PostHog link to the Salesforce twin's ids, and its own Concord process, started after the scenarios above; the same Redis, flushed before each cold sample). Salesforce's floor is one SOQL query for the page of contacts with their accounts and opportunities. OAuth token calls are counted apart (the token is taken before the first sample).

| CRM | floor | Concord cold | at the floor | Concord warm | cold p50 ms | warm p50 ms |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}

function markdown(r: Report): string {
  const rows = r.results.map((x) => {
    const s = x.scenario;
    return [
      `| ${s.title} | ${calls(s.floor)} | ${calls(x.concord.coldCalls)} | ${calls(x.concord.warmCalls)} | ${calls(x.baseline.calls)} | ${ratio(sum(x.baseline.calls), sum(x.concord.coldCalls))} |`,
    ].join('');
  });
  const lat = r.results.map((x) => {
    const s = x.scenario;
    const l = (v: LatencyStats) => `${ms(v.p50)} / ${ms(v.p95)} / ${ms(v.p99)} (n=${v.samples})`;
    return `| ${s.title} | ${s.levels} × ${r.latencyMs} = ${s.levels * r.latencyMs} | ${l(x.concord.cold)} | ${l(x.concord.warm)} | ${l(x.baseline.latency)} | ${ratio(x.baseline.latency.p50, x.concord.warm.p50)} |`;
  });
  const tput = r.results.map(
    (x) =>
      `| ${x.scenario.title}${x.scenario.key === 'walk' ? ' (page 1)' : ''} | ${x.concord.rps.toFixed(1)} | ${x.baseline.rps.toFixed(1)} | ${ratio(x.concord.rps, x.baseline.rps)} | ${x.concord.errors} / ${x.baseline.errors} |`,
  );
  const floorRows = r.results.flatMap((x) => {
    const f = x.floor;
    if (!f) return [];
    return [
      `| ${x.scenario.title} | ${ms(f.latency.p50)} | ${ms(x.concord.warm.p50)} | ${ratio(x.concord.warm.p50, f.latency.p50)} | ${f.rps.toFixed(1)} (${f.rounds.map((v) => v.toFixed(0)).join(' / ')}) | ${x.concord.rps.toFixed(1)} (${(x.concord.rpsRounds ?? []).map((v) => v.toFixed(0)).join(' / ')}) | ${ratio(x.concord.rps, f.rps)} | ${calls(x.concord.warmLoadCalls)} | ${f.same ? 'yes' : '**no**'} |`,
    ];
  });
  const limited = r.results.map(
    (x) =>
      `| ${x.scenario.title} | ${x.rateLimited ? calls(x.rateLimited.concord) : '–'} | ${x.rateLimited ? calls(x.rateLimited.baseline) : '–'} |`,
  );
  const notes = r.results.map(
    (x) =>
      `- ${x.scenario.title}: ${x.scenario.levelsNote}.${x.scenario.key === 'walk' ? ` One sample is the whole walk, ${x.pages} pages.` : ''}`,
  );
  return `# Benchmark results

Rewritten by every \`npm run bench\`; do not edit by hand. ${r.quick ? '**This is a quick run** (`--quick`: demo-size data, short durations), not the full benchmark.' : 'Full run.'}

- Date: ${new Date().toISOString()} (the run took ${r.elapsedS.toFixed(0)} s)
- Machine: ${machine()}
- Data: sandbox ${r.size} size (${r.dataset.contacts} contacts, ${r.dataset.charges} charges, ${r.dataset.events} events), seed 42; every provider answers after ${r.latencyMs} ms ± ${r.jitterMs} ms of injected latency
- Processes, all on 127.0.0.1 and stopped by pid at the end: ${r.oneSandbox ? "the sandbox (`sandbox/main.ts`, each provider's documented rate limits on, as in `npm start`)" : "Concord's twins, each in a sandbox process of its own as three real providers are three servers (`sandbox/main.ts` three times, the same seed and data; each provider's documented rate limits on, as in `npm start`; `--split-twins`)"}, a second sandbox for the naive build with the documented limits off (it has no pacing of its own and would fail, not slow down, at them; its three twins share that one process), Redis (\`redis-server\`, no persistence), Concord (${r.fromSource ? '`src/main.ts` run through tsx (`--source`)' : "the production build after `npm run build`, started as the Dockerfile's `CMD` (`node` with its V8 flags, `dist/src/main.js`)"} with \`NODE_ENV=production\`, live mode pointed at the sandbox, JWT auth, \`REDIS_URL\` cache, \`RATE_LIMIT=off\` because the bench is one client), the naive build (\`bench/baseline/server.ts\`), the floor (\`bench/floor/server.ts\`: plain graphql-js over HTTP serving Concord's own warm answer from memory), and the bench process itself (fetch for latency, autocannon for throughput)
- Commands: \`npm run bench\` (full) or \`npm run bench -- --quick\` / \`BENCH_QUICK=1 npm run bench\`
- Concord RSS: ${r.idleRssMiB === null ? '–' : `${r.idleRssMiB.toFixed(0)} MiB`} idle after start, ${r.peakRssMiB === null ? '–' : `${r.peakRssMiB.toFixed(0)} MiB`} at the peak (sampled every 200 ms through the run)

Cold: Redis flushed before each sample (per-request DataLoaders start empty anyway), after a 1.1 s pause so no sample waits on the quota of the one before (the twins enforce the documented limits), after ${r.coldWarmup} unmeasured cold requests of the same query, made the same way, so a sample does not time the process compiling its code (the metrics walk has none: its hundreds of pages are their own). Warm: the same query repeated back to back with the cache filled, after 50 unmeasured requests, 100 samples (20 in a quick run), by Concord and the floor alike (Concord's warm upstream calls are those of all its warm samples together). The naive build has no cache, so it has only one column.

![latency and throughput against the naive build](results.svg)

## Upstream calls per query (total, then HubSpot / Stripe / PostHog)

| scenario | floor | Concord cold | Concord warm | naive | naive ÷ Concord cold |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

## Latency in ms, p50 / p95 / p99, against the critical path

The critical path is the injected latency times the upstream round trips that must happen one after the other.

| scenario | critical path (levels × ms) | Concord cold | Concord warm | naive | naive p50 ÷ Concord warm p50 |
| --- | --- | --- | --- | --- | --- |
${lat.join('\n')}

${notes.join('\n')}

${crmSection(r)}
## Throughput: requests per second, ${r.connections} connections (Concord warm)

Concord: the median of ${r.throughputRounds.rounds} rounds of ${r.throughputRounds.seconds} s taken in turns with the floor (below), where the scenario has one; the walk and the naive build: one ${r.durationS} s run.

| scenario | Concord | naive | Concord ÷ naive | errors (Concord / naive) |
| --- | --- | --- | --- | --- |
${tput.join('\n')}

## 429s answered by the twins (total, then HubSpot / Stripe / PostHog)

Concord's twins enforce each provider's documented rate limits and Concord's own provider quotas pace it; the naive build's twins have the limits off, so its column shows only what the knobs would add (none here). Counted over each scenario's cold, warm and throughput runs.

| scenario | Concord | naive (limits off) |
| --- | --- | --- |
${limited.join('\n')}

## The warm path against the floor

The floor is plain graphql-js over node:http executing the same query over Concord's own warm answer held in memory (checked equal): what an answer costs when nothing is fetched. Throughput: ${r.throughputRounds.rounds} rounds of ${r.throughputRounds.seconds} s each at ${r.connections} connections, Concord and the floor taking turns; the median of each side's rounds (in brackets) is compared, as one target's req/s swings by a third from one minute to the next on this VM. Upstream calls are counted over all of Concord's rounds, which start right after one request filled the cache afresh and end inside the shortest freshness (lists, 30 s): an entry expiring on schedule is not a lost hit.

| scenario | floor p50 ms | Concord warm p50 ms | Concord ÷ floor | floor req/s (rounds) | Concord req/s (rounds) | Concord ÷ floor | upstream calls in the warm load run | same answer |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${floorRows.join('\n')}

## Against the goals (reported, not asserted)

${goals(r).join('\n')}

## The production image

Its size and the image check's build times are in [IMAGE.md](IMAGE.md) (\`npm run image:check\`, not part of the bench).
`;
}

/** Two panels of grouped bars: p50 latency (log scale) and throughput, Concord against naive. */
function svg(r: Report): string {
  const W = 860;
  const panelH = 240;
  const left = 60;
  const groupW = (W - left - 20) / r.results.length;
  const colors = { cold: '#7aa6d8', warm: '#1f5fa8', naive: '#d9822b', path: '#333' };
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, extra = '') =>
    parts.push(
      `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${extra}>${s.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`,
    );
  const bar = (x: number, y: number, w: number, h: number, fill: string, label: string) => {
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${Math.max(0.5, h).toFixed(1)}" fill="${fill}"/>`,
    );
    text(x + w / 2, y - 3, label, 'text-anchor="middle" font-size="10"');
  };
  // Latency panel: log scale, since warm answers are ~100× faster than naive ones.
  const top1 = 40;
  const maxLat = Math.max(
    ...r.results.flatMap((x) => [
      x.concord.cold.p50,
      x.baseline.latency.p50,
      x.scenario.levels * r.latencyMs,
    ]),
  );
  const logMax = Math.log10(Math.max(10, maxLat) * 1.5);
  const yLat = (v: number) => top1 + panelH - (Math.log10(Math.max(0.1, v) * 10) / (logMax + 1)) * panelH;
  text(
    left,
    24,
    'p50 latency, ms (log scale): Concord cold, Concord warm, naive; line = critical path',
    'font-size="13" font-weight="bold"',
  );
  r.results.forEach((x, i) => {
    const gx = left + i * groupW + 10;
    const bw = (groupW - 40) / 3;
    const vals: Array<[number, string]> = [
      [x.concord.cold.p50, colors.cold],
      [x.concord.warm.p50, colors.warm],
      [x.baseline.latency.p50, colors.naive],
    ];
    vals.forEach(([v, fill], k) => bar(gx + k * bw, yLat(v), bw - 4, top1 + panelH - yLat(v), fill, ms(v)));
    const py = yLat(x.scenario.levels * r.latencyMs);
    parts.push(
      `<line x1="${gx - 4}" x2="${(gx + 3 * bw).toFixed(1)}" y1="${py.toFixed(1)}" y2="${py.toFixed(1)}" stroke="${colors.path}" stroke-dasharray="4 3"/>`,
    );
    text(gx + 1.5 * bw, top1 + panelH + 16, x.scenario.title, 'text-anchor="middle" font-size="11"');
  });
  // Throughput panel: linear.
  const top2 = top1 + panelH + 70;
  const maxRps = Math.max(1, ...r.results.flatMap((x) => [x.concord.rps, x.baseline.rps]));
  const yRps = (v: number) => top2 + panelH - (v / (maxRps * 1.1)) * panelH;
  text(
    left,
    top2 - 16,
    `throughput, requests/s at ${r.connections} connections: Concord warm, naive`,
    'font-size="13" font-weight="bold"',
  );
  r.results.forEach((x, i) => {
    const gx = left + i * groupW + 10;
    const bw = (groupW - 40) / 2;
    bar(
      gx,
      yRps(x.concord.rps),
      bw - 4,
      top2 + panelH - yRps(x.concord.rps),
      colors.warm,
      x.concord.rps.toFixed(0),
    );
    bar(
      gx + bw,
      yRps(x.baseline.rps),
      bw - 4,
      top2 + panelH - yRps(x.baseline.rps),
      colors.naive,
      x.baseline.rps.toFixed(1),
    );
    text(gx + bw, top2 + panelH + 16, x.scenario.title, 'text-anchor="middle" font-size="11"');
  });
  const H = top2 + panelH + 50;
  const legend = [
    ['Concord cold', colors.cold],
    ['Concord warm', colors.warm],
    ['naive', colors.naive],
  ] as const;
  legend.forEach(([label, fill], k) => {
    parts.push(`<rect x="${left + k * 140}" y="${H - 22}" width="12" height="12" fill="${fill}"/>`);
    text(left + k * 140 + 18, H - 12, label, 'font-size="12"');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
</svg>
`;
}

export async function writeReport(r: Report): Promise<void> {
  writeFileSync(join(DIR, 'RESULTS.md'), markdown(r));
  writeFileSync(join(DIR, 'results.svg'), svg(r));
}
