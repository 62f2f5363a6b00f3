import { createHmac } from 'node:crypto';
import type { Reply } from '../http/route.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Request ids (`req_` + 14 characters) from the seed and a counter, so runs are repeatable. */
export class RequestIds {
  private count = 0;
  constructor(private readonly seed: number) {}

  next(): string {
    this.count += 1;
    const digest = createHmac('sha256', `stripe-request-ids:${this.seed}`)
      .update(String(this.count))
      .digest();
    let id = 'req_';
    for (let i = 0; i < 14; i++) id += BASE62[(digest[i] as number) % 62];
    return id;
  }
}

/** Adds `Request-Id` to every reply and, like Stripe, the request's log link to error bodies. */
export function stampRequestId(reply: Reply, requestId: string): Reply {
  const headers = { ...reply.headers, 'Request-Id': requestId };
  const body = reply.body as { error?: Record<string, unknown> } | undefined;
  if (body && typeof body === 'object' && body.error && typeof body.error === 'object') {
    const error = { ...body.error, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` };
    return { ...reply, headers, body: { ...body, error } };
  }
  return { ...reply, headers };
}
