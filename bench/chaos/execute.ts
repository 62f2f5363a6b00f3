/**
 * One scenario, start to end: a fresh Concord over a flushed Redis, healthy answers to compare
 * with, the fault, the workload for its time, the mid-run event, then (knobs back to normal) a wait
 * for compensations to settle, the upstream counters and the audit of every write.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProviderName } from '../../sandbox/http/provider.js';
import { auditWrites, settle, type WriteAudit } from './audit.js';
import { DOCUMENTED_LIMITS, type Goal, type ScenarioDef } from './scenarios.js';
import {
  PROVIDERS,
  concordProviderCounters,
  startConcord,
  type ConcordProcess,
  type ConcordProviderCounters,
  type Counters,
  type RedisProcess,
  type SandboxProcess,
} from './stack.js';
import {
  WRITE_OPS,
  type OpName,
  collectBaselines,
  send,
  startWorkload,
  type Plan,
  type RequestRecord,
} from './workload.js';
import { percentile } from '../measure.js';

export interface Tally {
  sent: number;
  full: number;
  partial: number;
  failed: number;
}

/** One operation's answers: how many of each kind, and the codes of those not answered fully. */
export interface OpTally extends Tally {
  /** Writes refused before any provider call (`UNAVAILABLE/-`: the mutation ledger unreachable). */
  refused: number;
  codes: Record<string, number>;
}

export interface UpstreamUse {
  calls: number;
  /** Calls the provider answered with 429: over its limit. */
  rateLimited: number;
  serverErrors: number;
  perSecond: number;
  /** The limit in force during the scenario (the documented one when the scenario sets it). */
  limit: { limit: number; windowMs: number };
  /** limit × duration / window (the steady rate) when the scenario set the limit, else null. */
  allowed: number | null;
  /**
   * limit × the windows the run touched: what a client bursting at the start of each window could
   * have had (a run not much longer than a window lets a sliding-window client exceed `allowed`).
   */
  allowedAtMost: number | null;
  /** Calls the provider accepted (not 429). */
  accepted: number;
  /** Concord's own counters at the end of the load (its admin port's /metrics); null if unread. */
  concord: ConcordProviderCounters | null;
}

export interface ScenarioResult {
  key: string;
  title: string;
  elapsedMs: number;
  requests: Tally & { stale: number; compared: number; wrong: number; uncoded: number };
  reads: Tally;
  writesTally: Tally & { refused: number };
  /** Per operation name. */
  byOp: Partial<Record<OpName, OpTally>>;
  codes: { partial: Record<string, number>; failed: Record<string, number> };
  latency: { p50: number; p95: number; p99: number; max: number };
  process: { exit: { code: number | null; signal: string | null } | null; tail: string };
  writes: WriteAudit;
  upstream: Record<ProviderName, UpstreamUse>;
  settled: boolean;
  redis?: {
    keysAfterRestart: Record<string, number>;
    ledgerReplay: string;
    /** Writes refused while Redis was down (from the kill until Concord could reconnect), and after. */
    refusedWhileDown: number;
    refusedAfter: number;
  };
  sigterm?: { inFlight: number; cut: number };
  /** A sample of answers that differed from the healthy one (where they differed). */
  differences: string[];
  goals: Goal[];
}

export interface RunContext {
  sandbox: SandboxProcess;
  redis: RedisProcess;
  plan: Plan;
  /** Healthy answers to the narrow reads (takeBaselines). */
  baselines: ReadonlyMap<string, unknown>;
  /** Distinguishes this run's writes from any earlier run's against the same sandbox. */
  runTag: string;
}

export interface ScenarioSettings {
  durationMs: number;
  maxRequests: number;
  seed: number;
  clients?: number;
}

/**
 * Upstream endpoints outside the limit a provider's calls are counted against: PostHog's capture
 * (no rate limit) and HubSpot's search (its own limit, outside the ten-second window; FACTS.md 7.4).
 */
