import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { toGlobalId } from '../../../src/relay/global-ids.js';
import { startTestStack, type TestStack } from '../../support/stack.js';
import {
  activeSubscriptions,
  subscribe,
  untilSubscribed,
  type TestSubscription,
} from '../../support/subscribe.js';
import { signTestToken } from '../../support/tokens.js';

/**
 * The WebSocket endpoint as an attacker meets it: before authentication (message size, silence,
 * dead peers) and after (costly documents, thousands of subscriptions, one event fanned out).
 */

const PAYMENT_UPDATED = `subscription ($id: ID) { paymentUpdated(id: $id) { id status } }`;
/** Each event would read 2 × n payments of n customers: the cost depends on the variable. */
const COSTLY = `subscription ($n: Int) {
  paymentUpdated {
    customer { payments(first: $n) { edges { node { customer { payments(first: $n) { edges { node { id } } } } } } } }
  }
}`;
const REFUND = `mutation ($input: RefundPaymentInput!) { refundPayment(input: $input) { payment { id } } }`;

const PER_CLIENT = 3;
/** Long enough that a loaded machine still delivers the big frames below before it. */
const INIT_TIMEOUT_MS = 2_000;
const KEEPALIVE_MS = 1_000;

/** A raw graphql-ws socket, for what the protocol client would never send. */
async function rawSocket(httpUrl: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', options);
  // The server may cut a socket mid-write (that is the point); the close code says why.
  socket.on('error', () => {});
  await once(socket, 'open');
  return socket;
}

async function closeCodeOf(socket: WebSocket): Promise<number> {
  if (socket.readyState === WebSocket.CLOSED) throw new Error('already closed');
  const [code] = (await once(socket, 'close')) as [number];
  return code;
}

