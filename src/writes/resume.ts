import type {
  AccountInput,
  Contact,
  ContactChanges,
  CrmWriter,
  PaymentsWriter,
} from '../../datasources/model.js';
import { WriteRejectedError } from '../../datasources/model.js';
import type { UndoStep } from './compensation.js';

/**
 * What a multi-step mutation still has to do, as data: recorded in the mutation ledger before its
 * first provider write and again after each step, so that when the run stops part-way (its process
 * died, or it gave up without an answer) a sweeper on any replica finishes it by the same steps
 * and the same provider keys. Each later step repeats harmlessly under its key; the first one is
 * asked about rather than repeated (rollForward).
 */
export type ResumeStep =
  /**
   * createCustomer: the CRM contact (made already when `account` is set: the input of the payment
   * account still to make), then the payment account linked to it.
   */
  { kind: 'create-customer'; changes: ContactChanges; account: AccountInput | null };

/** A mutation's progress as recorded in the ledger while it runs. */
export interface Progress {
  /** For the client's message if it ends rolled back: `The customer was not created`. */
  what: string;
  step: ResumeStep;
  /** The mutation's provider keys are `${keyBase}-${step}`, as the live run made them. */
  keyBase: string;
  requestId: string;
  /**
   * When the run began (epoch ms): a CRM without write keys tells the contact the run made by its
   * creation time. Absent in records of older versions: then any contact with the email counts.
   */
  startedAt?: number;
  /**
   * When the run stopped with a write whose answer was lost (epoch ms): a sweep settles it as
   * "nothing made" only a lease's length later, once that write has landed if it ever will.
   */
  stoppedAt?: number;
}

/** How rolling a mutation forward ended. */
export type RollForward =
  /** Every step done: the record a retry replays. */
  | { kind: 'done'; record: unknown }
  /** A later step failed: the earlier write is to be undone (a compensation), as the live run would. */
  | { kind: 'undo'; undo: UndoStep; failure: unknown }
  /** The first write was refused (a retry's fresh attempt): nothing was made, and the refusal is the answer. */
  | { kind: 'refused'; failure: WriteRejectedError }
  /** The run stopped before its first write was made (the CRM holds no contact it made): nothing to undo. */
  | { kind: 'nothing-made' };

/**
 * How far the CRM's clock may be behind ours: a contact the run made is looked for among those
 * created since the run began, less this (a contact made in this margin by someone else with the
 * same email would be taken for the run's own; the run's create would have refused it as TAKEN).
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

export const writeKey = (keyBase: string, step: string): string => `${keyBase}-${step}`;

export function displayName(contact: Pick<Contact, 'firstName' | 'lastName'>): string | null {
  return [contact.firstName, contact.lastName].filter(Boolean).join(' ') || null;
}

/** The payment account a new contact gets: its email (or the input's) and its name. */
export function accountFor(contact: Contact, changes: ContactChanges): AccountInput {
  return { contactId: contact.id, email: contact.email ?? changes.email ?? null, name: displayName(contact) };
}

/**
 * Runs what is left of a mutation with its own provider keys. The first write is not made again by
 * a sweep: its client was answered (an error, or nothing) long ago, so the sweep only finds out
 * whether that write was made, and when it was not, the run ends with nothing made. A client's
 * retry (`fresh`) is a new attempt: it makes the contact under the same key when none was made.
 * A look-up or a later write that fails without an answer is thrown: the progress stays recorded.
 */
export async function rollForward(
  ports: { crm: CrmWriter; payments: PaymentsWriter },
  { step, keyBase, startedAt }: Progress,
  { fresh }: { fresh: boolean },
): Promise<RollForward> {
  switch (step.kind) {
    case 'create-customer': {
      let account = step.account;
      if (account === null) {
        const idempotencyKey = writeKey(keyBase, 'crm-contact');
        let contact = await ports.crm.findCreatedContact(step.changes, {
          idempotencyKey,
          since: new Date((startedAt ?? 0) - CLOCK_SKEW_MS),
        });
        if (!contact && !fresh) return { kind: 'nothing-made' };
        if (!contact) {
          try {
            contact = await ports.crm.createContact(step.changes, { idempotencyKey });
          } catch (failure) {
            if (failure instanceof WriteRejectedError) return { kind: 'refused', failure };
            throw failure;
          }
        }
        account = accountFor(contact, step.changes);
      }
      try {
        await ports.payments.createAccount(account, {
          idempotencyKey: writeKey(keyBase, 'payments-account'),
        });
      } catch (failure) {
        // As the live run does: the contact is undone rather than left waiting on the payments provider.
        return { kind: 'undo', undo: { kind: 'delete-contact', contactId: account.contactId }, failure };
      }
      return { kind: 'done', record: { contactId: account.contactId } };
    }
  }
}
