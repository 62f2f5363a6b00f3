import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { GraphQLResponse } from './stack.js';

/** One subscription over graphql-ws: what it has received so far, and a way to wait for more. */
export interface TestSubscription<T> {
  received: Array<GraphQLResponse<T>>;
  /** Resolves once `count` results have arrived (rejects after `timeoutMs`). */
  next(count?: number, timeoutMs?: number): Promise<Array<GraphQLResponse<T>>>;
  /** Set when the server ended the operation with errors or closed the socket. */
  failure(): unknown;
  close(): Promise<void>;
}

/**
 * Subscribes over WebSocket to `httpUrl` (the gateway's /graphql, as http://). The token goes in
 * `connection_init`, as browsers cannot set headers on a WebSocket.
 */
export function subscribe<T>(
  httpUrl: string,
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
): TestSubscription<T> {
  const received: Array<GraphQLResponse<T>> = [];
  let failure: unknown;
  const waiters: Array<() => void> = [];
  const notify = (): void => {
    for (const wake of waiters.splice(0)) wake();
  };
  const client: Client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // The `closed` listener records why; the default would print the close event.
    onNonLazyError: () => {},
    on: {
      closed: (event) => {
        const { code, reason } = event as { code?: number; reason?: string };
        failure ??= new Error(`socket closed: ${code} ${reason}`);
        notify();
      },
    },
  });
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        received.push(value as GraphQLResponse<T>);
        notify();
      },
      error: (error) => {
        failure = error;
        notify();
      },
      complete: () => notify(),
    },
  );
  return {
    received,
    failure: () => failure,
    next: async (count = received.length + 1, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (failure !== undefined) {
          const why = failure instanceof Error ? failure.message : JSON.stringify(failure);
          throw new Error(`subscription failed: ${why}`);
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${count} results, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
    close: async () => {
      dispose();
      await client.dispose();
    },
  };
}

/** The gateway's count of open subscription listeners, from its /metrics. */
export async function activeSubscriptions(origin: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const match = /^concord_subscriptions_active (\d+)/m.exec(text);
  if (!match) throw new Error('no concord_subscriptions_active in /metrics');
  return Number(match[1]);
}

/** Waits until `origin` has at least `count` subscriptions listening (so no event published after is missed). */
export async function untilSubscribed(origin: string, count: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const active = await activeSubscriptions(origin);
    if (active >= count) return;
    if (Date.now() > deadline)
      throw new Error(`${origin} has ${active} subscriptions listening, waited for ${count}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
