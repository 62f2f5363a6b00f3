import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  runScenario,
  takeBaselines,
  type RunContext,
  type ScenarioResult,
} from '../../../bench/chaos/execute.js';
import { SCENARIOS } from '../../../bench/chaos/scenarios.js';
import { startRedisProcess, startSandboxProcess } from '../../../bench/chaos/stack.js';
import { buildPlan } from '../../../bench/chaos/workload.js';
import { stopAll } from '../../../bench/processes.js';
import { generateDataset } from '../../../sandbox/data/generate.js';
import { NAMED_SIZES } from '../../../sandbox/data/sizes.js';
import { TEST_ANCHOR, TEST_SEED } from '../../support/stack.js';

/**
 * The chaos suite, short (`npm run chaos` is the long one, with the numbers): Concord, Redis and
 * the sandbox as processes, a few clients on the mixed read/write load for a few seconds per fault.
 * Behaviour only, no timings: the process stays up, nothing is written twice or left half-made,
 * and a failing provider's fields are null with its code while the rest of the answer is intact.
 */

const SETTINGS = { durationMs: 3_000, maxRequests: 300, clients: 5, seed: 7 };
const byKey = (key: string) => {
  const def = SCENARIOS.find((s) => s.key === key);
  if (!def) throw new Error(`no scenario ${key}`);
  return def;
};

function expectNothingBroken(r: ScenarioResult): void {
  expect({ exit: r.process.exit, tail: r.process.exit ? r.process.tail : '' }).toEqual({
    exit: null,
    tail: '',
  });
  expect(r.settled).toBe(true);
  expect(r.writes.problems).toEqual([]);
  expect(r.writes.duplicated).toBe(0);
  expect(r.writes.halfMade).toBe(0);
  expect(r.writes.attempted).toBeGreaterThan(0);
}

describe('chaos, short', () => {
  let ctx: RunContext;

  beforeAll(async () => {
    const anchor = Date.parse(TEST_ANCHOR);
    const size = 'demo' as const;
    const dataset = generateDataset({ seed: TEST_SEED, sizes: NAMED_SIZES[size], anchor });
    const sandbox = await startSandboxProcess({ seed: TEST_SEED, size, anchor });
    const redis = await startRedisProcess();
    const plan = await buildPlan(dataset, SETTINGS.clients);
    ctx = { sandbox, redis, plan, baselines: await takeBaselines(sandbox, redis, plan), runTag: 'test' };
  }, 120_000);

  afterAll(async () => {
    await stopAll();
    await ctx?.redis.stop();
  });

  it('Stripe down: every read answered, payment fields null with PROVIDER_UNAVAILABLE, the rest as when healthy', async () => {
    const r = await runScenario(byKey('outage-stripe'), ctx, SETTINGS);
    expectNothingBroken(r);
    expect(r.reads.sent).toBeGreaterThan(0);
    expect(r.reads.failed).toBe(0);
    const kinds = new Set([...Object.keys(r.codes.partial), ...Object.keys(r.codes.failed)]);
    expect([...kinds]).toEqual(['PROVIDER_UNAVAILABLE/stripe']);
    expect(r.requests.partial).toBeGreaterThan(0);
    expect(r.requests.compared).toBeGreaterThan(0);
    expect(r.differences).toEqual([]);
  }, 120_000);

  it('every provider failing 30% of calls: every error names its provider and code, the rest intact', async () => {
    const r = await runScenario(byKey('5xx-all'), ctx, SETTINGS);
    expectNothingBroken(r);
    expect(r.requests.uncoded).toBe(0);
    expect(
      Object.keys(r.codes.failed).filter((k) => k.startsWith('transport/') || k.startsWith('http/')),
    ).toEqual([]);
    expect(r.differences).toEqual([]);
  }, 120_000);

  it('Redis killed and restarted mid-run: the process stays up and no read fails', async () => {
    const r = await runScenario(byKey('redis-kill'), ctx, SETTINGS);
    expectNothingBroken(r);
    expect(r.reads.failed).toBe(0);
    expect(r.redis?.ledgerReplay).toBe('ok');
  }, 120_000);
});
