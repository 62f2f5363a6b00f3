import { createHash, randomUUID } from 'node:crypto';
import type { Viewer } from '../auth/scopes.js';
import { ConcordError, ErrorCode } from '../errors/concord-error.js';
import { stableJson } from '../runtime/stable-json.js';
import { answerOf, failureAnswer, type UndoStep } from './compensation.js';
import type { Compensator } from './compensator.js';
import type { MutationLedger } from './ledger.js';
import { userError, type Outcome, type UserErrorValue } from './user-errors.js';

/** The idempotency key of each provider write a mutation makes, one per step, and the undo of a half-made one. */
export interface WriteKeys {
  /** `step` names the write (e.g. `payments-account`), so two writes of one mutation never share a key. */
  for(step: string): string;
  /**
   * Undoes an earlier write of this mutation after a later one failed (`failure`): recorded in the
   * ledger, run past the request's deadline and retried until done, by any replica. Answers a
   * refusal's userErrors once undone; otherwise throws a RolledBackError (undone, being undone, or not).
   */
  compensate(what: string, step: UndoStep, failure: unknown): Promise<{ userErrors: UserErrorValue[] }>;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The ledger key of one client's mutation: the client, the mutation field and its clientMutationId. */
export function mutationKey(viewerId: string, mutation: string, clientMutationId: string): string {
  return sha256(`${viewerId}\u0000${mutation}\u0000${clientMutationId}`);
}

/** The digest of a mutation's input without its clientMutationId, to tell a retry from a reuse. */
export function inputHashOf(input: { clientMutationId?: string | null | undefined }): string {
  const { clientMutationId: _omitted, ...rest } = input;
  return sha256(stableJson(rest));
}

interface Undoing {
  compensator: Compensator;
  requestId: string;
}

function writeKeys(key: string, inputHash: string, { compensator, requestId }: Undoing) {
  // Stripe allows 255 characters; a digest keeps client text (and its length) out of provider logs.
  const base = `concord-${key.slice(0, 40)}`;
  const state = { compensated: false };
  const keys: WriteKeys = {
    for: (step) => `${base}-${step}`,
    compensate: async (what, step, failure) => {
      state.compensated = true;
      const answer = failureAnswer(failure);
      const undo = { what, step, writeKey: `${base}-${step.kind}-undo`, failure: answer, requestId };
      const ended = await compensator.begin(key, inputHash, undo);
      return answerOf(what, answer, ended, failure);
    },
  };
  return { keys, state };
}

export interface IdempotentRun<R> {
  ledger: MutationLedger;
  compensator: Compensator;
  requestId: string;
  viewer: Viewer;
  /** The mutation field, e.g. `refundPayment`: the same clientMutationId may be used by each. */
  mutation: string;
  input: { clientMutationId?: string | null | undefined };
  run: (keys: WriteKeys) => Promise<Outcome<R>>;
}

/**
 * Runs a mutation at most once per (client, mutation, clientMutationId): a retry with the same
 * input answers the first run's outcome without writing again (its record, its rollback, or "in
 * progress" while either is still under way), one with another input is refused. Without a
 * clientMutationId the run still gets fresh provider keys, so the transport's own retries are safe.
 */
export async function idempotent<R>({
  ledger,
  compensator,
  requestId,
  viewer,
  mutation,
  input,
  run,
}: IdempotentRun<R>): Promise<Outcome<R>> {
  const undoing = { compensator, requestId };
  const clientKey = input.clientMutationId;
  if (clientKey === undefined || clientKey === null || clientKey === '') {
    // Its undo, if one is needed, is recorded under a key no retry can name: only sweepers read it.
    return run(writeKeys(sha256(randomUUID()), '', undoing).keys);
  }
  const key = mutationKey(viewer.id, mutation, clientKey);
  const inputHash = inputHashOf(input);

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
  switch (claim.state) {
    case 'replay':
      return { record: claim.record as R };
    case 'rolled-back': {
      const { what, failure, undone } = claim.rolledBack;
      return answerOf(what, failure, undone ? 'undone' : 'failed');
    }
    case 'in-progress':
    case 'compensating':
      return {
        userErrors: [
          userError(
            'IN_PROGRESS',
            claim.state === 'in-progress'
              ? 'A request with this clientMutationId is still running.'
              : 'A request with this clientMutationId failed part-way and what it wrote is being undone; retry later for the outcome.',
            'clientMutationId',
          ),
        ],
      };
    case 'mismatch':
      return {
        userErrors: [
          userError(
            'IDEMPOTENCY_KEY_REUSED',
            'This clientMutationId was already used with a different input.',
            'clientMutationId',
          ),
        ],
      };
    case 'claimed':
      break;
  }

  const { keys, state } = writeKeys(key, inputHash, undoing);
  let outcome: Outcome<R>;
  try {
    outcome = await run(keys);
  } catch (error) {
    // An undo owns the record from its start: retries answer its outcome, not a fresh run.
    if (!state.compensated) await ledger.release(key).catch(() => undefined);
    throw error;
  }
  if (state.compensated) return outcome;
  if ('record' in outcome) await ledger.complete(key, inputHash, outcome.record).catch(() => undefined);
  else await ledger.release(key).catch(() => undefined);
  return outcome;
}
