/**
 * `npm run bench` (full: bench-size data) or `npm run bench -- --quick` / BENCH_QUICK=1 (demo size,
 * short runs): Concord against the naive build (bench/baseline), each in its own process, over the
 * sandbox in its own process with injected latency; then the dashboard under CRM_PROVIDER=salesforce
 * (bench/crm-dashboard.ts). Rewrites bench/RESULTS.md and bench/results.svg. `--only=<keys>`
 * (dashboard, customer, walk, metrics, dashboard-salesforce) measures those alone and writes nothing.
 */
import { generateDataset } from '../sandbox/data/generate.js';
import { NAMED_SIZES } from '../sandbox/data/sizes.js';
import { signTestToken, TEST_JWT } from '../test/support/tokens.js';
import {
  flushCache,
  runOnce,
  sample,
  stats,
  throughput,
  post,
  type LatencyStats,
  type Redis,
  type Target,
} from './measure.js';
import { execFileSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import {
  benchConcordEnv,
  peakRssMiB,
  productionCommand,
  RssSampler,
  startChild,
  startRedis,
  stopAllBut,
  stopAll,
  twinEnv,
} from './processes.js';
import { writeReport, type FloorResult, type ScenarioResult } from './report.js';
import { pickContact, scenarios, type Calls, type Scenario } from './scenarios.js';
import {
  SALESFORCE_DASHBOARD,
  measureCrmDashboard,
  salesforceDashboardFloor,
  startSalesforceConcord,
} from './crm-dashboard.js';
import { difference, RateLimitCounters } from './twin-limits.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../sandbox/context.js';

/** The pause before each cold sample: longer than the shortest quota window (Stripe's 1 s). */
const COLD_PAUSE_MS = 1_100;
/** A quota window's pause, then an empty cache (the last answer's writes have landed by then). */
async function pauseThenFlush(redis: Redis): Promise<void> {
  await new Promise((r) => setTimeout(r, COLD_PAUSE_MS));
  await flushCache(redis);
}
/**
 * Unmeasured cold requests (flushed and paused as the samples are) before a scenario's cold samples:
 * the first requests a process serves run code not yet compiled, which times V8, not the request
 * (the metrics walk has none: its hundreds of pages warm the process themselves). A cold dashboard
 * runs most of its code once per request, so V8 takes dozens of them to optimise it: after none,
 * 3 and 20 of them the next nine cold dashboards' p50 was ~200, ~167 and ~142 ms (bench/cold-trace
 * `--warmup=0 --samples=36`, docs/decisions/0017). A replica serving traffic has long been there.
 */
const COLD_WARMUP = 20;
/**
 * Unmeasured requests served before the warm samples, by Concord (its cache already filled) and the
 * floor alike: both are timed in their steady state, back to back.
 */
const WARMUP = 50;

/** Injected provider latency and jitter (ms), the same for all three providers. */
export const DEFAULT_LATENCY_MS = 20;
export const DEFAULT_JITTER_MS = 5;
/** Concurrent clients for the throughput runs. */
export const DEFAULT_CONNECTIONS = 10;
/**
 * Concord's warm throughput and the floor's are taken in turns, this many rounds each, and the
 * medians compared: on this VM one target's req/s swung 30–45% between runs minutes apart (the
 * floor's too), so two back-to-back runs compared the machine's moments more than the two servers.
 */
export const THROUGHPUT_ROUNDS = 3;
/** The sandbox's seed; the anchor is today's midnight UTC so the data is recent but fixed for the day. */
export const DEFAULT_SEED = 42;

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
/** `--source` runs Concord through tsx instead of the production build (skips `npm run build`). */
const fromSource = process.argv.includes('--source');
/**
 * `--split-twins`: each twin Concord calls in a sandbox process of its own, as three real providers
 * are three servers. Off by default: on this 2-core box the extra processes cost more than the
 * queueing they save (bench/cold-trace `--split`: cold p50 ~200–225 ms against ~171 ms in one process).
 */
const oneSandbox = !process.argv.includes('--split-twins');
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',').filter(Boolean)) : null;
const settings = quick
  ? { size: 'demo' as const, samples: 5, warmSamples: 20, budgetMs: 5_000, durationS: 3, roundS: 2 }
  : // A warm answer takes milliseconds: 100 of them give a p50 that one collector pause does not move.
    { size: 'bench' as const, samples: 20, warmSamples: 100, budgetMs: 12_000, durationS: 8, roundS: 4 };