const EXEMPT_ENDPOINTS: Record<ProviderName, RegExp | null> = {
  hubspot: /\/search$/,
  stripe: null,
  posthog: /^POST \/(i\/v0\/e\/|capture\/)$/,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tally(records: readonly RequestRecord[]): Tally {
  return {
    sent: records.length,
    full: records.filter((r) => r.classified.kind === 'full').length,
    partial: records.filter((r) => r.classified.kind === 'partial').length,
    failed: records.filter((r) => r.classified.kind === 'failed').length,
  };
}

/**
 * A write refused before it touched any provider: Concord's fail-closed answer while its mutation
 * ledger is unreachable (`UNAVAILABLE` naming no provider). Nothing was written; the client retries.
 */
export function isRefusedWrite(r: RequestRecord): boolean {
  return (
    WRITE_OPS.has(r.op) &&
    r.classified.kind === 'failed' &&
    r.classified.codes.length > 0 &&
    r.classified.codes.every((c) => c === 'UNAVAILABLE/-')
  );
}

function byOperation(records: readonly RequestRecord[]): Partial<Record<OpName, OpTally>> {
  const ops: Partial<Record<OpName, OpTally>> = {};
  for (const op of new Set(records.map((r) => r.op))) {
    const mine = records.filter((r) => r.op === op);
    ops[op] = {
      ...tally(mine),
      refused: mine.filter(isRefusedWrite).length,
      codes: countCodes(mine.filter((r) => r.classified.kind !== 'full')),
    };
  }
  return ops;
}

function countCodes(records: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records)
    for (const code of new Set(r.classified.codes)) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

function upstream(
  def: ScenarioDef,
  counters: Counters,
  elapsedMs: number,
  concord: Record<ProviderName, ConcordProviderCounters> | null,
  /** The counters when clients stopped asking, for the share of a storm's quota used. */
  steady: { counters: Counters; elapsedMs: number } | null = null,
): Record<ProviderName, UpstreamUse> {
  const use = {} as Record<ProviderName, UpstreamUse>;
  for (const p of PROVIDERS) {
    const byStatus = counters.byStatus[p];
    const calls = counters.total[p] - exemptCalls(counters, p);
    const rateLimited = byStatus['429'] ?? 0;
    const serverErrors = Object.entries(byStatus)
      .filter(([s]) => Number(s) >= 500)
      .reduce((sum, [, n]) => sum + n, 0);
    const set = def.knobs[p]?.rateLimit ?? null;
    const limit = set ?? DOCUMENTED_LIMITS[p];
    const judged = set && steady ? steady : { counters, elapsedMs };
    const judgedCalls = judged.counters.total[p] - exemptCalls(judged.counters, p);
    use[p] = {
      calls,
      rateLimited,
      serverErrors,
      perSecond: calls / (elapsedMs / 1000),
      limit,
      allowed: set ? allowedCalls(set, judged.elapsedMs) : null,
      allowedAtMost: set ? set.limit * Math.ceil(judged.elapsedMs / set.windowMs) : null,
      accepted: judgedCalls - (judged.counters.byStatus[p]['429'] ?? 0),
      concord: concord?.[p] ?? null,
    };
  }
  return use;
}

function exemptCalls(counters: Counters, p: ProviderName): number {
  return Object.entries(counters.byEndpoint[p])
    .filter(([endpoint]) => EXEMPT_ENDPOINTS[p]?.test(endpoint) === true)
    .reduce((sum, [, n]) => sum + n, 0);
}

/**
 * What the provider lets through in `elapsedMs`: its limit per window, pro rata over several
 * windows; a window longer than the run still allows its whole limit once.
 */
export function allowedCalls(limit: { limit: number; windowMs: number }, elapsedMs: number): number {
  return limit.limit * Math.max(1, elapsedMs / limit.windowMs);
}

/** After Redis came back: a refund with one clientMutationId sent twice must refund once and answer twice. */
async function ledgerReplay(concord: ConcordProcess, ctx: RunContext, tag: string): Promise<string> {
  const chargeId = ctx.plan.nextCharge();
  if (!chargeId) return 'no charge left';
  const query = `mutation ($input: RefundPaymentInput!) { refundPayment(input: $input) { payment { amountRefunded { amount } } userErrors { code } } }`;
  const input = {
    clientMutationId: `${tag}-replay`,
    paymentId: chargeId,
    amount: { amount: '1.00', currency: 'USD' },
  };
  const token = ctx.plan.tokens[0] ?? '';
  const first = await send(concord.url, token, query, { input });
  const second = await send(concord.url, token, query, { input });
  const ok = (a: typeof first) => {
    const p = a.body?.data?.refundPayment as { userErrors?: unknown[] } | null | undefined;
    return p !== null && p !== undefined && (p.userErrors?.length ?? 1) === 0;
  };
  if (!ok(first) || !ok(second))
    return `not answered (${JSON.stringify(first.body?.errors ?? second.body?.errors ?? '').slice(0, 120)})`;
  const audit = await auditWrites(ctx.sandbox, [
    { kind: 'refund', cmid: input.clientMutationId, chargeId, acknowledged: true, attempts: 2, last: 'ok' },
  ]);
  return audit.duplicated === 0 && audit.lost === 0 ? 'ok' : audit.problems.join('; ');
}

/** A Concord of its own, with nothing failing, answers every narrow read once: the answers to compare with. */
export async function takeBaselines(
  sandbox: SandboxProcess,
  redis: RedisProcess,
  plan: Plan,
): Promise<Map<string, unknown>> {
  await sandbox.resetKnobs();
  const concord = await startConcord(sandbox, redis.url);
  try {
    return await collectBaselines(concord.url, plan);
  } finally {
    await concord.stop();
  }
}

export async function runScenario(
  def: ScenarioDef,
  ctx: RunContext,
  settings: ScenarioSettings,
  log: (line: string) => void = () => undefined,
): Promise<ScenarioResult> {
  const tag = `${ctx.runTag}-${def.key}`;
  await ctx.sandbox.resetKnobs();
  await ctx.redis.flush();
  const phase = performance.now();
  const concord = await startConcord(ctx.sandbox, ctx.redis.url, def.concordEnv ?? {});
  log(`  concord up in ${((performance.now() - phase) / 1000).toFixed(1)} s (pid ${concord.pid})`);
  try {
    for (const [p, patch] of Object.entries(def.knobs)) await ctx.sandbox.setKnobs(p as ProviderName, patch);
    await ctx.sandbox.resetCounters();
    const phaseStart = performance.now();
    const workload = startWorkload({
      url: () => concord.url,
      plan: ctx.plan,
      tag,
      seed: settings.seed,
      clients: def.clients ?? settings.clients,
      durationMs: settings.durationMs,
      maxRequests: settings.maxRequests,
      reads: def.reads,
      baselines: ctx.baselines,
    });

    // A storm's use of the quota is judged while clients keep asking: once they stop, the queue
    // drains and demand falls under the limit, which says nothing about how the quota is used.
    const stormed = Object.values(def.knobs).some((k) => k?.rateLimit);
    const steady = stormed
      ? Promise.race([
          sleep(settings.durationMs).then(async () => ({
            counters: await ctx.sandbox.counters(),
            elapsedMs: performance.now() - phaseStart,
          })),
          workload.done.then(() => null),
        ])
      : Promise.resolve(null);
    let sigtermAt: number | null = null;
    let redisDown: { from: number; to: number } | null = null;
    if (def.event === 'redis-kill') {
      await sleep(settings.durationMs * 0.3);
      log('  killing Redis (SIGKILL)');
      const from = performance.now();
      await ctx.redis.kill();
      await sleep(settings.durationMs * 0.25);
      await ctx.redis.restart();
      redisDown = { from, to: performance.now() };
      log('  Redis restarted on the same port');
    } else if (def.event === 'sigterm') {
      await sleep(settings.durationMs * 0.5);
      sigtermAt = performance.now();
      log('  SIGTERM to Concord; clients stop sending new requests (as a load balancer would)');
      concord.signal('SIGTERM');
      workload.halt();
    }
    const result = await workload.done;
    const counters = await ctx.sandbox.counters();
    const steadyUse = await steady;
    const concordCounters = await concordProviderCounters(concord);
    if (sigtermAt !== null) await Promise.race([concord.exited(), sleep(20_000)]);

    // Knobs back to normal so compensations can finish; then what is left is what stays.
    await ctx.sandbox.resetKnobs();
    const settling = performance.now();
    const settled = await settle(ctx.sandbox);
    log(`  settled ${settled ? '' : 'NOT '}in ${((performance.now() - settling) / 1000).toFixed(1)} s`);
    let redis: ScenarioResult['redis'];
    if (def.event === 'redis-kill') {
      const refused = result.requests.filter(isRefusedWrite);
      // Concord reconnects on a backoff of up to 2 s (src/redis-client.ts): until then Redis is down for it.
      const down = (r: RequestRecord) =>
        redisDown !== null && r.sentAt + r.ms >= redisDown.from && r.sentAt <= redisDown.to + 3_000;
      redis = {
        keysAfterRestart: await ctx.redis.keysByPrefix(),
        ledgerReplay: concord.exit() === null ? await ledgerReplay(concord, ctx, tag) : 'process gone',
        refusedWhileDown: refused.filter(down).length,
        refusedAfter: refused.filter((r) => !down(r)).length,
      };
    }
    const writes = await auditWrites(ctx.sandbox, result.writes);

    const records = result.requests;
    const reads = records.filter((r) => !WRITE_OPS.has(r.op));
    const sorted = records.map((r) => r.ms).sort((a, b) => a - b);
    const sigterm =
      sigtermAt === null
        ? undefined
        : (() => {
            const at = sigtermAt;
            const inFlight = records.filter((r) => r.sentAt <= at && r.sentAt + r.ms >= at);
            return {
              inFlight: inFlight.length,
              cut: inFlight.filter((r) => r.classified.kind === 'failed').length,
            };
          })();
    const partial: RequestRecord[] = records.filter((r) => r.classified.kind === 'partial');
    const failed: RequestRecord[] = records.filter((r) => r.classified.kind === 'failed');
    const scenario: ScenarioResult = {
      key: def.key,
      title: def.title,
      elapsedMs: result.elapsedMs,
      requests: {
        ...tally(records),
        stale: records.filter((r) => r.classified.stale).length,
        compared: records.filter((r) => r.intact !== null).length,
        wrong: records.filter((r) => r.intact === false).length,
        uncoded: records.reduce((sum, r) => sum + r.classified.uncoded, 0),
      },
      reads: tally(reads),
      writesTally: {
        ...tally(records.filter((r) => WRITE_OPS.has(r.op))),
        refused: records.filter(isRefusedWrite).length,
      },
      byOp: byOperation(records),
      codes: { partial: countCodes(partial), failed: countCodes(failed) },
      latency: {
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? NaN,
      },
      process: { exit: concord.exit(), tail: concord.exit() ? concord.tail() : '' },
      writes,
      upstream: upstream(def, counters, result.elapsedMs, concordCounters, steadyUse),
      settled,
      redis,
      sigterm,
      differences: records
        .filter((r) => r.intact === false)
        .slice(0, 3)
        .map((r) => `${r.op} differs at ${r.differsAt ?? '?'}`),
      goals: [],
    };
    scenario.goals = def.goals(scenario);
    return scenario;
  } finally {
    await concord.stop();
    await ctx.sandbox.resetKnobs();
    await keepLog(def.key, concord.output());
  }
}

/** CHAOS_LOG_DIR keeps each scenario's Concord output (at CHAOS_LOG_LEVEL) for a closer look. */
async function keepLog(key: string, output: string): Promise<void> {
  const dir = process.env.CHAOS_LOG_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${key}.log`), output);
}
