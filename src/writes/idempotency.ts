import { createHash, randomUUID } from 'node:crypto';
import type { Viewer } from '../auth/scopes.js';
import { ConcordError, ErrorCode } from '../errors.js';
import { stableJson } from '../stable-json.js';
import type { MutationLedger } from './ledger.js';
import { userError, type Outcome } from './user-errors.js';

/** The idempotency key of each provider write a mutation makes, one per step. */
export interface WriteKeys {
  /** `step` names the write (e.g. `payments-account`), so two writes of one mutation never share a key. */
  for(step: string): string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function keysFrom(base: string): WriteKeys {
  // Stripe allows 255 characters; a digest keeps client text (and its length) out of provider logs.
  return { for: (step) => `concord-${base.slice(0, 40)}-${step}` };
}

export interface IdempotentRun<R> {
  ledger: MutationLedger;
  viewer: Viewer;
  /** The mutation field, e.g. `refundPayment`: the same clientMutationId may be used by each. */
  mutation: string;
  input: { clientMutationId?: string | null | undefined };
  run: (keys: WriteKeys) => Promise<Outcome<R>>;
}

/**
 * Runs a mutation at most once per (client, mutation, clientMutationId): a retry with the same
 * input answers the first run's record without writing again, one with another input is refused,
 * and one that arrives while the first still runs is told to wait. Without a clientMutationId the
 * run still gets fresh provider keys, so the transport's own retries are safe.
 */
export async function idempotent<R>({
  ledger,
  viewer,
  mutation,
  input,
  run,
}: IdempotentRun<R>): Promise<Outcome<R>> {
  const clientKey = input.clientMutationId;
  if (clientKey === undefined || clientKey === null || clientKey === '')
    return run(keysFrom(sha256(randomUUID())));
  const { clientMutationId: _omitted, ...rest } = input;
  const key = sha256(`${viewer.id}\u0000${mutation}\u0000${clientKey}`);
  const inputHash = sha256(stableJson(rest));

  let claim;
  try {
    claim = await ledger.claim(key, inputHash);
  } catch {
    // Fail closed: without its record a retried write could run twice.
    throw new ConcordError(
      ErrorCode.UNAVAILABLE,
      'Writes are paused: the idempotency store cannot be reached. Nothing was changed; retry later.',
    );
  }
  if (claim.state === 'replay') return { record: claim.record as R };
  if (claim.state === 'in-progress') {
    return {
      userErrors: [
        userError(
          'IN_PROGRESS',
          'A request with this clientMutationId is still running.',
          'clientMutationId',
        ),
      ],
    };
  }
  if (claim.state === 'mismatch') {
    return {
      userErrors: [
        userError(
          'IDEMPOTENCY_KEY_REUSED',
          'This clientMutationId was already used with a different input.',
          'clientMutationId',
        ),
      ],
    };
  }

  let outcome: Outcome<R>;
  try {
    outcome = await run(keysFrom(key));
  } catch (error) {
    await ledger.release(key).catch(() => undefined);
    throw error;
  }
  if ('record' in outcome) await ledger.complete(key, inputHash, outcome.record).catch(() => undefined);
  else await ledger.release(key).catch(() => undefined);
  return outcome;
}
