import type { ContactChanges, CrmWriter } from '../../datasources/model.js';
import { WriteRejectedError } from '../../datasources/model.js';
import { ProviderError, ProviderErrorCode } from '../../datasources/transport/errors.js';
import { RolledBackError, type UndoState } from './errors.js';
import { refusalOf, type UserErrorValue } from './user-errors.js';

/**
 * The undo of a write that a later step left half-made, as data: it is stored in the mutation
 * ledger before it runs, so any replica can run it again. Each undo is safe to repeat.
 */
export type UndoStep =
  /** A contact made by createCustomer whose payment account failed. Deleting one already gone is fine. */
  | { kind: 'delete-contact'; contactId: string }
  /** The fields updateCustomer changed, put back to what they were. Writing the same values twice is fine. */
  | { kind: 'restore-contact'; contactId: string; previous: ContactChanges };

/** What made the mutation fail, kept so a retry answers exactly what the first request was told. */
export type FailureAnswer =
  | {
      kind: 'provider';
      provider: string;
      code: ProviderErrorCode;
      status: number | null;
      retryable: boolean;
      endpoint: string;
    }
  /** The later provider refused the write for a reason the client can fix: a userError once undone. */
  | { kind: 'refused'; userErrors: UserErrorValue[] }
  | { kind: 'other' };

/** A compensation as recorded in the ledger while it is owed. */
export interface Compensation {
  /** For the client's message: `The customer was not created`. */
  what: string;
  step: UndoStep;
  /** The provider idempotency key of the undo write. */
  writeKey: string;
  failure: FailureAnswer;
  /** The request that started it, for logs and the providers' x-request-id. */
  requestId: string;
}

/** How a compensation ended: undone, or refused for good by the provider (a person must look). */
export interface RolledBack {
  what: string;
  failure: FailureAnswer;
  undone: boolean;
}

/**
 * A run that stopped before it learned its CRM create's answer, when the CRM holds no contact it
 * made: answered as the CRM not answering (which is what the run saw, or would have).
 */
export function unansweredCreate(crm: string): FailureAnswer {
  return {
    kind: 'provider',
    provider: crm,
    code: ProviderErrorCode.UNAVAILABLE,
    status: null,
    retryable: true,
    endpoint: 'createContact',
  };
}

export function failureAnswer(failure: unknown): FailureAnswer {
  if (failure instanceof WriteRejectedError) return { kind: 'refused', userErrors: [refusalOf(failure)] };
  if (failure instanceof ProviderError) {
    const { provider, code, status, retryable, endpoint } = failure;
    return { kind: 'provider', provider, code, status, retryable, endpoint };
  }
  return { kind: 'other' };
}

/** The failure again, as an error `formatError` words exactly as it did for the first request. */
function failureError(failure: FailureAnswer): unknown {
  if (failure.kind === 'provider') {
    const { provider, code, status, retryable, endpoint } = failure;
    return new ProviderError({ provider, code, status, retryable, endpoint });
  }
  return new Error('a write failed for a reason that was logged when it happened');
}

/**
 * What the client is told about a rolled-back mutation: a refusal becomes its userErrors once
 * undone; anything else is thrown as one RolledBackError (the failing provider's code, rolledBack).
 */
export function answerOf(
  what: string,
  failure: FailureAnswer,
  state: UndoState,
  /** The failure itself, when this process saw it (a retry has only its record). */
  original: unknown = failureError(failure),
): { userErrors: UserErrorValue[] } {
  if (state === 'undone' && failure.kind === 'refused') return { userErrors: failure.userErrors };
  throw new RolledBackError(what, original, state);
}

/** Runs one undo write against the CRM. */
export async function runUndoStep(crm: CrmWriter, step: UndoStep, writeKey: string): Promise<void> {
  switch (step.kind) {
    case 'delete-contact':
      await crm.deleteContact(step.contactId, { idempotencyKey: writeKey });
      return;
    case 'restore-contact':
      await crm.updateContact(step.contactId, step.previous, { idempotencyKey: writeKey });
      return;
  }
}
