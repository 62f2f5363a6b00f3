import { afterEach, describe, expect, it } from '@jest/globals';
import { DASHBOARD_QUERY } from '../../support/dashboard.js';
import { spawnGateway, type SpawnedGateway } from '../../support/spawn-gateway.js';
import { CRMS } from '../../support/stack.js';
import { WINDOW } from './support.js';

/**
 * The real process (`npm start`'s entry), not a gateway inside Jest: what matters here is whether
 * the process lives, which only a process of its own can show.
 */

interface Answer {
  data?: unknown;
  errors?: Array<{ extensions?: { code?: string; provider?: string } }>;
}

async function post(gateway: SpawnedGateway, query: string, variables?: object): Promise<Answer> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token ?? ''}` },
    body: JSON.stringify({ query, variables }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

async function unhandledRejections(gateway: SpawnedGateway): Promise<number> {
  const text = await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text();
  const line = /^concord_unhandled_rejections_total (\d+)$/m.exec(text);
  if (!line) throw new Error('concord_unhandled_rejections_total is missing from /metrics');
  return Number(line[1]);
}

const errorKinds = (answer: Answer) => [
  ...new Set((answer.errors ?? []).map((e) => `${e.extensions?.code}/${e.extensions?.provider}`)),
];

/** Each test starts a process of its own (sandbox data and all), which on a loaded machine takes a while. */
const SPAWNED_TEST_TIMEOUT_MS = 90_000;

describe('the gateway process under failing providers', () => {
  let gateway: SpawnedGateway | undefined;

  afterEach(async () => {
    const code = await gateway?.stop();
    gateway = undefined;
    expect(code).toBe(0);
  }, SPAWNED_TEST_TIMEOUT_MS);

  it(
    'logs and counts an unhandled rejection as a bug, and keeps running',
    async () => {
      gateway = await spawnGateway({ LOG_LEVEL: 'error' }, 30_000, ['./test/support/reject-on-signal.ts']);
      expect(await unhandledRejections(gateway)).toBe(0);
      gateway.child.kill('SIGUSR2');
      const logged = /"level":50[^\n]*BUG: unhandled promise rejection/;
      while (!logged.test(gateway.output())) await new Promise((r) => setTimeout(r, 20));
      expect(gateway.output()).toMatch(/deliberately unhandled/);
      expect(gateway.child.exitCode).toBeNull();
      expect(await unhandledRejections(gateway)).toBe(1);
      expect(await post(gateway, '{ providers { name } }')).toEqual({
        data: { providers: [{ name: 'hubspot' }, { name: 'stripe' }, { name: 'posthog' }] },
      });
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );

  it.each(CRMS)(
    'answers overlapping dashboards from concurrent clients (CRM %s) with PROVIDER_UNAVAILABLE while Stripe is down, with no unhandled rejection',
    async (crm) => {
      // Clients ask for overlapping pages, so one request's Stripe batch joins ids another is
      // already fetching while fetching others itself: the case that used to end the process.
      gateway = await spawnGateway({
        CRM_PROVIDER: crm,
        SANDBOX_ANCHOR: '2026-11-24',
        SANDBOX_STRIPE_OUTAGE: 'true',
        RATE_LIMIT: 'off',
        LOG_LEVEL: 'error',
      });
      const CLIENTS = 10;
      const ROUNDS = 6;
      const answers: Answer[] = [];
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, client) => {
          for (let round = 0; round < ROUNDS; round++) {
            const first = 10 + ((client * 7 + round * 13) % 41);
            answers.push(await post(gateway as SpawnedGateway, DASHBOARD_QUERY, { first, ...WINDOW }));
          }
        }),
      );
      expect(answers).toHaveLength(CLIENTS * ROUNDS);
      for (const answer of answers) expect(errorKinds(answer)).toEqual(['PROVIDER_UNAVAILABLE/stripe']);
      expect(gateway.child.exitCode).toBeNull();
      expect(await unhandledRejections(gateway)).toBe(0);
      expect(gateway.output()).not.toMatch(/unhandled/i);
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );

  it(
    'drains on SIGTERM with a slow provider and overlapping requests in flight, and exits 0 with no unhandled rejection',
    async () => {
      // A short grace cuts requests still waiting on Stripe: their provider calls end mid-batch.
      const draining = (gateway = await spawnGateway({
        SANDBOX_ANCHOR: '2026-11-24',
        SANDBOX_STRIPE_LATENCY_MS: '2000',
        SHUTDOWN_GRACE_MS: '300',
        RATE_LIMIT: 'off',
        LOG_LEVEL: 'error',
      }));
      const inFlight = Array.from({ length: 10 }, (_, client) =>
        fetch(draining.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${draining.token ?? ''}` },
          body: JSON.stringify({ query: DASHBOARD_QUERY, variables: { first: 10 + client * 4, ...WINDOW } }),
        }).then(
          (res) => res.status,
          () => 'cut',
        ),
      );
      // Signalled once Stripe (2 s a call) has answered a first call: the next ones are in flight then.
      const stripe = /Stripe (http:\/\/\S+)/.exec(draining.output())?.[1];
      if (!stripe) throw new Error('the gateway did not print the sandbox Stripe URL');
      const stripeAnswered = async () => {
        const counters = (await (await fetch(`${stripe}/__sandbox/counters`)).json()) as {
          total: { stripe: number };
        };
        return counters.total.stripe > 0;
      };
      while (!(await stripeAnswered())) await new Promise((r) => setTimeout(r, 50));
      expect(await draining.stop()).toBe(0);
      await Promise.all(inFlight);
      expect(draining.output()).not.toMatch(/unhandled/i);
    },
    SPAWNED_TEST_TIMEOUT_MS,
  );
});
