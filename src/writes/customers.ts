import type { ContactChanges } from '../../datasources/model.js';
import { ProviderError } from '../../datasources/transport/errors.js';
import { isLocalRefusal } from '../../datasources/transport/policy-errors.js';
import type { RequestContext } from '../graphql/context.js';
import type { CreateCustomerInput, UpdateCustomerInput } from '../generated/resolvers-types.js';
import { idOfType } from '../relay/global-ids.js';
import type { WriteKeys } from './idempotency.js';
import { leavingTimeForNextStep } from './next-step-time.js';
import { accountFor, displayName } from './resume.js';
import { refusable, userError, type Outcome, type UserErrorValue } from './user-errors.js';

/** Loose on purpose: the CRM checks addresses itself; this only catches text that is plainly not one. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const CONTACT_FIELDS = ['email', 'firstName', 'lastName', 'phone', 'jobTitle'] as const;

export interface CustomerRecord {
  contactId: string;
}

/** The fields the input names (absent ones stay as they are; null clears), trimmed. */
function changesOf(
  input: Partial<Record<(typeof CONTACT_FIELDS)[number], string | null | undefined>>,
): ContactChanges {
  const changes: ContactChanges = {};
  for (const field of CONTACT_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    changes[field] = value === null || value.trim() === '' ? null : value.trim();
  }
  return changes;
}

function badEmail(changes: ContactChanges): UserErrorValue | null {
  const { email } = changes;
  return email !== undefined && email !== null && !EMAIL.test(email)
    ? userError('INVALID', 'This is not an email address.', 'email')
    : null;
}

/** No answer came (a timeout, a dropped connection): the write may have been made all the same. */
function answerLost(failure: unknown): boolean {
  return failure instanceof ProviderError && failure.status === null && !isLocalRefusal(failure);
}

const NOT_CREATED = 'The customer was not created';

/**
 * The CRM contact first (the system of record), then the payment account linked to it. If the
 * second write fails, the contact is deleted again (see compensator.ts), so no customer exists on
 * one side only. The run records its progress in the ledger before each write (resume.ts): if it
 * stops part-way (its process dies, or the contact's answer is lost), a sweeper finishes it.
 */
export async function createCustomer(
  ctx: RequestContext,
  input: CreateCustomerInput,
  keys: WriteKeys,
): Promise<Outcome<CustomerRecord>> {
  const { crm, payments } = ctx.services.providers;
  const changes = changesOf(input);
  if (!changes.email) return { userErrors: [userError('INVALID', 'An email address is required.', 'email')] };
  const invalid = badEmail(changes);
  if (invalid) return { userErrors: [invalid] };

  await keys.progress(NOT_CREATED, { kind: 'create-customer', changes, account: null });
  let created;
  try {
    created = await refusable(() =>
      leavingTimeForNextStep(() => crm.createContact(changes, { idempotencyKey: keys.for('crm-contact') })),
    );
  } catch (failure) {
    // The contact may exist: a sweep (or a retry) asks the CRM for it and goes on, or ends the run with nothing made.
    if (answerLost(failure)) keys.leaveUnfinished();
    throw failure;
  }
  if ('userErrors' in created) return created;
  const contact = created.value;
  const accountInput = accountFor(contact, changes);
  // Best effort: the first record is enough to finish the run (the CRM finds the contact by its key).
  await keys
    .progress(NOT_CREATED, { kind: 'create-customer', changes, account: accountInput })
    .catch(() => undefined);
  try {
    const account = await payments.createAccount(accountInput, {
      idempotencyKey: keys.for('payments-account'),
    });
    ctx.loaders.accountOfContact.prime(contact.id, account);
  } catch (failure) {
    if (answerLost(failure)) {
      // No answer: the account may still have been made; the undo leaves it (docs/decisions/0014).
      ctx.services.observability.logger.warn(
        { requestId: ctx.requestId, contactId: contact.id, idempotencyKey: keys.for('payments-account') },
        'a payment account may have been made after its request gave up; if so it stays, unlinked',
      );
    }
    return keys.compensate(NOT_CREATED, { kind: 'delete-contact', contactId: contact.id }, failure);
  }
  ctx.loaders.contact.prime(contact.id, contact);
  return { record: { contactId: contact.id } };
}

/**
 * The CRM contact, then the payment account's name and email when those changed (receipts go to
 * it). If the account cannot follow, the contact's changed fields are put back.
 */
export async function updateCustomer(
  ctx: RequestContext,
  input: UpdateCustomerInput,
  keys: WriteKeys,
): Promise<Outcome<CustomerRecord>> {
  const { crm, payments } = ctx.services.providers;
  const contactId = idOfType(input.id, 'Customer', 'input.id');
  const changes = changesOf(input);
  const invalid = badEmail(changes);
  if (invalid) return { userErrors: [invalid] };
  const before = await ctx.loaders.contact.load(contactId);
  if (!before) return { userErrors: [userError('NOT_FOUND', 'There is no customer with this id.', 'id')] };
  if (Object.keys(changes).length === 0) return { record: { contactId } };
  const touchesAccount = 'email' in changes || 'firstName' in changes || 'lastName' in changes;
  // Read before writing: a lookup that fails after the CRM write would leave it changed alone.
  const account = touchesAccount ? await ctx.loaders.accountOfContact.load(contactId) : null;

  const write = () => crm.updateContact(contactId, changes, { idempotencyKey: keys.for('crm-contact') });
  const updated = await refusable(() => (account ? leavingTimeForNextStep(write) : write()));
  if ('userErrors' in updated) return updated;
  const contact = updated.value;
  if (account) {
    try {
      await payments.updateAccount(
        account.id,
        { email: contact.email, name: displayName(contact) },
        { idempotencyKey: keys.for('payments-account') },
      );
    } catch (failure) {
      const previous: ContactChanges = {};
      for (const field of CONTACT_FIELDS) if (field in changes) previous[field] = before[field];
      return keys.compensate(
        'The customer was not updated',
        { kind: 'restore-contact', contactId, previous },
        failure,
      );
    }
  }
  ctx.loaders.contact.clear(contactId).prime(contactId, contact);
  return { record: { contactId } };
}
