import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  WINDOW,
  retryingThroughFailures,
  serverErrors,
  startResilienceStack,
  type ResilienceStack,
} from './support.js';
import { DASHBOARD_QUERY as DASHBOARD } from '../../support/dashboard.js';
import { CRMS } from '../../support/stack.js';

const DEADLINE_MS = 5_000;
const RETRIES = 6;

describe.each(CRMS)('the CRM (%s) failing 30% of its calls', (crm) => {
  let stack: ResilienceStack;

  beforeAll(async () => {
    stack = await startResilienceStack(
      {
        REQUEST_DEADLINE_MS: String(DEADLINE_MS),
        // Six retries make a call fail for good about 0.02% of the time (0.3^7); short waits keep it fast.
        [`${crm.toUpperCase()}_RETRIES`]: String(RETRIES),
        RETRY_BASE_MS: '5',
        RETRY_MAX_MS: '40',
      },
      { crm },
    );
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers every dashboard query in full by retrying', async () => {
    const variables = { first: 25, ...WINDOW };
    const baseline = await stack.query(DASHBOARD, variables);
    expect(baseline.errors).toBeUndefined();
    stack.sandbox.counters.reset();
    const healthy = stack.sandbox.counters.snapshot();
    await stack.query(DASHBOARD, variables);
    const callsPerQuery = stack.sandbox.counters.snapshot().total[crm] - healthy.total[crm];
    expect(callsPerQuery).toBeGreaterThan(0);

    stack.sandbox.knobs.set(crm, { errorRate: 0.3 });
    stack.sandbox.counters.reset();
    const retriesBefore = stack.concord.connected.policies.state(crm).retries;
    const QUERIES = 6;
    for (let i = 0; i < QUERIES; i++) {
      // In full means within the deadline too (past it the answer would carry the deadline's error).
      const res = await stack.query(DASHBOARD, variables);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual(baseline.data);
    }

    const counters = stack.sandbox.counters.snapshot();
    const failed = serverErrors(counters.byStatus[crm]);
    const retries = stack.concord.connected.policies.state(crm).retries - retriesBefore;
    // Every 5xx was retried, and nothing else was: the calls are the healthy ones plus one per failure.
    expect(failed).toBeGreaterThan(0);
    expect(retries).toBe(failed);
    expect(counters.total[crm]).toBe(QUERIES * callsPerQuery + failed);
    expect(stack.concord.connected.policies.state(crm).circuit).toBe('CLOSED');
  });
});

describe.each(CRMS)('every provider (CRM %s) failing 30% of its calls, under concurrent clients', (crm) => {
  let stack: ResilienceStack;
  const PROVIDERS = [crm, 'stripe', 'posthog'] as const;

  beforeAll(async () => {
    // Every answer is whole; the circuit keeps its default settings, which this test is about.
    stack = await startResilienceStack(retryingThroughFailures(PROVIDERS), { crm });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps every circuit closed and answers in full: retries absorb the failures', async () => {
    const CLIENTS = 10;
    const ROUNDS = 3;
    const pages = [10, 25];
    const baselines = new Map<number, unknown>();
    for (const first of pages) {
      const res = await stack.query(DASHBOARD, { first, ...WINDOW });
      expect(res.errors).toBeUndefined();
      baselines.set(first, res.data);
    }

    for (const p of PROVIDERS) stack.sandbox.knobs.set(p, { errorRate: 0.3 });
    stack.sandbox.counters.reset();
    const retriesBefore = PROVIDERS.map((p) => stack.concord.connected.policies.state(p).retries);
    const answers: Array<{ first: number; res: Awaited<ReturnType<ResilienceStack['query']>> }> = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let round = 0; round < ROUNDS; round++) {
          const first = pages[(client + round) % pages.length] as number;
          answers.push({ first, res: await stack.query(DASHBOARD, { first, ...WINDOW }) });
        }
      }),
    );

    expect(answers).toHaveLength(CLIENTS * ROUNDS);
    for (const { first, res } of answers) {
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual(baselines.get(first));
    }
    const counters = stack.sandbox.counters.snapshot();
    PROVIDERS.forEach((p, i) => {
      // Failures happened, were retried, and never opened the circuit.
      expect(serverErrors(counters.byStatus[p])).toBeGreaterThan(0);
      const state = stack.concord.connected.policies.state(p);
      expect(state.retries - (retriesBefore[i] as number)).toBe(serverErrors(counters.byStatus[p]));
      expect(state.circuit).toBe('CLOSED');
      expect(state.rejected.circuitOpen).toBe(0);
    });
  });
});
