import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WINDOW, serverErrors, startResilienceStack, type ResilienceStack } from './support.js';
import { DASHBOARD_QUERY as DASHBOARD } from '../../support/dashboard.js';

const DEADLINE_MS = 5_000;
const RETRIES = 6;

describe('a provider failing 30% of its calls', () => {
  let stack: ResilienceStack;

  beforeAll(async () => {
    stack = await startResilienceStack({
      REQUEST_DEADLINE_MS: String(DEADLINE_MS),
      // Six retries make a call fail for good about 0.02% of the time (0.3^7); short waits keep it fast.
      HUBSPOT_RETRIES: String(RETRIES),
      RETRY_BASE_MS: '5',
      RETRY_MAX_MS: '40',
      // A run of failures in a row is likely at 30%; the circuit is not what this test is about.
      HUBSPOT_CIRCUIT_FAILURES: '50',
    });
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
    const callsPerQuery = stack.sandbox.counters.snapshot().total.hubspot - healthy.total.hubspot;
    expect(callsPerQuery).toBeGreaterThan(0);

    stack.sandbox.knobs.set('hubspot', { errorRate: 0.3 });
    stack.sandbox.counters.reset();
    const retriesBefore = stack.concord.connected.policies.state('hubspot').retries;
    const QUERIES = 6;
    for (let i = 0; i < QUERIES; i++) {
      // In full means within the deadline too (past it the answer would carry the deadline's error).
      const res = await stack.query(DASHBOARD, variables);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual(baseline.data);
    }

    const counters = stack.sandbox.counters.snapshot();
    const failed = serverErrors(counters.byStatus.hubspot);
    const retries = stack.concord.connected.policies.state('hubspot').retries - retriesBefore;
    // Every 5xx was retried, and nothing else was: the calls are the healthy ones plus one per failure.
    expect(failed).toBeGreaterThan(0);
    expect(retries).toBe(failed);
    expect(counters.total.hubspot).toBe(QUERIES * callsPerQuery + failed);
    expect(stack.concord.connected.policies.state('hubspot').circuit).toBe('CLOSED');
  });
});
