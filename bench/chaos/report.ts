/** bench/CHAOS.md, rewritten by every `npm run chaos`: what each scenario did, and its goals, met or not. */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { ProviderName } from '../../sandbox/http/provider.js';
import type { OpTally, ScenarioResult, UpstreamUse } from './execute.js';
import { STORM_CLIENTS } from './scenarios.js';
import { PROVIDERS } from './stack.js';
import { MIX, type OpName } from './workload.js';

export interface ChaosRun {
  quick: boolean;
  size: string;
  clients: number;
  durationS: number;
  maxRequests: number;
  elapsedS: number;
  results: ScenarioResult[];
  /** Scenarios left out to keep the run within its time budget. */
  skipped: string[];
}

const NAMES: Record<ProviderName, string> = { hubspot: 'HubSpot', stripe: 'Stripe', posthog: 'PostHog' };

const top = (counts: Record<string, number>, n = 3) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([code, k]) => `${code} ×${k}`)
    .join(', ');

function processCell(r: ScenarioResult): string {
  const exit = r.process.exit;
  if (!exit) return 'alive';
  return `exited (code ${exit.code ?? '–'}${exit.signal ? `, ${exit.signal}` : ''})`;
}

function upstreamCell(u: UpstreamUse): string {
  const limit = `${u.limit.limit}/${u.limit.windowMs / 1000}s`;
  const rate = `${u.perSecond.toFixed(1)}/s vs ${(u.limit.limit / (u.limit.windowMs / 1000)).toFixed(1)}/s`;
  const extra = [u.rateLimited ? `${u.rateLimited}×429` : '', u.serverErrors ? `${u.serverErrors}×5xx` : '']
    .filter(Boolean)
    .join(', ');
  return `${u.calls} (${rate} = ${limit}${extra ? `; ${extra}` : ''})`;
}

/** `sent: full / partial / failed`, then the codes of what was not answered fully. */
function opCell(t: OpTally | undefined): string {
  if (!t || t.sent === 0) return '–';
  const refused = t.refused ? ` (${t.refused} refused)` : '';
  const codes = Object.keys(t.codes).length ? `; ${top(t.codes, 2)}` : '';
  return `${t.sent}: ${t.full} / ${t.partial} / ${t.failed}${refused}${codes}`;
}

