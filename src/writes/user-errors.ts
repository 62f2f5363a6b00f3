import { WriteRejectedError, type WriteRejection } from '../../datasources/model.js';
import type { UserErrorCode } from '../generated/resolvers-types.js';

/** A mutation's expected failure, as the schema's `UserError` shows it. */
export interface UserErrorValue {
  code: UserErrorCode;
  message: string;
  field: string[] | null;
}

/** What a mutation ran to: the ids of what it wrote (kept for retries), or why it wrote nothing. */
export type Outcome<R> = { record: R } | { userErrors: UserErrorValue[] };

const CODES: Record<WriteRejection, UserErrorCode> = {
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'TAKEN',
  INVALID: 'INVALID',
  AMOUNT_TOO_LARGE: 'AMOUNT_TOO_LARGE',
  ALREADY_REFUNDED: 'ALREADY_REFUNDED',
  NOT_REFUNDABLE: 'NOT_REFUNDABLE',
};

export function userError(code: UserErrorCode, message: string, field?: string): UserErrorValue {
  return { code, message, field: field ? ['input', field] : null };
}

/**
 * A provider's refusal as a userError; anything else (outages, bugs) is rethrown to become an
 * error. `fields` renames model field names to input names where they differ.
 */
export function refusalOf(error: unknown, fields: Record<string, string> = {}): UserErrorValue {
  if (!(error instanceof WriteRejectedError)) throw error;
  const field = error.field ? (fields[error.field] ?? error.field) : undefined;
  return userError(CODES[error.reason], error.message, field);
}

/** Runs a provider write; its refusal becomes `{ userErrors }`, anything else is thrown. */
export async function refusable<T>(
  write: () => Promise<T>,
  fields?: Record<string, string>,
): Promise<{ value: T } | { userErrors: UserErrorValue[] }> {
  try {
    return { value: await write() };
  } catch (error) {
    return { userErrors: [refusalOf(error, fields)] };
  }
}
