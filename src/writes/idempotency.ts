import { createHash, randomUUID } from 'node:crypto';
import type { Viewer } from '../auth/scopes.js';
import { ConcordError, ErrorCode } from '../errors/concord-error.js';
import { stableJson } from '../runtime/stable-json.js';
import { answerOf, failureAnswer, type UndoStep } from './compensation.js';
import type { Compensator } from './compensator.js';
import type { Claim, MutationLedger } from './ledger.js';
import { writeKey, type Progress, type ResumeStep } from './resume.js';
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
  /**
   * Records what is left to do before the next provider write of a multi-step mutation (resume.ts):
   * if this run never ends, a sweeper on any replica finishes it from the record. Throws an
   * UNAVAILABLE ConcordError when the ledger cannot record it (call it first, before any write).
   */
  progress(what: string, step: ResumeStep): Promise<void>;
  /**
   * The last write's answer was lost (it may have been made): the recorded progress stays, and a
   * sweeper finishes the run, instead of the key being freed for a fresh run.
   */
  leaveUnfinished(): void;
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

const STILL_RUNNING = 'A request with this clientMutationId is still running.';

const writesPaused = () =>
  new ConcordError(
    ErrorCode.UNAVAILABLE,
    'Writes are paused: the idempotency store cannot be reached. Nothing was changed; retry later.',
  );

interface RunState {
  compensated: boolean;
  progressed: boolean;
  unfinished: boolean;
  /** This run holds the mutation's lease (compensator.hold). */
  held: boolean;
  /** The progress last recorded, and under which input: kept when the run stops unfinished. */
  progress?: Progress;
  inputHash: string;
}

function writeKeys(
  key: string,
  inputHash: string,
  ledger: MutationLedger,
  { compensator, requestId }: Undoing,
) {
  // Stripe allows 255 characters; a digest keeps client text (and its length) out of provider logs.
  const base = `concord-${key.slice(0, 40)}`;
  const state: RunState = {
    compensated: false,
    progressed: false,
    unfinished: false,
    held: false,
    inputHash,
  };
  // A CRM without write keys tells the contact this run made by its creation time (resume.ts).
  const startedAt = Date.now();
  const keys: WriteKeys = {
    for: (step) => writeKey(base, step),
    compensate: async (what, step, failure) => {
      state.compensated = true;
      const answer = failureAnswer(failure);
      const undo = { what, step, writeKey: writeKey(base, `${step.kind}-undo`), failure: answer, requestId };
      const ended = await compensator.begin(key, inputHash, undo);
      return answerOf(what, answer, ended, failure);
    },
    progress: async (what, step) => {
      // The run's lease first, so no sweeper finishes a run that is still going.
      // Taken once per run (a run that took over an unfinished one holds it already).
      if (!state.held) state.held = await compensator.hold(key).catch(() => false);
      if (!state.held) throw writesPaused();
      state.progressed = true;
      try {
        state.progress = { what, step, keyBase: base, requestId, startedAt };
        await ledger.recordProgress(key, inputHash, state.progress);
      } catch {
        throw writesPaused();
      }
    },
    leaveUnfinished: () => {
      state.unfinished = true;
    },
  };
  return { keys, state };
}

/**
 * After a run that recorded progress: its record is completed (`record`) or dropped, and its lease
 * let go; or, when the run threw with a write that may have been made, the record stays for a
 * sweeper and the lease is left to lapse, so the write whose answer was lost has landed (or never
 * will) before anyone asks the CRM whether it was made.
 */
async function settled(
  ledger: MutationLedger,
  compensator: Compensator,
  key: string,
  state: RunState,
  how: 'answered' | 'threw',
  record: (() => Promise<void>) | null,
): Promise<void> {
  if (!state.progressed || state.compensated) return;
  if (how === 'threw' && state.unfinished) {
    // Left to a sweeper (or a retry): the record says what is left to do, and since when the write
    // whose answer was lost may still land (a sweep waits that out before it says nothing was made).
    if (state.progress) {
      await ledger
        .recordProgress(key, state.inputHash, { ...state.progress, stoppedAt: Date.now() })
        .catch(() => undefined);
    }
  } else if (record) await record().catch(() => undefined);
  else await ledger.release(key).catch(() => undefined);
  await compensator.letGo(key);
}

async function claimed(ledger: MutationLedger, key: string, inputHash: string): Promise<Claim> {
  try {
    return await ledger.claim(key, inputHash);
  } catch {
    // Fail closed: without its record a retried write could run twice.
    throw writesPaused();
  }
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
    // Its undo or progress, if any, is recorded under a key no retry can name: only sweepers read it.
    const key = sha256(randomUUID());
    const { keys, state } = writeKeys(key, '', ledger, undoing);
    try {
      const outcome = await run(keys);
      await settled(ledger, compensator, key, state, 'answered', null);
      return outcome;
    } catch (error) {
      await settled(ledger, compensator, key, state, 'threw', null);
      throw error;
    }
  }
  const key = mutationKey(viewer.id, mutation, clientKey);
  const inputHash = inputHashOf(input);

  let claim = await claimed(ledger, key, inputHash);
  if (claim.state === 'unfinished' && (await compensator.hold(key).catch(() => false))) {
    // Stopped part-way and nobody is on it (its lease was free): this retry finishes it by the same
    // steps and provider keys (a contact never made is made now, as a fresh attempt), then answers.
    await compensator.takeOver({ key, inputHash, progress: claim.progress });
    claim = await claimed(ledger, key, inputHash);
  }
  switch (claim.state) {
    case 'replay':
      return { record: claim.record as R };
    case 'rolled-back': {
      const { what, failure, undone } = claim.rolledBack;
      return answerOf(what, failure, undone ? 'undone' : 'failed');
    }
    // Unfinished here: still running, or stopped and the CRM could not tell yet (a later retry or sweep finishes it).
    case 'unfinished':
    case 'in-progress':
    case 'compensating':
      return {
        userErrors: [
          userError(
            'IN_PROGRESS',
            claim.state !== 'compensating'
              ? STILL_RUNNING
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
  // From here this run holds the key.

  const { keys, state } = writeKeys(key, inputHash, ledger, undoing);
  let outcome: Outcome<R>;
  try {
    outcome = await run(keys);
  } catch (error) {
    // An undo owns the record from its start, and a sweeper an unfinished run's: retries answer
    // their outcome, not a fresh run.
    if (state.progressed) await settled(ledger, compensator, key, state, 'threw', null);
    else if (!state.compensated) await ledger.release(key).catch(() => undefined);
    throw error;
  }
  if (state.compensated) return outcome;
  const record = 'record' in outcome ? { value: outcome.record } : null;
  const ended = record ? () => ledger.complete(key, inputHash, record.value) : null;
  if (state.progressed) await settled(ledger, compensator, key, state, 'answered', ended);
  else if (ended) await ended().catch(() => undefined);
  else await ledger.release(key).catch(() => undefined);
  return outcome;
}
