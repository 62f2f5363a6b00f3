import { describe, expect, it } from '@jest/globals';
import { lifetimeValue } from '../lifetime-value.js';
import type { Payment } from '../model.js';

function payment(status: Payment['status'], amount: bigint, refunded: bigint, currency = 'USD'): Payment {
  return {
    id: `ch_${status}_${amount}`,
    accountId: 'cus_1',
    amount: { minor: amount, currency },
    amountRefunded: { minor: refunded, currency },
    status,
    providerStatus: status.toLowerCase(),
    description: null,
    failureReason: null,
    createdAt: new Date(0),
    card: null,
    ref: { domain: 'PAYMENTS', provider: 'stripe', externalId: 'x', url: null },
  };
}

describe('lifetimeValue', () => {
  it('adds settled payments and subtracts refunds', () => {
    const value = lifetimeValue(
      [
        payment('SUCCEEDED', 1000n, 0n),
        payment('PARTIALLY_REFUNDED', 500n, 200n),
        payment('REFUNDED', 300n, 300n),
        payment('FAILED', 9999n, 0n),
        payment('PENDING', 7777n, 0n),
      ],
      'USD',
    );
    expect(value).toEqual({ minor: 1300n, currency: 'USD' });
  });

  it('leaves other currencies out and is null without settled payments', () => {
    expect(lifetimeValue([payment('SUCCEEDED', 1000n, 0n, 'EUR')], 'USD')).toBeNull();
    expect(lifetimeValue([payment('FAILED', 1000n, 0n)], 'USD')).toBeNull();
    expect(lifetimeValue([], 'USD')).toBeNull();
  });
});
