/**
 * How long one event fanned out to many costly subscriptions stalls the gateway: N subscriptions
 * (one token) of a document near the cost limit, one refund, and /healthz polled from another
 * process until every subscriber has its event. Under 60 s.
 *
 *   node --import tsx bench/subscription-fanout.ts            # N=50, SUBSCRIPTION_EVENT_CONCURRENCY=4
 *   N=50 CONC=1000 node --import tsx bench/subscription-fanout.ts
 */
import { spawnGateway } from '../test/support/spawn-gateway.js';
import { subscribe, untilSubscribed } from '../test/support/subscribe.js';

const N = Number(process.env.N ?? 50);
const concurrency = process.env.CONC ?? '4';
/** Cost 22,000 at n = 70 (under the default 25,000): each event reads a customer's payments twice over. */
const COSTLY = `subscription ($n: Int) { paymentUpdated { id customer { payments(first: $n) { edges { node {
  id amount { formatted } status customer { name payments(first: $n) { edges { node { id amount { formatted } status createdAt } } } }
} } } } } }`;

const gateway = await spawnGateway(
  { SUBSCRIPTION_EVENT_CONCURRENCY: concurrency, SUBSCRIPTIONS_PER_CLIENT: '1000', RATE_LIMIT: 'off' },
  60_000,
);
try {
  const origin = new URL(gateway.url).origin;
  const token = gateway.token as string;
  const post = async (query: string, variables: Record<string, unknown> = {}) =>
    (await (
      await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      })
    ).json()) as { data: Record<string, unknown> };
  const subs = Array.from({ length: N }, () => subscribe<unknown>(gateway.url, COSTLY, { n: 70 }, token));
  await untilSubscribed(origin, N, 30_000);
  const page = await post(
    '{ payments(first: 50) { edges { node { id status amountRefunded { amount } amount { currency } } } } }',
  );
  type Row = { id: string; status: string; amountRefunded: { amount: string }; amount: { currency: string } };
  const rows = (page.data.payments as { edges: Array<{ node: Row }> }).edges.map((e) => e.node);
  const payment = rows.find(
    (p) => p.status === 'SUCCEEDED' && p.amountRefunded.amount === '0.00' && p.amount.currency === 'USD',
  );
  if (!payment) throw new Error('no refundable payment on the first page');
  let worstMs = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const started = performance.now();
      await fetch(`${origin}/healthz`);
      worstMs = Math.max(worstMs, performance.now() - started);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const started = performance.now();
  await post('mutation ($i: RefundPaymentInput!) { refundPayment(input: $i) { payment { id } } }', {
    i: { paymentId: payment.id, amount: { amount: '1.00', currency: 'USD' } },
  });
  await Promise.all(subs.map((s) => s.next(1, 60_000)));
  const allMs = performance.now() - started;
  polling = false;
  await poller;
  const bytes = subs.reduce((n, s) => n + JSON.stringify(s.received[0]).length, 0);
  console.log(
    JSON.stringify({
      subscriptions: N,
      concurrency,
      eventToAllMs: Math.round(allMs),
      healthzWorstMs: Math.round(worstMs),
      bytes,
    }),
  );
  await Promise.all(subs.map((s) => s.close()));
} finally {
  await gateway.stop();
}
