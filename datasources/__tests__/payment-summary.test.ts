import { describe, expect, it } from '@jest/globals';
import { lifetimeValue } from '../lifetime-value.js';
import type { Payment } from '../model.js';
import { RECENT_PAYMENTS, lifetimeValueOf, summarizePayments } from '../payment-summary.js';

function payment(i: number, status: Payment['status'], amount: bigint, currency = 'USD'): Payment {
  return {
    id: `ch_${i}`,
    accountId: 'cus_1',
    amount: { minor: amount, currency },
    amountRefunded: { minor: status === 'REFUNDED' ? amount : 0n, currency },
    status,
    providerStatus: status.toLowerCase(),
    description: null,
    failureReason: null,
    createdAt: new Date(1_000_000 - i),
    card: null,
    ref: { domain: 'PAYMENTS', provider: 'stripe', externalId: `ch_${i}`, url: null },
  };
}

const STATUSES: Array<Payment['status']> = ['SUCCEEDED', 'FAILED', 'REFUNDED', 'PENDING'];
const history = Array.from({ length: 45 }, (_, i) =>
  payment(
    i,
    STATUSES[i % STATUSES.length] as Payment['status'],
    BigInt(100 + i),
    i % 5 === 0 ? 'EUR' : 'USD',
  ),
);

describe('payment summaries', () => {
  it('keeps the newest payments in order, and how many there are in all', () => {
    const summary = summarizePayments(history);
    expect(summary.recent).toEqual(history.slice(0, RECENT_PAYMENTS));
    expect(summary.count).toBe(45);
    expect(summarizePayments(history.slice(0, 3))).toMatchObject({ recent: history.slice(0, 3), count: 3 });
  });

  it('answers the lifetime value the whole history gives, in every currency', () => {
    const summary = summarizePayments(history);
    for (const currency of ['USD', 'usd', 'EUR', 'GBP'])
      expect(lifetimeValueOf(summary, currency)).toEqual(lifetimeValue(history, currency));
    expect(lifetimeValueOf(summary, 'USD')).not.toBeNull();
    expect(lifetimeValueOf(summarizePayments([]), 'USD')).toBeNull();
  });
});
