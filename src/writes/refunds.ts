import type { RequestContext } from '../graphql/context.js';
import type { RefundPaymentInput } from '../generated/resolvers-types.js';
import { idOfType } from '../relay/global-ids.js';
import type { WriteKeys } from './idempotency.js';
import { decimalToMinor } from './money-input.js';
import { refusable, userError, type Outcome } from './user-errors.js';

export interface RefundRecord {
  paymentId: string;
}

/** All or part of a payment; the payments provider decides what is left, so a stale cache cannot over-refund. */
export async function refundPayment(
  ctx: RequestContext,
  input: RefundPaymentInput,
  keys: WriteKeys,
): Promise<Outcome<RefundRecord>> {
  const paymentId = idOfType(input.paymentId, 'Payment', 'input.paymentId');
  let amount: bigint | null = null;
  if (input.amount) {
    // The currency never changes, so the (possibly cached) payment is good enough to check it.
    const payment = await ctx.loaders.payment.load(paymentId);
    if (!payment)
      return { userErrors: [userError('NOT_FOUND', 'There is no payment with this id.', 'paymentId')] };
    const { currency } = payment.amount;
    if (input.amount.currency.trim().toUpperCase() !== currency) {
      return {
        userErrors: [
          userError('INVALID', `The payment is in ${currency}; refund it in ${currency}.`, 'amount'),
        ],
      };
    }
    amount = decimalToMinor(input.amount.amount, currency);
    if (amount === null) {
      return {
        userErrors: [userError('INVALID', `Not a positive ${currency} amount, e.g. 12.50.`, 'amount')],
      };
    }
  }
  const refunded = await refusable(
    () =>
      ctx.services.providers.payments.refundPayment(
        { paymentId, amount, reason: input.reason ?? null },
        { idempotencyKey: keys.for('refund') },
      ),
    { paymentId: 'paymentId' },
  );
  if ('userErrors' in refunded) return refunded;
  ctx.loaders.payment.clear(paymentId).prime(paymentId, refunded.value);
  return { record: { paymentId } };
}
