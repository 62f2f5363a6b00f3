import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSandbox, type RunningSandbox } from '../../../sandbox/index.js';
import { PACKAGE_ROOT } from '../../../src/runtime/package-root.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { TEST_ANCHOR, TEST_SEED } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';
import { liveEnv, query, spawnReplica, terminate, type Replica } from './support.js';

/** Low enough to reach in a test; per client, so each test uses its own subject. */
const RATE_LIMIT = 4;
/** Upstream latency during the burst, so every request is still in flight when SIGTERM lands. */
const BURST_LATENCY_MS = 800;
const BURST = 12;
/** A's unready-but-serving time after SIGTERM: long enough to see /readyz answer 503. */
const SHUTDOWN_DELAY_MS = 600;

const COMPANIES = 'query ($n: Int!) { companies(first: $n) { edges { node { name } } } }';
type Companies = { companies: { edges: Array<{ node: { name: string } }> } };

describe('two replicas behind one Redis and one set of providers', () => {
  let redis: TestRedis;
  let sandbox: RunningSandbox;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startSandbox({ seed: TEST_SEED, anchor: Date.parse(TEST_ANCHOR) });
    const env = {
      ...liveEnv(sandbox),
      REDIS_URL: redis.url,
      RATE_LIMIT: `${RATE_LIMIT}/60s`,
      SHUTDOWN_GRACE_MS: '10000',
    };
    const args = ['--import', 'tsx', 'src/main.ts'];
    [a, b] = await Promise.all([
      spawnReplica(args, { ...env, SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS) }, PACKAGE_ROOT),
      spawnReplica(args, env, PACKAGE_ROOT),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map((replica) => terminate(replica)));
    await sandbox?.stop();
    await redis?.stop();
  });

  it('serves an entry cached through A from B without calling the provider', async () => {
    expect(a.origin).not.toBe(b.origin);
    const token = await signTestToken({ sub: 'cache-reader' });
    const first = await query<Companies>(a.origin, token, COMPANIES, { n: 3 });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data?.companies.edges.map((e) => e.node.name)).toEqual(
      sandbox.dataset.companies.slice(0, 3).map((c) => c.name),
    );
    expect(sandbox.counters.snapshot().total.hubspot).toBeGreaterThan(0);

    sandbox.counters.reset();
    const second = await query<Companies>(b.origin, token, COMPANIES, { n: 3 });
    expect(second.body).toEqual(first.body);
    expect(sandbox.counters.snapshot().total).toEqual({ hubspot: 0, stripe: 0, posthog: 0, salesforce: 0 });
  });

  it("holds one client's rate limit across both replicas", async () => {
    const token = await signTestToken({ sub: 'rate-limited-client' });
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT; i++) {
      statuses.push((await query(i % 2 === 0 ? a.origin : b.origin, token, '{ providers { name } }')).status);
    }
    expect(statuses).toEqual(Array.from({ length: RATE_LIMIT }, () => 200));
    for (const origin of [a.origin, b.origin]) {
      const over = await query(origin, token, '{ providers { name } }');
      expect(over.status).toBe(429);
      expect(over.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    }
  });

  it('drains a burst in flight on SIGTERM: no failed request, unready meanwhile, exit 0', async () => {
    sandbox.knobs.set('hubspot', { latencyMs: BURST_LATENCY_MS });
    // One subject per request, so the burst is not the rate limit's business; distinct page sizes
    // (not cached yet) so each one waits on the slow provider.
    const tokens = await Promise.all(
      Array.from({ length: BURST }, (_, i) => signTestToken({ sub: `burst-${i}` })),
    );
    const started = Date.now();
    const burst = tokens.map((token, i) => query<Companies>(a.origin, token, COMPANIES, { n: 10 + i }));
    await new Promise((r) => setTimeout(r, BURST_LATENCY_MS / 4));
    expect(a.child.kill('SIGTERM')).toBe(true);
    await new Promise((r) => setTimeout(r, SHUTDOWN_DELAY_MS / 3));
    const readyz = await fetch(`${a.origin}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({ status: 'draining' });

    const answers = await Promise.all(burst);
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.companies.edges).toHaveLength(10 + i);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(BURST_LATENCY_MS);
    expect(await a.exited).toBe(0);
    expect(a.output()).toContain('drained and closed');
    // B is untouched and still answers.
    const fromB = await query<Companies>(b.origin, tokens[0] ?? '', COMPANIES, { n: 2 });
    expect(fromB.status).toBe(200);
  });
});
