/**
 * The chaos scenarios, one fault each, and the goals each is held to (issue 14 item 5). A scenario
 * is data: the sandbox knobs it turns, whether reads spread wide (cache misses, to reach a rate
 * limit), what it does mid-run (kill Redis, SIGTERM), and its goals as checks over the result.
 */
import type { KnobsPatch } from '../../sandbox/http/knobs.js';
import type { ProviderName } from '../../sandbox/http/provider.js';
import type { ScenarioResult } from './execute.js';

/**
 * The providers' documented limits (../shared/providers/FACTS.md): HubSpot private apps on
 * Professional/Enterprise 190 per 10 s (the sandbox's own default headers), Stripe 25 per second in
 * test mode, PostHog 240 per minute for the query API and the ClickHouse endpoints.
 */
export const DOCUMENTED_LIMITS: Record<ProviderName, { limit: number; windowMs: number }> = {
  hubspot: { limit: 190, windowMs: 10_000 },
  stripe: { limit: 25, windowMs: 1_000 },
  posthog: { limit: 240, windowMs: 60_000 },
};

/** The 2 s slowdown, and Concord's request deadline it is measured against (src/config.ts default). */
export const SLOW_MS = 2_000;
export const REQUEST_DEADLINE_MS = 10_000;

export interface Goal {
  goal: string;
  measured: string;
  /** Null when the scenario's load never brought the fault about (e.g. demand stayed under a limit). */
  met: boolean | null;
}

export interface ScenarioDef {
  key: string;
  title: string;
  knobs: Partial<Record<ProviderName, KnobsPatch>>;
  reads: 'narrow' | 'wide';
  /** What happens mid-run, besides the knobs. */
  event?: 'redis-kill' | 'sigterm';
  /** Concord's environment beyond the run's own (e.g. a provider quota set as an operator would). */
  concordEnv?: Record<string, string>;
  /** Concurrent clients instead of the run's (a storm needs more demand than the limit lets through). */
  clients?: number;
  /** The provider the fault is aimed at, if one. */
  target?: ProviderName;
  goals(r: ScenarioResult): Goal[];
}

const pct = (n: number, of: number) => (of === 0 ? '–' : `${((100 * n) / of).toFixed(1)}%`);

/** Every scenario: the process stays up, nothing is written twice or left half-made. */
function common(r: ScenarioResult, expectExit = false): Goal[] {
  const exit = r.process.exit;
  const processGoal: Goal = expectExit
    ? {
        goal: 'SIGTERM: drains, then exits 0',
        measured: exit
          ? `exit code ${exit.code ?? '–'}${exit.signal ? ` (${exit.signal})` : ''}`
          : 'still running',
        met: exit !== null && exit.code === 0,
      }
    : {
        goal: 'process stays up',
        measured: exit ? `exited (code ${exit.code ?? '–'}, signal ${exit.signal ?? '–'})` : 'alive',
        met: exit === null,
      };
  return [
    processGoal,
    { goal: '0 writes duplicated', measured: String(r.writes.duplicated), met: r.writes.duplicated === 0 },
    {
      goal: '0 writes half-made',
      measured: String(r.writes.halfMade),
      met: r.writes.halfMade === 0 && r.settled,
    },
  ];
}

/** Errors the fault may cause: each must name the target provider with the expected code. */
function codedAs(r: ScenarioResult, provider: ProviderName, code: string): Goal {
  const other = Object.entries({ ...r.codes.partial, ...r.codes.failed })
    .filter(([kind]) => kind !== `${code}/${provider}`)
    .map(([kind, n]) => `${kind} ×${n}`);
  return {
    goal: `every error ${code} from ${provider}`,
    measured: other.length === 0 ? 'yes' : `also ${other.slice(0, 4).join(', ')}`,
    met: other.length === 0,
  };
}

