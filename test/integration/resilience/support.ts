import type { RunningSandbox } from '../../../sandbox/index.js';
import type { Concord } from '../../../src/app.js';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import {
  TEST_ANCHOR,
  postQuery,
  startTestConcord,
  type CrmName,
  type GraphQLResponse,
} from '../../support/stack.js';

const DAY = 86_400_000;
export const UNTIL = new Date(Date.parse(TEST_ANCHOR));
export const SINCE = new Date(UNTIL.getTime() - 30 * DAY);
export const WINDOW = { since: SINCE.toISOString(), until: UNTIL.toISOString() };

/**
 * Resilience stacks run without the response cache: every query must reach the providers, so the
 * sandbox counters show exactly what the transport policies did.
 */
export const NO_CACHE = { CACHE: 'false' } as const;

/** A gateway plus its sandbox and the providers' policy state, with a timed query. */
export interface ResilienceStack {
  concord: Concord;
  /** The CRM this stack's gateway uses (`CRM_PROVIDER`). */
  crm: CrmName;
  sandbox: RunningSandbox;
  query<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  timed<T>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ res: GraphQLResponse<T>; ms: number }>;
  circuits(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/** `crm` picks the CRM (default HubSpot), so a suite can run once per entry of `CRMS`. */
export async function startResilienceStack(
  env: Record<string, string>,
  { crm = 'hubspot' }: { crm?: CrmName } = {},
): Promise<ResilienceStack> {
  const concord = await startTestConcord({ ...NO_CACHE, ...env, CRM_PROVIDER: crm });
  const sandbox = concord.connected.sandbox;
  if (!sandbox) throw new Error('resilience tests run against the sandbox');
  const query = <T>(q: string, variables?: Record<string, unknown>) =>
    postQuery<T>(concord.gateway, q, variables);
  return {
    concord,
    crm,
    sandbox,
    query,
    timed: async <T>(q: string, variables?: Record<string, unknown>) => {
      const started = performance.now();
      const res = await query<T>(q, variables);
      return { res, ms: performance.now() - started };
    },
    circuits: async () => {
      const res = await query<{ providers: Array<{ name: string; circuit: string }> }>(
        '{ providers { name circuit } }',
      );
      return Object.fromEntries((res.data?.providers ?? []).map((p) => [p.name, p.circuit]));
    },
    stop: async () => {
      sandbox.knobs.reset();
      await concord.stop();
    },
  };
}

/**
 * Settings under which every call to `providers` that fails 30% of the time still succeeds: ten
 * retries leave one failing for good about twice in a million (0.3^11), with short waits, inside a
 * generous deadline (the point is what retries do, not how fast a loaded machine answers).
 */
export function retryingThroughFailures(providers: readonly string[]): Record<string, string> {
  return {
    REQUEST_DEADLINE_MS: '30000',
    ...Object.fromEntries(providers.map((p) => [`${p.toUpperCase()}_RETRIES`, '10'])),
    RETRY_BASE_MS: '5',
    RETRY_MAX_MS: '40',
  };
}

/** Sum of a provider's answers with a status of 500 or more. */
export function serverErrors(byStatus: Record<string, number>): number {
  return Object.entries(byStatus)
    .filter(([status]) => Number(status) >= 500)
    .reduce((sum, [, n]) => sum + n, 0);
}

export type ErrorList = NonNullable<GraphQLResponse['errors']>;

/** The distinct `code/provider` pairs of a response's errors. */
export function errorKinds(errors: ErrorList | undefined): string[] {
  return [
    ...new Set((errors ?? []).map((e) => `${String(e.extensions?.code)}/${String(e.extensions?.provider)}`)),
  ];
}

/** A CRM list beside a Payment read from Stripe alone: what stays answered when only the CRM fails. */
export const CUSTOMERS_AND_PAYMENT = /* GraphQL */ `
  query CustomersAndPayment($payment: ID!) {
    customers(first: 3) {
      edges {
        node {
          name
        }
      }
    }
    node(id: $payment) {
      ... on Payment {
        id
        status
      }
    }
  }
`;

export type CustomersAndPayment = {
  customers: { edges: Array<{ node: { name: string | null } }> } | null;
  node: { id: string; status: string } | null;
};

/** The variables of CUSTOMERS_AND_PAYMENT: the sandbox's first charge. */
export function paymentVariables(sandbox: RunningSandbox): { payment: string } {
  const charge = sandbox.dataset.charges[0];
  if (!charge) throw new Error('the data set has no charges');
  return { payment: toGlobalId('Payment', charge.stripeId) };
}
