import { lifetimeValue } from './lifetime-value.js';
import type { MoneyValue, Payment, PaymentSummary } from './model.js';

/** Newest payments a summary keeps: the first page a customer card or list asks for. */
export const RECENT_PAYMENTS = 20;

/**
 * An account's payments in the shape a customer card reads them: the newest few, how many in all,
 * and what was paid per currency. Cached instead of the whole history, which only paging needs.
 */
export function summarizePayments(payments: readonly Payment[]): PaymentSummary {
  const currencies = [...new Set(payments.map((p) => p.amount.currency))].sort();
  return {
    recent: payments.slice(0, RECENT_PAYMENTS),
    count: payments.length,
    paid: currencies.flatMap((currency) => {
      const value = lifetimeValue(payments, currency);
      return value ? [value] : [];
    }),
  };
}

/** The lifetime value in the account's currency, as `lifetimeValue` gives it from the whole history. */
export function lifetimeValueOf(summary: PaymentSummary, accountCurrency: string): MoneyValue | null {
  const currency = accountCurrency.toUpperCase();
  return summary.paid.find((value) => value.currency === currency) ?? null;
}
