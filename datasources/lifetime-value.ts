import type { MoneyValue, Payment } from './model.js';

const SETTLED = new Set<Payment['status']>(['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED']);

/**
 * What a customer has paid and kept paid: settled payments minus what was refunded, in `currency`.
 * Payments in other currencies are left out rather than converted (no exchange rates here).
 * Null when the customer has no settled payment in that currency.
 */
export function lifetimeValue(payments: readonly Payment[], accountCurrency: string): MoneyValue | null {
  const currency = accountCurrency.toUpperCase();
  let total = 0n;
  let any = false;
  for (const payment of payments) {
    if (!SETTLED.has(payment.status) || payment.amount.currency !== currency) continue;
    total += payment.amount.minor - payment.amountRefunded.minor;
    any = true;
  }
  return any ? { minor: total, currency } : null;
}
