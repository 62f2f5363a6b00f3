import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  runScenario,
  takeBaselines,
  type RunContext,
  type ScenarioResult,
} from '../../../bench/chaos/execute.js';
import { auditWrites } from '../../../bench/chaos/audit.js';
import { SCENARIOS } from '../../../bench/chaos/scenarios.js';
import { startConcord, startRedisProcess, startSandboxProcess } from '../../../bench/chaos/stack.js';
import { buildPlan, send, type WriteRecord } from '../../../bench/chaos/workload.js';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../../sandbox/context.js';
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

  it('Redis killed and restarted mid-run: the process stays up, no read fails, writes are only refused', async () => {
    const r = await runScenario(byKey('redis-kill'), ctx, SETTINGS);
    expectNothingBroken(r);
    expect(r.reads.failed).toBe(0);
    // Fail closed: a write the ledger cannot record is refused whole; no write fails otherwise.
    expect(r.writesTally.failed).toBe(r.writesTally.refused);
    expect(r.redis?.ledgerReplay).toBe('ok');
  }, 120_000);

  it('a createCustomer whose CRM answer was lost is made once when the client retries it', async () => {
    // Attempts give up after 300 ms; the slowed CRM still creates the contact a second in.
    const concord = await startConcord(ctx.sandbox, ctx.redis.url, { PROVIDER_TIMEOUT_MS: '300' });
    const email = 'lost-answer@chaos.example.com';
    const mutation = `mutation ($input: CreateCustomerInput!) {
      createCustomer(input: $input) { customer { id email } userErrors { code } }
    }`;
    const input = { clientMutationId: 'lost-answer', email, firstName: 'Lost', lastName: 'Answer' };
    const token = ctx.plan.tokens[0] ?? '';
    type Payload = { customer: { id: string; email: string } | null; userErrors: Array<{ code: string }> };
    const payloadOf = (body: unknown) =>
      (body as { data?: { createCustomer?: Payload } | null } | null)?.data?.createCustomer ?? null;
    try {
      await ctx.sandbox.setKnobs('hubspot', { latencyMs: 1_000 });
      const lost = await send(concord.url, token, mutation, { input });
      expect(payloadOf(lost.body)?.customer ?? null).toBeNull();
      await ctx.sandbox.resetKnobs();
      const contactId = await contactWithEmail(ctx.sandbox.urls.hubspot, email);

      const retried = payloadOf((await send(concord.url, token, mutation, { input })).body);
      expect(retried?.userErrors).toEqual([]);
      expect(retried?.customer?.email).toBe(email);
      expect(Buffer.from(retried?.customer?.id ?? '', 'base64url').toString()).toContain(contactId);
      const write: WriteRecord = {
        kind: 'createCustomer',
        cmid: input.clientMutationId,
        email,
        acknowledged: true,
        attempts: 2,
        last: 'ok',
      };
      const audit = await auditWrites(ctx.sandbox, [write]);
      expect(audit.problems).toEqual([]);
    } finally {
      await ctx.sandbox.resetKnobs();
      await concord.stop();
    }
  }, 120_000);
});

/** The id of the CRM contact holding `email`, asked until the twin has made it (it finishes requests its client gave up on). */
async function contactWithEmail(hubspotUrl: string, email: string): Promise<string> {
  for (;;) {
    const res = await fetch(
      `${hubspotUrl}/crm/v3/objects/contacts/${encodeURIComponent(email)}?idProperty=email`,
      { headers: { authorization: `Bearer ${DEFAULT_SANDBOX_CREDENTIALS.hubspotAccessToken}` } },
    );
    if (res.ok) return ((await res.json()) as { id: string }).id;
    await res.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
