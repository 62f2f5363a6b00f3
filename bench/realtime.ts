/**
 * How long a subscriber waits for a change: from a refund's answer (through replica B) to the
 * paymentUpdated event on replica A, via the sandbox's signed webhook to B and Redis pub/sub.
 * Two Concord processes, one real Redis, the sandbox in this process. Run: `npm run bench:realtime [refunds]`.
 */
import { startSandbox } from '../sandbox/index.js';
import { toGlobalId } from '../src/relay/global-ids.js';
import { PACKAGE_ROOT } from '../src/runtime/package-root.js';
import { liveEnv, query, spawnReplica, terminate } from '../test/integration/deploy/support.js';
import { startTestRedis } from '../test/support/redis.js';
import { activeSubscriptions, subscribe, untilSubscribed } from '../test/support/subscribe.js';
import { signTestToken } from '../test/support/tokens.js';

const REFUNDS = Number(process.argv[2] ?? 50);
/** The goal (issue 14; once a test's ceiling): every event within a second of the write's answer. */
const GOAL_MS = 1_000;
const STRIPE_SECRET = 'whsec_bench_realtime_secret';

const redis = await startTestRedis();
const sandbox = await startSandbox({ seed: 7 });
const env = {
  ...liveEnv(sandbox),
  LOG_LEVEL: 'warn',
  REDIS_URL: redis.url,
  STRIPE_WEBHOOK_SECRETS: STRIPE_SECRET,
  RATE_LIMIT: 'off',
};
const args = ['--import', 'tsx', 'src/main.ts'];
const [a, b] = await Promise.all([
  spawnReplica(args, env, PACKAGE_ROOT),
  spawnReplica(args, env, PACKAGE_ROOT),
]);
try {
  sandbox.webhooks.configure({ url: b.origin, stripeSecret: STRIPE_SECRET });
  const token = await signTestToken({ sub: 'bench-realtime', expiresInS: 3600 });
  const charges = sandbox.dataset.charges
    .filter(
      (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.currency === 'usd' && c.amount >= 100,
    )
    .slice(0, REFUNDS);
  const latencies: number[] = [];
  for (const charge of charges) {
    const id = toGlobalId('Payment', charge.stripeId);
    const sub = subscribe<{ paymentUpdated: { status: string } }>(
      `${a.origin}/graphql`,
      'subscription ($id: ID!) { paymentUpdated(id: $id) { status amountRefunded { amount } } }',
      { id },
      token,
    );
    await untilSubscribed(a.origin, 1);
    const answer = await query(
      b.origin,
      token,
      'mutation ($input: RefundPaymentInput!) { refundPayment(input: $input) { userErrors { code } } }',
      { input: { paymentId: id, amount: { amount: '1.00', currency: 'USD' } } },
    );
    const answeredAt = performance.now();
    if (answer.body.errors) throw new Error(JSON.stringify(answer.body.errors));
    await sub.next(1, 5_000);
    latencies.push(performance.now() - answeredAt);
    await sub.close();
    // The next round counts on one listener: wait until this one has gone.
    while ((await activeSubscriptions(a.origin)) > 0) await new Promise((r) => setTimeout(r, 10));
  }
  latencies.sort((x, y) => x - y);
  const at = (q: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN) * 10) /
    10;
  console.log(
    JSON.stringify({
      refunds: latencies.length,
      eventAfterAnswerMs: { p50: at(0.5), p95: at(0.95), max: at(1) },
      goal: `every event < ${GOAL_MS} ms: ${at(1) < GOAL_MS ? 'met' : 'not met'}`,
    }),
  );
} finally {
  await Promise.all([terminate(a), terminate(b)]);
  await sandbox.stop();
  await redis.stop();
}
