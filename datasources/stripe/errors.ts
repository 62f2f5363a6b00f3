import { WriteRejectedError } from '../model.js';
import { ProviderError, ProviderErrorCode } from '../transport/errors.js';
import { modelFieldOf } from './mapping.js';

/** Stripe ids are `prefix_body`; anything else (an empty string, `search`) would hit another route. */
export function isPlausibleId(id: string): boolean {
  return /^[A-Za-z]+_[A-Za-z0-9_]+$/.test(id);
}

// ---- write errors ------------------------------------------------------------------------------

/** Stripe's 400 codes for refunds Concord cannot make, each a reason the client can act on. */
const REFUND_REFUSALS: Record<
  string,
  {
    reason: 'AMOUNT_TOO_LARGE' | 'ALREADY_REFUNDED' | 'NOT_REFUNDABLE';
    message: string;
    field: string | null;
  }
> = {
  amount_too_large: {
    reason: 'AMOUNT_TOO_LARGE',
    message: 'The refund is larger than what is left of the payment.',
    field: 'amount',
  },
  charge_already_refunded: {
    reason: 'ALREADY_REFUNDED',
    message: 'The payment has already been refunded in full.',
    field: null,
  },
  charge_not_refundable: {
    reason: 'NOT_REFUNDABLE',
    message: 'The payment cannot be refunded (it did not succeed).',
    field: null,
  },
};

/**
 * Stripe's refusals the client can fix, as WriteRejectedError. Outages, 429s and our credentials
 * stay ProviderErrors (the idempotency key lets the policy retry the first two).
 */
export function writeRejection(error: unknown, what: 'customer' | 'charge'): unknown {
  if (!(error instanceof ProviderError) || error.status === null || error.status >= 500) return error;
  const code = error.providerCode;
  const refusal = code === undefined ? undefined : REFUND_REFUSALS[code];
  if (refusal) return new WriteRejectedError(refusal.reason, refusal.message, refusal.field);
  if (code === 'resource_missing' || error.code === ProviderErrorCode.NOT_FOUND) {
    return new WriteRejectedError(
      'NOT_FOUND',
      `There is no ${what === 'charge' ? 'payment' : 'payment account'} with this id.`,
      modelFieldOf(error.details.param),
    );
  }
  if (error.status === 400 && error.details.type === 'invalid_request_error') {
    const field = modelFieldOf(error.details.param);
    return new WriteRejectedError(
      'INVALID',
      field === null
        ? 'The payments provider refused the values sent.'
        : `The payments provider refused the value of ${field}.`,
      field,
    );
  }
  return error;
}

export async function rejecting<T>(what: 'customer' | 'charge', write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw writeRejection(error, what);
  }
}

export function checkId(id: string, what: 'customer' | 'charge'): void {
  if (!isPlausibleId(id)) {
    throw new WriteRejectedError(
      'NOT_FOUND',
      `There is no ${what === 'charge' ? 'payment' : 'payment account'} with this id.`,
    );
  }
}