export function renderReport(run: ChaosRun, now = new Date()): string {
  const cpu = cpus();
  const lines: string[] = [];
  lines.push('# Chaos results');
  lines.push('');
  lines.push(
    `Written by \`npm run chaos${run.quick ? ' -- --quick' : ''}\` on ${now.toISOString()} — ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}. Whole run ${run.elapsedS.toFixed(0)} s.`,
  );
  lines.push('');
  lines.push(
    `Concord runs as its own process (NODE_ENV=production, cache on, Redis) against the sandbox in its own process (${run.size} data), ` +
      `a fresh Concord and a flushed Redis per scenario. ${run.clients} clients, each with its own token, on a mixed load ` +
      `(README dashboard, one customer, payments walks; refundPayment, createCustomer, trackEvent, updateDealStage with ` +
      `clientMutationIds, retried up to 3 times with the same id) for ${run.durationS} s or ${run.maxRequests} requests per scenario ` +
      `(${STORM_CLIENTS} clients in the 429 storms, whose twins run below the documented limits, with Concord's quota set to match). ` +
      `Answers: **full** (no errors), **partial** (data, and errors naming the provider and its code), **failed** (no data: ` +
      `HTTP error, refused connection, timeout). Writes are then checked at the providers' own APIs, after compensations ` +
      `settle: **duplicated** (two refunds, contacts, payment accounts or events for one mutation), **half-made** (a CRM ` +
      `contact without its payment account or the reverse), **missing** (answered ok, not there).`,
  );
  lines.push('');
  lines.push(
    '| scenario | sent | full | partial (codes) | failed (codes) | process | duplicated | half-made | missing | p50 / p99 ms | ' +
      PROVIDERS.map((p) => `${NAMES[p]} calls`).join(' | ') +
      ' |',
  );
  lines.push(`|${' --- |'.repeat(10 + PROVIDERS.length)}`);
  for (const r of run.results) {
    const q = r.requests;
    lines.push(
      `| ${r.title} | ${q.sent} | ${q.full} | ${q.partial}${q.partial ? ` (${top(r.codes.partial)})` : ''} | ` +
        `${q.failed}${q.failed ? ` (${top(r.codes.failed)})` : ''} | ${processCell(r)} | ${r.writes.duplicated} | ` +
        `${r.writes.halfMade}${r.settled ? '' : ' (not settled)'} | ${r.writes.lost} | ` +
        `${r.latency.p50.toFixed(0)} / ${r.latency.p99.toFixed(0)} | ` +
        PROVIDERS.map((p) => upstreamCell(r.upstream[p])).join(' | ') +
        ' |',
    );
  }
  lines.push('');
  const ops = Object.keys(MIX) as OpName[];
  lines.push('');
  lines.push(
    'Per operation (requests sent: full / partial / failed; refused: writes Concord refused before any provider call; then the most frequent codes of the rest):',
  );
  lines.push('');
  lines.push(`| scenario | ${ops.join(' | ')} |`);
  lines.push(`|${' --- |'.repeat(1 + ops.length)}`);
  for (const r of run.results)
    lines.push(`| ${r.title} | ${ops.map((op) => opCell(r.byOp[op])).join(' | ')} |`);
  lines.push('');
  lines.push(
    'Provider calls: the calls the sandbox received during the scenario (PostHog event capture left out: no limit applies to it; HubSpot search left out: its own limit, outside the ten-second window), their rate against the documented limit ' +
      '(../shared/providers/FACTS.md; HubSpot 190/10 s, Stripe 25/s test mode, PostHog 240/min), and how many it answered 429 or 5xx (those two counts include capture).',
  );
  lines.push('');
  lines.push('## Goals');
  lines.push('');
  lines.push('| scenario | goal | measured | met |');
  lines.push('| --- | --- | --- | --- |');
  for (const r of run.results) {
    for (const g of r.goals) {
      const met = g.met === null ? 'not exercised' : g.met ? 'met' : '**not met**';
      lines.push(`| ${r.title} | ${g.goal} | ${g.measured} | ${met} |`);
    }
  }
  const all = run.results.flatMap((r) => r.goals);
  lines.push('');
  const exercised = all.filter((g) => g.met !== null);
  lines.push(
    `${exercised.filter((g) => g.met).length} of ${exercised.length} goals met` +
      (exercised.length < all.length
        ? ` (${all.length - exercised.length} not exercised at this load).`
        : '.'),
  );
  if (run.skipped.length) lines.push('', `Not run (the run's time budget): ${run.skipped.join(', ')}.`);
  const notes = run.results.flatMap((r) => [
    ...(r.process.exit && r.key !== 'sigterm'
      ? [`- ${r.title}: Concord exited; its last lines:\n\n\`\`\`\n${r.process.tail}\n\`\`\``]
      : []),
    ...(r.writes.problems.length
      ? [
          `- ${r.title}: ${r.writes.problems.slice(0, 5).join('; ')}${r.writes.problems.length > 5 ? ` (+${r.writes.problems.length - 5} more)` : ''}`,
        ]
      : []),
    ...(r.differences.length
      ? [`- ${r.title}: answers that differ from the healthy one: ${r.differences.join('; ')}`]
      : []),
  ]);
  if (notes.length) {
    lines.push('');
    lines.push('## What went wrong');
    lines.push('');
    lines.push(...notes);
  }
  lines.push('');
  lines.push(
    'Timing goals live here, not in tests: the 30% 5xx p99 within the request deadline (was `error-rate.test.ts`), every ' +
      'answer within the deadline + 1 s with a slow provider (was `deadline.test.ts`); the realtime event goal (< 1 s) is `npm run bench:realtime`.',
  );
  return `${lines.join('\n')}\n`;
}

export async function writeReport(path: string, run: ChaosRun): Promise<void> {
  await writeFile(path, renderReport(run));
}
