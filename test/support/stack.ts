import { pino } from 'pino';
import type { Dataset, DealStage } from '../../sandbox/data/dataset.js';
import type { RunningSandbox } from '../../sandbox/index.js';
import { STAGE_OF, seededIds } from '../../sandbox/salesforce/seed.js';
import { startConcord, type Concord, type StartOptions } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import type { Gateway } from '../../src/server.js';
import { TEST_JWT, signTestToken } from './tokens.js';

/** The data every gateway test reads: a fixed seed and anchor, so expectations never depend on the day. */
export const TEST_SEED = 7;
export const TEST_ANCHOR = '2026-11-24';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

/** The token each test gateway's queries carry unless a test says otherwise. */
const defaultTokens = new WeakMap<Gateway, string>();

/**
 * A gateway on a free loopback port; `env` is the environment Concord reads its config from. It
 * verifies tokens with TEST_JWT unless `env` sets JWT settings (`JWT_SECRET: ''` for the sandbox's
 * own development secret), and `postQuery` sends a token with every scope by default.
 */
export async function startTestConcord(
  env: Record<string, string> = {},
  options: Pick<StartOptions, 'clock' | 'permissions' | 'cacheClock' | 'providerClock'> = {},
): Promise<Concord> {
  const ownJwt = 'JWT_SECRET' in env || 'JWT_JWKS_URL' in env;
  const full = {
    NODE_ENV: 'test',
    CURSOR_SECRET: 'test-cursor-secret-0123456789',
    HOST: '127.0.0.1',
    PORT: '0',
    SANDBOX_SEED: String(TEST_SEED),
    SANDBOX_ANCHOR: TEST_ANCHOR,
    // Documents run compiled from their first use, so the suite covers the path repeated queries take.
    GRAPHQL_COMPILE_AFTER_USES: '1',
    ...(ownJwt ? {} : TEST_JWT),
    ...env,
  };
  const concord = await startConcord(readConfig(full), {
    logger: pino({ level: 'silent' }),
    env: full,
    ...options,
  });
  const token = concord.devToken ?? (ownJwt ? undefined : await signTestToken({ expiresInS: 3600 }));
  if (token) defaultTokens.set(concord.gateway, token);
  return concord;
}

export interface QueryOptions {
  /** The bearer token; null sends none. Default: the gateway's full-scope test token. */
  token?: string | null;
  headers?: Record<string, string>;
}

export async function postQuery<T>(
  gateway: Gateway,
  query: string,
  variables?: Record<string, unknown>,
  options: QueryOptions = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: queryHeaders(gateway, options),
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

/** JSON content type, the bearer token the options choose, and any extra headers. */
export function queryHeaders(gateway: Gateway, options: QueryOptions = {}): Record<string, string> {
  const token = options.token === undefined ? defaultTokens.get(gateway) : options.token;
  return {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...options.headers,
  };
}

/** The CRMs the CRM-neutral suites run against: one schema must hide which one answers. */
export const CRMS = ['hubspot', 'salesforce'] as const;
export type CrmName = (typeof CRMS)[number];

/**
 * The data set with every CRM id (contact, company, deal) as `crm` knows it: the HubSpot twin serves
 * the data set's own ids, the Salesforce twin the 18-character ids seeded from them. Tests read their
 * expectations from this, so one assertion holds for either CRM.
 */
export function datasetAsSeenBy(dataset: Dataset, crm: CrmName): Dataset {
  if (crm === 'hubspot') return dataset;
  return {
    ...dataset,
    contacts: dataset.contacts.map((c) => ({ ...c, crmId: seededIds.contact(c) })),
    companies: dataset.companies.map((c) => ({ ...c, crmId: seededIds.account(c) })),
    deals: dataset.deals.map((d) => ({ ...d, crmId: seededIds.opportunity(d) })),
  };
}

/**
 * A deal's `stage` as `crm` labels it: the schema keeps the provider's own label beside the
 * normalized `status`, so this is the one answer that is meant to differ (HubSpot's stage id,
 * Salesforce's `StageName`).
 */
export function stageLabel(stage: DealStage, crm: CrmName): string {
  return crm === 'hubspot' ? stage : STAGE_OF[stage];
}

/** A gateway and its in-process sandbox, over real HTTP on loopback. */
export interface TestStack {
  gateway: Gateway;
  sandbox: RunningSandbox;
  /** The CRM this stack's gateway uses (`CRM_PROVIDER`). */
  crm: CrmName;
  /** The sandbox's data set with CRM ids as this stack's CRM knows them (see `datasetAsSeenBy`). */
  dataset: Dataset;
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: QueryOptions,
  ): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/**
 * A gateway over its own sandbox. `crm` picks the CRM (default: `env.CRM_PROVIDER`, else HubSpot),
 * so a suite about the CRM-neutral schema can run once per entry of `CRMS`.
 */
export async function startTestStack(
  env: Record<string, string> = {},
  options: Pick<StartOptions, 'clock' | 'permissions' | 'providerClock'> & { crm?: CrmName } = {},
): Promise<TestStack> {
  const { crm = (env.CRM_PROVIDER as CrmName | undefined) ?? 'hubspot', ...startOptions } = options;
  const concord = await startTestConcord({ ...env, CRM_PROVIDER: crm }, startOptions);
  const sandbox = concord.connected.sandbox;
  if (!sandbox) throw new Error('test stacks run against the sandbox');
  return {
    gateway: concord.gateway,
    sandbox,
    crm,
    dataset: datasetAsSeenBy(sandbox.dataset, crm),
    query: (query, variables, options) => postQuery(concord.gateway, query, variables, options),
    stop: () => concord.stop(),
  };
}
