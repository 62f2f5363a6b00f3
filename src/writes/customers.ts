import type { Contact, ContactChanges } from '../../datasources/model.js';
import { WriteRejectedError } from '../../datasources/model.js';
import type { RequestContext } from '../context.js';
import type { CreateCustomerInput, UpdateCustomerInput } from '../generated/resolvers-types.js';
import { idOfType } from '../ids.js';
import { RolledBackError } from './errors.js';
import type { WriteKeys } from './idempotency.js';
import { refusable, refusalOf, userError, type Outcome, type UserErrorValue } from './user-errors.js';

/** Loose on purpose: the CRM checks addresses itself; this only catches text that is plainly not one. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const CONTACT_FIELDS = ['email', 'firstName', 'lastName', 'phone', 'jobTitle'] as const;

export interface CustomerRecord {
  contactId: string;
}

function displayName(contact: Contact): string | null {
  return [contact.firstName, contact.lastName].filter(Boolean).join(' ') || null;
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

/** Logs and reports whether an undo worked: a failed undo leaves something half-made that a person must see. */
async function undo(ctx: RequestContext, what: string, run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (error) {
    ctx.services.observability.logger.error(
      { err: error, requestId: ctx.requestId },
      `could not undo a half-made write: ${what}`,
    );
    return false;
  }
}

/**
 * The CRM contact first (the system of record), then the payment account linked to it. If the
 * second write fails, the contact is deleted again, so no customer exists on one side only.
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

  const created = await refusable(() =>
    crm.createContact(changes, { idempotencyKey: keys.for('crm-contact') }),
  );
  if ('userErrors' in created) return created;
  const contact = created.value;
  try {
    const account = await payments.createAccount(
      { contactId: contact.id, email: contact.email ?? changes.email, name: displayName(contact) },
      { idempotencyKey: keys.for('payments-account') },
    );
    ctx.loaders.accountOfContact.prime(contact.id, account);
  } catch (failure) {
    const undone = await undo(
      ctx,
      `CRM contact ${contact.id} of a customer whose payment account failed`,
      () => crm.deleteContact(contact.id, { idempotencyKey: keys.for('crm-contact-undo') }),
    );
    if (undone && failure instanceof WriteRejectedError) return { userErrors: [refusalOf(failure)] };
    throw new RolledBackError('The customer was not created', failure, undone);
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

  const updated = await refusable(() =>
    crm.updateContact(contactId, changes, { idempotencyKey: keys.for('crm-contact') }),
  );
  if ('userErrors' in updated) return updated;
  const contact = updated.value;
  const touchesAccount = 'email' in changes || 'firstName' in changes || 'lastName' in changes;
  const account = touchesAccount ? await ctx.loaders.accountOfContact.load(contactId) : null;
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
      const undone = await undo(
        ctx,
        `CRM contact ${contactId} changed while its payment account failed`,
        () => crm.updateContact(contactId, previous, { idempotencyKey: keys.for('crm-contact-undo') }),
      );
      if (undone && failure instanceof WriteRejectedError) return { userErrors: [refusalOf(failure)] };
      throw new RolledBackError('The customer was not updated', failure, undone);
    }
  }
  ctx.loaders.contact.clear(contactId).prime(contactId, contact);
  return { record: { contactId } };
}
