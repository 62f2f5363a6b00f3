/**
 * The dashboard scenario under the second CRM (`CRM_PROVIDER=salesforce`): its own sandbox (whose
 * Stripe and PostHog link to the Salesforce twin's contact ids) and its own Concord process, both
 * as the HubSpot run has them, measured cold and warm and reported beside HubSpot's dashboard.
 */
import { DEFAULT_SALESFORCE_TWIN } from '../sandbox/salesforce/index.js';
import { post, runOnce, sample, stats, type LatencyStats, type Target } from './measure.js';
import { startChild } from './processes.js';
import type { Scenario } from './scenarios.js';

/** `npm run bench -- --only=dashboard-salesforce` measures only this. */
export const SALESFORCE_DASHBOARD = 'dashboard-salesforce';

/** Upstream calls of one query by domain; `token` counts OAuth token calls apart from the data calls. */
export interface CrmCalls {
  crm: number;
  stripe: number;
  posthog: number;
  token: number;
}

export interface CrmDashboardResult {
  crm: 'hubspot' | 'salesforce';
  floor: CrmCalls;
  coldCalls: CrmCalls | null;
  warmCalls: CrmCalls | null;
  cold: LatencyStats;
  warm: LatencyStats;
}

const TOKEN_ENDPOINT = 'POST /services/oauth2/token';

/**
 * Salesforce's floor for the dashboard: one SOQL query brings the page of contacts with each one's
 * account and opportunities (relationship queries), so the CRM's part is one call; Stripe and
 * PostHog are asked what they are asked under HubSpot (the same 50 people).
 */
export function salesforceDashboardFloor(hubspotDashboard: Scenario): CrmCalls {
  return { crm: 1, stripe: hubspotDashboard.floor.stripe, posthog: hubspotDashboard.floor.posthog, token: 0 };
}

/** Calls since the last reset on a sandbox's twins (`adminUrl`: any of its twins). */
class TwinCalls {
  constructor(
    private readonly adminUrl: string,
    private readonly crm: 'hubspot' | 'salesforce',
  ) {}

  async reset(): Promise<void> {
    await fetch(`${this.adminUrl}/__sandbox/counters`, { method: 'DELETE' });
  }

  async read(): Promise<CrmCalls> {
    const res = await fetch(`${this.adminUrl}/__sandbox/counters`);
    const body = (await res.json()) as {
      total: Record<string, number>;
      byEndpoint: Record<string, Record<string, number>>;
    };
    const token = body.byEndpoint[this.crm]?.[TOKEN_ENDPOINT] ?? 0;
    return {
      crm: (body.total[this.crm] ?? 0) - token,
      stripe: body.total.stripe ?? 0,
      posthog: body.total.posthog ?? 0,
      token,
    };
  }
}

/**
 * A sandbox with CRM_PROVIDER=salesforce (documented limits on) and a Concord in live mode pointed
 * at it, sharing the run's Redis. `concordEnv` is what the HubSpot Concord runs with, less its
 * providers; `sandboxEnv` what the HubSpot sandbox runs with.
 */
export async function startSalesforceConcord(
  sandboxEnv: Record<string, string>,
  concordEnv: Record<string, string>,
  concordArgs: string[],
  log: (line: string) => void,
): Promise<{ concord: string; adminUrl: string }> {
  const urls =
    /^\s+Stripe\s+(\S+)[\s\S]*?^\s+PostHog\s+(\S+)\s[\s\S]*?^\s+Salesforce\s+(\S+)\s.*?refresh_token=(\S+)/m;
  const { match } = await startChild(
    'sandbox-salesforce',
    process.execPath,
    ['--import', 'tsx', 'sandbox/main.ts'],
    { ...sandboxEnv, SANDBOX_DOCUMENTED_LIMITS: 'true', CRM_PROVIDER: 'salesforce' },
    urls,
  );
  const [, stripe = '', posthog = '', salesforce = '', refreshToken = ''] = match;
  log(`salesforce sandbox up (CRM_PROVIDER=salesforce): ${salesforce} ${stripe} ${posthog}`);
  const { match: cm } = await startChild(
    'concord-salesforce',
    process.execPath,
    concordArgs,
    {
      ...concordEnv,
      CRM_PROVIDER: 'salesforce',
      // Tokens shared through REDIS_URL are sealed; a fixed development key for the bench.
      OAUTH_TOKEN_KEYS: '0123456789abcdef'.repeat(4),
      SALESFORCE_LOGIN_URL: salesforce,
      SALESFORCE_INSTANCE_URL: salesforce,
      SALESFORCE_CLIENT_ID: DEFAULT_SALESFORCE_TWIN.clientId,
      SALESFORCE_CLIENT_SECRET: DEFAULT_SALESFORCE_TWIN.clientSecret,
      SALESFORCE_REFRESH_TOKEN: refreshToken,
      STRIPE_BASE_URL: stripe,
      POSTHOG_HOST: posthog,
    },
    /Concord ready at (\S+)/,
  );
  log(`concord (CRM_PROVIDER=salesforce) up at ${cm[1]}`);
  return { concord: cm[1] ?? '', adminUrl: stripe };
}

/** Cold (cache flushed before each sample) and warm samples of the dashboard, with each one's calls. */
export async function measureCrmDashboard(options: {
  crm: 'hubspot' | 'salesforce';
  target: Target;
  adminUrl: string;
  scenario: Scenario;
  floor: CrmCalls;
  samples: { count: number; budgetMs: number };
  flush: () => Promise<void>;
}): Promise<CrmDashboardResult> {
  const { target, scenario, samples } = options;
  const counters = new TwinCalls(options.adminUrl, options.crm);
  // The first answer also takes the OAuth token and warms the process: not a sample.
  await post(target, scenario.query, scenario.variables);
  const measure = async (before?: () => Promise<void>) => {
    let calls: CrmCalls | null = null;
    const values = await sample(samples.count, samples.budgetMs, 3, async () => {
      await before?.();
      await counters.reset();
      const r = await runOnce(target, scenario.query, scenario.variables, false);
      calls ??= await counters.read();
      return r.ms;
    });
    return { latency: stats(values), calls: calls as CrmCalls | null };
  };
  const cold = await measure(options.flush);
  const warm = await measure();
  return {
    crm: options.crm,
    floor: options.floor,
    coldCalls: cold.calls,
    warmCalls: warm.calls,
    cold: cold.latency,
    warm: warm.latency,
  };
}