const log = (line: string) =>
  console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${line}`);
const t0 = performance.now();
const tsx = ['--import', 'tsx'];

async function main(): Promise<void> {
  const anchor = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  if (!fromSource) {
    log('npm run build (Concord runs from dist/, as in production)');
    execFileSync('npm', ['run', 'build'], { stdio: 'pipe' });
  }
  log(
    `${quick ? 'quick' : 'full'} run: ${settings.size} data, ${settings.samples} samples, ${settings.durationS} s at ${DEFAULT_CONNECTIONS} connections`,
  );
  const dataset = generateDataset({ seed: DEFAULT_SEED, sizes: NAMED_SIZES[settings.size], anchor });

  const knobs = Object.fromEntries(
    ['HUBSPOT', 'STRIPE', 'POSTHOG', 'SALESFORCE'].flatMap((p) => [
      [`SANDBOX_${p}_LATENCY_MS`, String(DEFAULT_LATENCY_MS)],
      [`SANDBOX_${p}_JITTER_MS`, String(DEFAULT_JITTER_MS)],
      [`SANDBOX_${p}_PORT`, '0'],
    ]),
  );
  // The Salesforce twin starts too (on 4013 by default): a free port, so a sandbox already running is no clash.
  knobs.SANDBOX_SALESFORCE_PORT = '0';
  const sandboxEnv = {
    SANDBOX_SIZE: settings.size,
    SANDBOX_SEED: String(DEFAULT_SEED),
    SANDBOX_ANCHOR: new Date(anchor).toISOString(),
    ...knobs,
  };
  const twinUrls = /^\s+HubSpot\s+(\S+)[\s\S]*?^\s+Stripe\s+(\S+)[\s\S]*?^\s+PostHog\s+(\S+)\s/m;
  // Concord's twins enforce each provider's documented rate limits, as npm start's sandbox does.
  // With --split-twins each twin Concord calls runs in a sandbox process of its own (the same seed
  // and data in each), so one provider's work never queues another's answers on one thread.
  const sandboxes = await Promise.all(
    (oneSandbox ? ['sandbox'] : ['sandbox-hubspot', 'sandbox-stripe', 'sandbox-posthog']).map(
      async (name) =>
        (
          await startChild(
            name,
            process.execPath,
            [...tsx, 'sandbox/main.ts'],
            { ...sandboxEnv, SANDBOX_DOCUMENTED_LIMITS: 'true' },
            twinUrls,
          )
        ).match,
    ),
  );
  const twinOf = (i: number) => sandboxes[Math.min(i, sandboxes.length - 1)]?.[i + 1] ?? '';
  const [hubspot, stripe, posthog] = [twinOf(0), twinOf(1), twinOf(2)];
  /** Where Concord's upstream calls are counted: each sandbox process it calls. */
  const concordTwinAdmins = oneSandbox ? [hubspot] : [hubspot, stripe, posthog];
  log(
    `${oneSandbox ? 'sandbox' : 'sandboxes (a process per twin)'} up (${settings.size}, ${DEFAULT_LATENCY_MS} ± ${DEFAULT_JITTER_MS} ms, documented limits on): ${hubspot} ${stripe} ${posthog}`,
  );
  // The naive build has no pacing of its own and would fail, not slow down, at the documented
  // limits: it gets its own twins, the same data with the limits off, and RESULTS.md says so.
  const { match: nb } = await startChild(
    'sandbox-naive',
    process.execPath,
    [...tsx, 'sandbox/main.ts'],
    { ...sandboxEnv, SANDBOX_DOCUMENTED_LIMITS: 'false' },
    twinUrls,
  );
  const [, naiveHubspot = '', naiveStripe = '', naivePosthog = ''] = nb;
  log(`naive build's sandbox up (documented limits off): ${naiveHubspot} ${naiveStripe} ${naivePosthog}`);

  const redisUrl = await startRedis();
  const { createClient } = await import('@redis/client');
  const redis = createClient({ url: redisUrl });
  // Redis is stopped with the other children; a closed socket then must not crash the run.
  redis.on('error', () => undefined);
  await redis.connect();

  // Cold samples one after another would meet the quotas of the samples before them (13 Stripe calls a
  // dashboard against 25/s): each starts with a clear one-second quota window and a flushed cache.
  // The pause comes first: the answer before has been sent, but its cache writes may still be landing.
  const flush = () => pauseThenFlush(redis);

  const c = DEFAULT_SANDBOX_CREDENTIALS;
  const providerEnv = twinEnv({ hubspot, stripe, posthog });
  // Its twins enforce the documented limits, so Concord's own provider quotas stay on (their
  // defaults) and pace it as in production (processes.ts says what else the bench sets).
  const concordEnv = benchConcordEnv({}, redisUrl, TEST_JWT);
  const production = productionCommand();
  const concordArgs = fromSource ? [...tsx, 'src/main.ts'] : [...production.nodeFlags, production.script];
  /** The dashboard under CRM_PROVIDER=salesforce: its own sandbox and Concord, the same Redis. */
  const salesforceDashboard = async (hubspotDashboard: Scenario) => {
    const sf = await startSalesforceConcord(
      sandboxEnv,
      {
        ...concordEnv,
        STRIPE_SECRET_KEY: c.stripeSecretKey,
        POSTHOG_API_KEY: c.posthogApiKey,
        POSTHOG_PROJECT_ID: String(c.posthogProjectId),
      },
      concordArgs,
      log,
    );
    const result = await measureCrmDashboard({
      crm: 'salesforce',
      target: await concordTarget(sf.concord),
      adminUrl: sf.adminUrl,
      scenario: hubspotDashboard,
      floor: salesforceDashboardFloor(hubspotDashboard),
      samples: { count: settings.samples, budgetMs: settings.budgetMs },
      flush,
    });
    log(
      `${hubspotDashboard.title} under Salesforce: cold p50 ${result.cold.p50.toFixed(1)} ms, ${JSON.stringify(result.coldCalls)} (floor ${JSON.stringify(result.floor)}); warm p50 ${result.warm.p50.toFixed(1)} ms, ${JSON.stringify(result.warmCalls)}`,
    );
    return result;
  };
  const naiveProviderEnv = {
    ...providerEnv,
    HUBSPOT_BASE_URL: naiveHubspot,
    STRIPE_BASE_URL: naiveStripe,
    POSTHOG_HOST: naivePosthog,
  };
  const { child: concordChild, match: cm } = await startChild(
    'concord',
    process.execPath,
    concordArgs,
    { ...providerEnv, ...concordEnv },
    /Concord ready at (\S+)/,
  );
  log(`concord up (NODE_ENV=production, pid ${concordChild.pid}) at ${cm[1]}`);
  // Idle: ready, nothing asked yet. Then sampled through the whole run, every 200 ms.
  await new Promise((r) => setTimeout(r, 1_000));
  const idleRssMiB = RssSampler.currentMiB(concordChild.pid);
  const rssSampler = new RssSampler(concordChild.pid, 200);
  if (only) {
    await measureOnly(only, {
      dataset,
      concord: await concordTarget(cm[1] ?? ''),
      redis,
      sandboxAdminUrls: concordTwinAdmins,
    });
    if (only.has(SALESFORCE_DASHBOARD)) {
      const [hubspotDashboard] = scenarios({ dataset, contactIndex: 0, customerId: '' });
      if (hubspotDashboard) await salesforceDashboard(hubspotDashboard);
    }
    rssSampler.stop();
    log(`done (--only: RESULTS.md left as it is; concord peak RSS ${rssSampler.peakMiB.toFixed(0)} MiB)`);
    await redis.quit();
    return;
  }
  const { match: bm } = await startChild(
    'baseline',
    process.execPath,
    [...tsx, 'bench/baseline/server.ts'],
    naiveProviderEnv,
    /Baseline ready at (\S+)/,
  );
  log(`baseline up at ${bm[1]}`);
  const { match: fm } = await startChild(
    'floor',
    process.execPath,
    [...tsx, 'bench/floor/server.ts'],
    {},
    /Floor ready at (\S+)/,
  );
  const floorTarget: Target = { name: 'floor', url: fm[1] ?? '', headers: {} };
  log(`floor (graphql-js over one answer in memory) up at ${fm[1]}`);

  const concord = await concordTarget(cm[1] ?? '');
  const baseline: Target = { name: 'baseline', url: bm[1] ?? '', headers: {} };
  // Each build's upstream calls (and 429s) are counted on its own twins.
  const counters = {
    concord: new RateLimitCounters(concordTwinAdmins),
    baseline: new RateLimitCounters(naiveHubspot),
  };

  const contactIndex = pickContact(dataset);
  const idQuery = `query { customers(first: ${contactIndex + 1}) { edges { node { id } } } }`;
  const idOf = async (t: Target) => {
    const body = (await post(t, idQuery, {})).data as {
      customers: { edges: Array<{ node: { id: string } }> };
    };
    return body.customers.edges[contactIndex]?.node.id ?? '';
  };
  const plans = {
    concord: scenarios({ dataset, contactIndex, customerId: await idOf(concord) }),
    baseline: scenarios({ dataset, contactIndex, customerId: await idOf(baseline) }),
  };

  const results: ScenarioResult[] = [];
  for (const [i, s] of plans.concord.entries()) {
    const b = plans.baseline[i] ?? s;
    const walk = s.key === 'walk';
    const before429 = {
      concord: await counters.concord.rateLimitedSoFar(),
      baseline: await counters.baseline.rateLimitedSoFar(),
    };
    const measure = async (t: Target, vars: Record<string, unknown>, before?: () => Promise<void>) => {
      let calls: Calls | null = null;
      let pages = 1;
      const own = t === baseline ? counters.baseline : counters.concord;
      const values = await sample(settings.samples, settings.budgetMs, 3, async () => {
        await before?.();
        await own.reset();
        const r = await runOnce(t, s.query, vars, walk);
        calls ??= await own.total();
        pages = r.pages;
        return r.ms;
      });
      return { latency: stats(values), calls: calls as Calls | null, pages };
    };
    // Warm samples back to back as the floor's (no counter reset between them): the upstream calls
    // are those of every warm sample together, which is 0 when each one is a hit.
    const measureWarm = async (t: Target, vars: Record<string, unknown>) => {
      for (let i = 0; i < WARMUP; i++) await runOnce(t, s.query, vars, walk);
      await counters.concord.reset();
      let pages = 1;
      const values = await sample(settings.warmSamples, settings.budgetMs, 3, async () => {
        const r = await runOnce(t, s.query, vars, walk);
        pages = r.pages;
        return r.ms;
      });
      return { latency: stats(values), calls: await counters.concord.total(), pages };
    };
    log(`${s.title}: concord cold (Redis flushed and a quota window's pause before each sample)`);
    if (s.key !== 'metrics')
      for (let i = 0; i < COLD_WARMUP; i++) {
        await flush();
        await runOnce(concord, s.query, s.variables, walk);
      }
    const cold = await measure(concord, s.variables, flush);
    log(`  cold p50 ${cold.latency.p50.toFixed(1)} ms, ${JSON.stringify(cold.calls)}; concord warm`);
    const warm = await measureWarm(concord, s.variables);
    log(`  warm p50 ${warm.latency.p50.toFixed(1)} ms; baseline`);
    const naive = await measure(baseline, b.variables);
    log(`  baseline p50 ${naive.latency.p50.toFixed(1)} ms, ${JSON.stringify(naive.calls)}; throughput`);
    const tVars = walk ? { ...s.variables, after: null } : s.variables;
    const floor = walk ? null : await measureFloor(floorTarget, concord, s.query, s.variables);
    if (floor) {
      // Filled afresh, so the rounds (~22 s) end inside the shortest freshness (lists: 30 s): a call
      // during them is a hit the busy process lost, not an entry that expired on schedule.
      await flush();
      await runOnce(concord, s.query, tVars, false);
    }
    await counters.concord.reset();
    const tConcord: { rps: number; errors: number; rounds?: number[] } = floor
      ? await inTurns(concord, floorTarget, s.query, tVars, floor)
      : await throughput(concord, s.query, tVars, DEFAULT_CONNECTIONS, settings.durationS);
    // Every upstream call of the whole warm load run, not one sample: a busy process must still hit.
    const warmLoadCalls = await counters.concord.total();
    const tBaseline = await throughput(
      baseline,
      b.query,
      walk ? { ...b.variables, after: null } : b.variables,
      DEFAULT_CONNECTIONS,
      settings.durationS,
    );
    log(
      `  concord warm ${tConcord.rps.toFixed(1)} req/s (${JSON.stringify(warmLoadCalls)} upstream), baseline ${tBaseline.rps.toFixed(1)} req/s`,
    );
    if (floor)
      log(
        `  floor p50 ${floor.latency.p50.toFixed(1)} ms, ${floor.rps.toFixed(1)} req/s (rounds ${floor.rounds.map((r) => r.toFixed(0)).join(', ')}; Concord's ${(tConcord.rounds ?? []).map((r) => r.toFixed(0)).join(', ')}; same answer: ${floor.same})`,
      );
    const rateLimited = {
      concord: difference(before429.concord, await counters.concord.rateLimitedSoFar()),
      baseline: difference(before429.baseline, await counters.baseline.rateLimitedSoFar()),
    };
    log(
      `  429s from the twins: concord ${JSON.stringify(rateLimited.concord)}, baseline ${JSON.stringify(rateLimited.baseline)}`,
    );
    results.push({
      scenario: s,
      rateLimited,
      pages: cold.pages,
      concord: {
        coldCalls: cold.calls,
        warmCalls: warm.calls,
        cold: cold.latency,
        warm: warm.latency,
        rps: tConcord.rps,
        rpsRounds: tConcord.rounds ?? null,
        errors: tConcord.errors,
        warmLoadCalls,
      },
      floor,
      baseline: { calls: naive.calls, latency: naive.latency, rps: tBaseline.rps, errors: tBaseline.errors },
    });
  }
  rssSampler.stop();
  const rss = Math.max(rssSampler.peakMiB, peakRssMiB(concordChild.pid) ?? 0);
  const dashboardPlan = plans.concord.find((s) => s.key === 'dashboard');
  // The HubSpot run's processes go first: the naive build keeps working through the metrics walks
  // its load run timed out on, and that ran under the Salesforce samples (cold p50 411-473 ms in a
  // full run against ~170 alone). Its processes are started only now, for the same reason.
  await stopAllBut(['redis']);
  const salesforce = dashboardPlan ? await salesforceDashboard(dashboardPlan) : null;
  await redis.quit();
  await writeReport({
    quick,
    size: settings.size,
    dataset: {
      contacts: dataset.contacts.length,
      charges: dataset.charges.length,
      events: dataset.events.count,
    },
    latencyMs: DEFAULT_LATENCY_MS,
    jitterMs: DEFAULT_JITTER_MS,
    connections: DEFAULT_CONNECTIONS,
    durationS: settings.durationS,
    throughputRounds: { rounds: THROUGHPUT_ROUNDS, seconds: settings.roundS },
    peakRssMiB: rss,
    idleRssMiB,
    fromSource,
    oneSandbox,
    coldWarmup: COLD_WARMUP,
    results,
    salesforceDashboard: salesforce,
    elapsedS: (performance.now() - t0) / 1000,
  });
  log(`done: bench/RESULTS.md and bench/results.svg (concord peak RSS ${rss?.toFixed(0) ?? '?'} MiB)`);
}

