import { createHash } from 'node:crypto';
import type { Reply, RouteInput } from '../http/route.js';
import { apiError, invalidRequest, stripeError } from './errors.js';

export const MAX_KEY_LENGTH = 255;

interface Entry {
  endpoint: string;
  fingerprint: string;
  /** Null while the first request with this key is still running. */
  reply: Reply | null;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Stripe's idempotent POSTs: results are kept per (API key, Idempotency-Key) and replayed for the
 * same endpoint and parameters; other parameters are an idempotency_error. Requests refused by
 * validation never reach here, so they are not stored, as at Stripe.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  async run(
    input: RouteInput<unknown, unknown, unknown>,
    execute: () => Reply | Promise<Reply>,
  ): Promise<Reply> {
    const key = headerValue(input.headers['idempotency-key']);
    if (key === undefined) return execute();
    if (key.length > MAX_KEY_LENGTH) {
      return invalidRequest(
        `Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters long (yours is ${key.length}).`,
        'Idempotency-Key',
      );
    }
    const endpoint = `POST ${input.url.split('?')[0] ?? ''}`;
    const fingerprint = createHash('sha256').update(input.rawBody).digest('hex');
    const slot = `${input.credential}\u0000${key}`;
    const previous = this.entries.get(slot);
    if (previous) {
      if (previous.endpoint !== endpoint) {
        return stripeError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${previous.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      if (previous.fingerprint !== fingerprint) {
        return stripeError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      if (!previous.reply) {
        return stripeError(409, {
          type: 'invalid_request_error',
          code: 'idempotency_key_in_use',
          message:
            'There is currently another in-progress request using this idempotency key. That probably means you submitted the same request several times. Please wait a moment and try again.',
        });
      }
      return {
        ...previous.reply,
        headers: { ...previous.reply.headers, 'Idempotent-Replayed': 'true', 'Idempotency-Key': key },
      };
    }
    const entry: Entry = { endpoint, fingerprint, reply: null };
    this.entries.set(slot, entry);
    let reply: Reply;
    try {
      reply = await execute();
    } catch (error) {
      console.error('[sandbox:stripe] idempotent request failed:', error);
      reply = apiError(500);
    }
    // A snapshot: later writes to the same objects must not change what is replayed.
    entry.reply = structuredClone(reply);
    return { ...reply, headers: { ...reply.headers, 'Idempotency-Key': key } };
  }
}