function outage(provider: ProviderName, name: string): ScenarioDef {
  return {
    key: `outage-${provider}`,
    title: `${name} in full outage`,
    knobs: { [provider]: { outage: true } },
    reads: 'narrow',
    target: provider,
    goals: (r) => [
      ...common(r),
      {
        goal: '100% of reads answered',
        measured: pct(r.reads.full + r.reads.partial, r.reads.sent),
        met: r.reads.failed === 0 && r.reads.sent > 0,
      },
      codedAs(r, provider, 'PROVIDER_UNAVAILABLE'),
      {
        goal: 'the rest of each answer intact',
        measured: `${r.requests.wrong} of ${r.requests.compared} compared differ`,
        met: r.requests.wrong === 0 && r.requests.compared > 0,
      },
    ],
  };
}

/**
 * The 429 storms: each provider's twin at a limit below what the storm's clients ask of it, so that
 * demand exceeds it (at the documented limits ten clients on two cores stay under them), and Concord's
 * quota for it set to the same limit, as an operator would for that plan. HubSpot's is its
 * documented Free/Starter limit; Stripe's and PostHog's are lower than any documented one.
 */
export const STORM_LIMITS: Record<
  ProviderName,
  { limit: number; windowMs: number; env: string; value: string }
> = {
  hubspot: { limit: 100, windowMs: 10_000, env: 'HUBSPOT_QUOTA', value: '100/10s' },
  stripe: { limit: 10, windowMs: 1_000, env: 'STRIPE_QUOTA', value: '10/1s' },
  posthog: { limit: 30, windowMs: 60_000, env: 'POSTHOG_QUOTA', value: '30/1m' },
};

/**
 * Clients in a storm: each waits for its answer before asking again, so ten, mostly waiting on the
 * throttled provider, ask for little more than it allows; thirty keep its quota's queue full.
 */
export const STORM_CLIENTS = 30;

function rateLimit(provider: ProviderName, name: string): ScenarioDef {
  const { limit, windowMs, env, value } = STORM_LIMITS[provider];
  return {
    key: `429-${provider}`,
    title: `${name} at ${limit}/${windowMs / 1000}s, 429 storm`,
    knobs: { [provider]: { rateLimit: { limit, windowMs } } },
    concordEnv: { [env]: value },
    reads: 'wide',
    target: provider,
    clients: STORM_CLIENTS,
    goals: (r) => {
      const u = r.upstream[provider];
      const c = u.concord;
      // Demand over the limit shows in Concord's own counters: calls its quota held back.
      const stormed = c !== null && (c.throttled > 0 || u.rateLimited > 0);
      const concordSide =
        c === null
          ? 'Concord counters unread'
          : `Concord: ${c.attempts} attempts, ${c.throttled} held back by its quota, ${c.rateLimited} answered 429`;
      return [
        ...common(r),
        {
          goal: 'clients ask for more than the limit',
          measured: concordSide,
          met: stormed,
        },
        {
          goal: '≥ 90% of allowed calls used',
          measured:
            `${u.accepted} used of ${u.allowed?.toFixed(0) ?? '–'} allowed at the steady rate while clients asked (${pct(u.accepted, u.allowed ?? 0)}; ` +
            `at most ${u.allowedAtMost ?? '–'} in the windows the run touched)`,
          met: stormed ? u.allowed !== null && u.accepted >= 0.9 * u.allowed : null,
        },
        { goal: 'no call over the limit (429s)', measured: String(u.rateLimited), met: u.rateLimited === 0 },
        codedAs(r, provider, 'PROVIDER_RATE_LIMITED'),
      ];
    },
  };
}