async function concordTarget(url: string): Promise<Target> {
  const token = await signTestToken({ expiresInS: 4 * 3600 });
  return { name: 'concord', url, headers: { authorization: `Bearer ${token}` } };
}

/** `--only`: Concord's cold then warm latency for the chosen scenarios, logged, nothing written. */
async function measureOnly(
  keys: ReadonlySet<string>,
  env: {
    dataset: ReturnType<typeof generateDataset>;
    concord: Target;
    redis: Redis;
    sandboxAdminUrls: readonly string[];
  },
): Promise<void> {
  const { dataset, concord, redis } = env;
  const contactIndex = pickContact(dataset);
  const idQuery = `query { customers(first: ${contactIndex + 1}) { edges { node { id } } } }`;
  const body = (await post(concord, idQuery, {})).data as {
    customers: { edges: Array<{ node: { id: string } }> };
  };
  const customerId = body.customers.edges[contactIndex]?.node.id ?? '';
  const counters = new RateLimitCounters(env.sandboxAdminUrls);
  for (const s of scenarios({ dataset, contactIndex, customerId }).filter((x) => keys.has(x.key))) {
    const walk = s.key === 'walk';
    const measure = async (before?: () => Promise<void>) => {
      let calls: Calls | null = null;
      const values = await sample(settings.samples, settings.budgetMs, 3, async () => {
        await before?.();
        await counters.reset();
        const r = await runOnce(concord, s.query, s.variables, walk);
        calls ??= await counters.total();
        return r.ms;
      });
      return { latency: stats(values), calls: calls as Calls | null };
    };
    if (s.key !== 'metrics')
      for (let i = 0; i < COLD_WARMUP; i++) {
        await pauseThenFlush(redis);
        await runOnce(concord, s.query, s.variables, walk);
      }
    const cold = await measure(() => pauseThenFlush(redis));
    const warm = await measure();
    const fmt = (l: LatencyStats) =>
      `${l.p50.toFixed(1)} / ${l.p95.toFixed(1)} / ${l.p99.toFixed(1)} ms (n=${l.samples})`;
    log(
      `${s.title}: critical path ${s.levels} × ${DEFAULT_LATENCY_MS} = ${s.levels * DEFAULT_LATENCY_MS} ms`,
    );
    log(`  cold p50/p95/p99 ${fmt(cold.latency)}, upstream ${JSON.stringify(cold.calls)}`);
    log(`  warm p50/p95/p99 ${fmt(warm.latency)}, upstream ${JSON.stringify(warm.calls)}`);
  }
}

