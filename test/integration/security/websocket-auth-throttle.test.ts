import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../../support/stack.js';
import { signTestToken } from '../../support/tokens.js';

/** Guessing credentials over WebSocket draws on the same per-address budget as over HTTP. */

const LIMIT = 3;

/** Opens a graphql-ws socket, sends `connection_init` with `authorization`, and says how it ended. */
async function connect(url: string, authorization: string): Promise<'ack' | number> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  socket.on('error', () => {});
  await once(socket, 'open');
  const outcome = new Promise<'ack' | number>((resolve) => {
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') resolve('ack');
    });
    socket.on('close', (code: number) => resolve(code));
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
  const result = await outcome;
  socket.close();
  return result;
}

describe('failed WebSocket authentication', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ AUTH_FAILURE_LIMIT: `${LIMIT}/60s` });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('is refused (4403) until the address has used its budget, then told to wait (4429); good credentials still connect', async () => {
    const codes: Array<'ack' | number> = [];
    for (let i = 0; i < LIMIT + 2; i++) codes.push(await connect(stack.gateway.url, 'Bearer not-a-token'));
    expect(codes).toEqual([4403, 4403, 4403, 4429, 4429]);
    const token = await signTestToken({ expiresInS: 600 });
    expect(await connect(stack.gateway.url, `Bearer ${token}`)).toBe('ack');
    // The same budget as HTTP: the next wrong guess over HTTP is a 429 too.
    const res = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
      body: JSON.stringify({ query: '{ providers { name } }' }),
    });
    expect(res.status).toBe(429);
  });
});