describe('the WebSocket endpoint under abuse', () => {
  let stack: TestStack;
  let origin: string;
  let token: string;
  const open: Array<TestSubscription<unknown>> = [];
  const track = <T>(s: TestSubscription<T>): TestSubscription<T> => {
    open.push(s as TestSubscription<unknown>);
    return s;
  };

  beforeAll(async () => {
    stack = await startTestStack({
      CACHE: 'true',
      SUBSCRIPTIONS_PER_CLIENT: String(PER_CLIENT),
      SUBSCRIPTION_EVENT_CONCURRENCY: '1',
      WS_INIT_TIMEOUT_MS: String(INIT_TIMEOUT_MS),
      WS_KEEPALIVE_MS: String(KEEPALIVE_MS),
    });
    origin = new URL(stack.gateway.url).origin;
    token = await signTestToken({ expiresInS: 3600 });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await stack?.stop();
  });

  const stillAnswers = async (): Promise<void> => {
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const answer = await stack.query<{ providers: unknown[] }>('{ providers { name } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.providers).toHaveLength(3);
  };

  it('refuses a message larger than MAX_BODY_BYTES before connection_init, from its header (1009)', async () => {
    const sockets = await Promise.all([1, 2, 3, 4].map(() => rawSocket(stack.gateway.url)));
    const closed = sockets.map((s) => closeCodeOf(s));
    // 1 MB each, ten times the limit (the attack sent 90 MB): refused once the header announces the length.
    for (const socket of sockets) socket.send(Buffer.alloc(1024 * 1024, 0x7b));
    expect(await Promise.all(closed)).toEqual([1009, 1009, 1009, 1009]);
    await stillAnswers();
  });

  it('closes a socket that sends no connection_init within WS_INIT_TIMEOUT_MS (4408)', async () => {
    const silent = await rawSocket(stack.gateway.url);
    expect(await closeCodeOf(silent)).toBe(4408);
    await stillAnswers();
  });

  it('cuts a socket that stops answering pings', async () => {
    // Authenticated and acknowledged, so only the keepalive can end it.
    const deaf = await rawSocket(stack.gateway.url, { autoPong: false });
    const acked = once(deaf, 'message');
    deaf.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    expect(JSON.parse(String((await acked)[0]))).toEqual({ type: 'connection_ack' });
    // terminate(): no close frame reaches the client, which sees an abnormal closure.
    expect(await closeCodeOf(deaf)).toBe(1006);
  });

  it('applies the HTTP cost limit to subscriptions, with their variables', async () => {
    const costly = track(subscribe<unknown>(stack.gateway.url, COSTLY, { n: 100 }, token));
    await expect(costly.next(1, 5_000)).rejects.toThrow(/Query cost limit of 25000 exceeded/);
    expect(JSON.stringify(costly.failure())).toContain('"limit":"cost"');
    // The same document with a small page is within the limit and listens.
    const before = await activeSubscriptions(origin);
    const cheap = track(subscribe<unknown>(stack.gateway.url, COSTLY, { n: 2 }, token));
    await untilSubscribed(origin, before + 1);
    expect(cheap.failure()).toBeUndefined();
    await cheap.close();
  });

  it('caps one client’s subscriptions across its connections, and lets others subscribe', async () => {
    const greedy = await signTestToken({ sub: 'greedy-client', expiresInS: 3600 });
    const before = await activeSubscriptions(origin);
    // One connection each: the cap is per client, not per connection.
    const held = Array.from({ length: PER_CLIENT }, () =>
      track(subscribe<unknown>(stack.gateway.url, PAYMENT_UPDATED, {}, greedy)),
    );
    await untilSubscribed(origin, before + PER_CLIENT);
    const over = track(subscribe<unknown>(stack.gateway.url, PAYMENT_UPDATED, {}, greedy));
    await expect(over.next(1, 5_000)).rejects.toThrow(/At most 3 subscriptions per client/);
    expect(JSON.stringify(over.failure())).toContain('"code":"RATE_LIMITED"');
    expect(await activeSubscriptions(origin)).toBe(before + PER_CLIENT);

    // Another client is not affected.
    const other = track(subscribe<unknown>(stack.gateway.url, PAYMENT_UPDATED, {}, token));
    await untilSubscribed(origin, before + PER_CLIENT + 1);
    expect(other.failure()).toBeUndefined();

    // Ending one gives the place back.
    await held[0]?.close();
    const deadline = Date.now() + 5_000;
    while ((await activeSubscriptions(origin)) > before + PER_CLIENT && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const again = track(subscribe<unknown>(stack.gateway.url, PAYMENT_UPDATED, {}, greedy));
    await untilSubscribed(origin, before + PER_CLIENT + 1);
    expect(again.failure()).toBeUndefined();
    await Promise.all([...held, again, other].map((s) => s.close()));
  });

  it('resolves an event for every subscriber, one at a time (SUBSCRIPTION_EVENT_CONCURRENCY=1)', async () => {
    const charge = stack.sandbox.dataset.charges.find(
      (c) => c.status === 'succeeded' && c.amountRefunded === 0 && c.currency === 'usd',
    );
    const id = toGlobalId('Payment', charge?.stripeId as string);
    const before = await activeSubscriptions(origin);
    // Three clients, so the per-client cap is not what is tested here.
    const subs = await Promise.all(
      ['fan-1', 'fan-2', 'fan-3'].map(async (sub) =>
        track(
          subscribe<{ paymentUpdated: { id: string } }>(
            stack.gateway.url,
            PAYMENT_UPDATED,
            { id },
            await signTestToken({ sub }),
          ),
        ),
      ),
    );
    await untilSubscribed(origin, before + subs.length);
    const refunded = await stack.query(REFUND, {
      input: { paymentId: id, amount: { amount: '1.00', currency: 'USD' } },
    });
    expect(refunded.errors).toBeUndefined();
    for (const sub of subs) {
      const [event] = await sub.next(1, 10_000);
      expect(event?.data?.paymentUpdated.id).toBe(id);
    }
    await stillAnswers();
  });
});