/**
 * The floor for one scenario: the floor server is handed Concord's own warm answer, checked to serve
 * the same data, then timed the same way (sequential samples); its throughput is taken in turns
 * with Concord's (inTurns), which fills in `rps` and `rounds`.
 */
async function measureFloor(
  floor: Target,
  concord: Target,
  query: string,
  variables: Record<string, unknown>,
): Promise<FloorResult> {
  const answer = await post(concord, query, variables);
  await fetch(floor.url.replace(/\/graphql$/, '/answer'), { method: 'PUT', body: JSON.stringify(answer) });
  const same = isDeepStrictEqual((await post(floor, query, variables)).data, answer.data);
  for (let i = 0; i < WARMUP; i++) await runOnce(floor, query, variables, false);
  const values = await sample(settings.warmSamples, settings.budgetMs, 3, async () => {
    const r = await runOnce(floor, query, variables, false);
    return r.ms;
  });
  return { latency: stats(values), rps: NaN, rounds: [], errors: 0, same };
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

/**
 * Concord's warm throughput and the floor's, THROUGHPUT_ROUNDS rounds each, taking turns (Concord
 * first); each side's req/s is the median of its rounds. Records the floor's into `floor`.
 */
async function inTurns(
  concord: Target,
  floorTarget: Target,
  query: string,
  variables: Record<string, unknown>,
  floor: FloorResult,
): Promise<{ rps: number; rounds: number[]; errors: number }> {
  const rounds: number[] = [];
  let errors = 0;
  for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
    const mine = await throughput(concord, query, variables, DEFAULT_CONNECTIONS, settings.roundS);
    rounds.push(mine.rps);
    errors += mine.errors;
    const theirs = await throughput(floorTarget, query, variables, DEFAULT_CONNECTIONS, settings.roundS);
    floor.rounds.push(theirs.rps);
    floor.errors += theirs.errors;
  }
  floor.rps = median(floor.rounds);
  return { rps: median(rounds), rounds, errors };
}

export type { LatencyStats };

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await stopAll();
}