export const SCENARIOS: readonly ScenarioDef[] = [
  {
    key: '5xx-all',
    title: 'All providers 30% 5xx',
    knobs: { hubspot: { errorRate: 0.3 }, stripe: { errorRate: 0.3 }, posthog: { errorRate: 0.3 } },
    reads: 'narrow',
    goals: (r) => [
      ...common(r),
      {
        goal: '≥ 95% answered fully',
        measured: pct(r.requests.full, r.requests.sent),
        met: r.requests.full >= 0.95 * r.requests.sent && r.requests.sent > 0,
      },
      { goal: 'none failed whole', measured: String(r.requests.failed), met: r.requests.failed === 0 },
      // Moved here from test/integration/resilience/error-rate.test.ts (a timing goal, not a test).
      {
        goal: `p99 within the ${REQUEST_DEADLINE_MS / 1000} s deadline`,
        measured: `${r.latency.p99.toFixed(0)} ms`,
        met: r.latency.p99 < REQUEST_DEADLINE_MS,
      },
    ],
  },
  outage('hubspot', 'HubSpot'),
  outage('stripe', 'Stripe'),
  outage('posthog', 'PostHog'),
  rateLimit('hubspot', 'HubSpot'),
  rateLimit('stripe', 'Stripe'),
  rateLimit('posthog', 'PostHog'),
  {
    key: 'slow-stripe',
    title: `Stripe ${SLOW_MS / 1000} s slow`,
    knobs: { stripe: { latencyMs: SLOW_MS } },
    reads: 'narrow',
    target: 'stripe',
    goals: (r) => [
      ...common(r),
      { goal: '0 failed', measured: String(r.requests.failed), met: r.requests.failed === 0 },
      // Moved here from test/integration/resilience/deadline.test.ts: the deadline bounds every answer.
      {
        goal: `max latency ≤ deadline + 1 s`,
        measured: `${r.latency.max.toFixed(0)} ms`,
        met: r.latency.max <= REQUEST_DEADLINE_MS + 1_000,
      },
    ],
  },
  {
    key: 'redis-kill',
    title: 'Redis killed mid-run, restarted',
    knobs: {},
    reads: 'narrow',
    event: 'redis-kill',
    goals: (r) => {
      const keys = r.redis?.keysAfterRestart ?? {};
      const cacheKeys = Object.entries(keys)
        .filter(([prefix]) => !/^concord:(mutation|ratelimit|webhook-seen)$/.test(prefix))
        .reduce((sum, [, n]) => sum + n, 0);
      return [
        ...common(r),
        {
          goal: '0 failed reads',
          measured: `${r.reads.failed} of ${r.reads.sent} reads failed`,
          met: r.reads.failed === 0,
        },
        {
          // Fail closed: without the ledger a retried write could run twice, so none is taken.
          goal: 'failed writes are only refusals (fail closed, nothing written)',
          measured:
            `${r.writesTally.sent} writes: ${r.redis?.refusedWhileDown ?? '–'} refused while Redis was down ` +
            `(UNAVAILABLE, nothing written), ${r.redis?.refusedAfter ?? '–'} refused after, ` +
            `${r.writesTally.failed - r.writesTally.refused} failed otherwise`,
          met: r.writesTally.failed === r.writesTally.refused,
        },
        {
          goal: 'cache, rate limits, ledger resume (no restart)',
          measured: `cache keys ${cacheKeys}, rate-limit keys ${keys['concord:ratelimit'] ?? 0}, ledger replay ${r.redis?.ledgerReplay ?? '–'}`,
          met: cacheKeys > 0 && (keys['concord:ratelimit'] ?? 0) > 0 && r.redis?.ledgerReplay === 'ok',
        },
      ];
    },
  },
  {
    key: 'sigterm',
    title: `SIGTERM mid-run, Stripe ${SLOW_MS / 1000} s slow`,
    knobs: { stripe: { latencyMs: SLOW_MS } },
    reads: 'narrow',
    event: 'sigterm',
    goals: (r) => [
      ...common(r, true),
      {
        goal: 'every request in flight at SIGTERM answered',
        measured: `${r.sigterm?.cut ?? '–'} of ${r.sigterm?.inFlight ?? '–'} cut off`,
        met: r.sigterm !== undefined && r.sigterm.cut === 0,
      },
    ],
  },
];
