/**
 * One client's burst against another client's reads, through one Concord process, with the
 * sandbox's Stripe at its documented test-mode limit (25 requests per second, 429 above it).
 * Client A sends `nodes(ids:)` of 2,000 payment ids, two at a time, over and over; client B reads
 * one payment every 200 ms. Prints B's success rate and Stripe's calls per second (answered, 429).
 *
 * Run: `node --import tsx bench/provider-quota.ts [seconds] [gateway root] [KEY=value …]`
 * (default 30 s, this tree; `KEY=value` goes to the gateway's environment, e.g. UPSTREAM_CALL_BUDGET=off;
 * BENCH_BURST_IDS sets the ids per burst request).
 */
import { startSandbox } from '../sandbox/index.js';
import { toGlobalId } from '../src/relay/global-ids.js';
import { PACKAGE_ROOT } from '../src/runtime/package-root.js';
import { liveEnv, query, spawnReplica, terminate } from '../test/integration/deploy/support.js';
import { signTestToken } from '../test/support/tokens.js';

const SECONDS = Math.min(60, Number(process.argv[2] ?? 30));
const ROOT = process.argv[3] ?? PACKAGE_ROOT;
const EXTRA = Object.fromEntries(
  process.argv.slice(4).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
/** Ids per burst request; BENCH_BURST_IDS changes it (e.g. 150, under the default upstream budget). */
const BURST_IDS = Number(process.env.BENCH_BURST_IDS ?? 2_000);
const STRIPE_LIMIT = { limit: 25, windowMs: 1_000 };

const sandbox = await startSandbox({ seed: 7, knobs: { stripe: { rateLimit: STRIPE_LIMIT } } });
const env = { ...liveEnv(sandbox), LOG_LEVEL: 'warn', CACHE: 'false', RATE_LIMIT: 'off', ...EXTRA };
const gateway = await spawnReplica(['--import', 'tsx', 'src/main.ts'], env, ROOT);
try {
  const [burster, reader] = await Promise.all([
    signTestToken({ sub: 'bursting-client', expiresInS: 3600 }),
    signTestToken({ sub: 'reading-client', expiresInS: 3600 }),
  ]);
  const charges = sandbox.dataset.charges.map((c) => toGlobalId('Payment', c.stripeId));
  const readIds = charges.slice(-1_000);
  const burstIds = charges.slice(0, charges.length - 1_000);
  const nodes = 'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Payment { id } } }';
  const node = 'query ($id: ID!) { node(id: $id) { ... on Payment { id } } }';
  sandbox.counters.reset();
  const started = performance.now();
  const until = started + SECONDS * 1_000;
  const outcome = {
    reads: 0,
    readsOk: 0,
    readCodes: {} as Record<string, number>,
    bursts: 0,
    burstCodes: {} as Record<string, number>,
  };
  const count = (into: Record<string, number>, codes: string[]) => {
    for (const code of new Set(codes)) into[code] = (into[code] ?? 0) + 1;
  };
  let offset = 0;
  const burstLoop = async () => {
    while (performance.now() < until) {
      const ids = Array.from({ length: BURST_IDS }, () => burstIds[offset++ % burstIds.length]);
      const res = await query(gateway.origin, burster, nodes, { ids });
      outcome.bursts += 1;
      count(
        outcome.burstCodes,
        (res.body.errors ?? []).map((e) => String(e.extensions?.code)),
      );
    }
  };
  const readLoop = async () => {
    let i = 0;
    while (performance.now() < until) {
      const next = performance.now() + 200;
      const res = await query<{ node: { id: string } | null }>(gateway.origin, reader, node, {
        id: readIds[i++ % readIds.length],
      });
      outcome.reads += 1;
      if (!res.body.errors && res.body.data?.node) outcome.readsOk += 1;
      count(
        outcome.readCodes,
        (res.body.errors ?? []).map((e) => String(e.extensions?.code)),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  };
  await Promise.all([burstLoop(), burstLoop(), readLoop()]);
  const elapsedS = (performance.now() - started) / 1_000;
  const stripe = sandbox.counters.snapshot().byStatus.stripe;
  const answered = Object.entries(stripe)
    .filter(([s]) => s !== '429')
    .reduce((n, [, v]) => n + v, 0);
  const report = {
    gateway: ROOT,
    burstIds: BURST_IDS,
    extraEnv: EXTRA,
    seconds: Number(elapsedS.toFixed(1)),
    stripeLimitPerS: STRIPE_LIMIT.limit,
    reader: {
      reads: outcome.reads,
      ok: outcome.readsOk,
      successRate: Number((outcome.readsOk / Math.max(1, outcome.reads)).toFixed(3)),
      errorCodes: outcome.readCodes,
    },
    burster: { requests: outcome.bursts, errorCodes: outcome.burstCodes },
    stripe: {
      answeredPerS: Number((answered / elapsedS).toFixed(1)),
      rateLimited429PerS: Number(((stripe['429'] ?? 0) / elapsedS).toFixed(1)),
      byStatus: stripe,
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await terminate(gateway);
  await sandbox.stop();
}
