import { describe, expect, it } from '@jest/globals';
import type { MoneyValue } from '../../../datasources/model.js';
import { Money } from '../money.js';
import { DateTime } from '../scalars.js';

/** The strings remembered for values the local cache tier holds (frozen) stay those values' strings. */

const amount = Money.amount as (money: MoneyValue) => string;
const formatted = Money.formatted as (money: MoneyValue) => string;

describe('strings of cached values', () => {
  it('formats a frozen amount once, and each amount as its own', () => {
    const a = Object.freeze({ minor: 123450n, currency: 'USD' });
    const b = Object.freeze({ minor: 5n, currency: 'JPY' });
    expect([amount(a), formatted(a), amount(a), formatted(a)]).toEqual([
      '1234.50',
      '$1,234.50',
      '1234.50',
      '$1,234.50',
    ]);
    expect([formatted(b), amount(b)]).toEqual(['¥5', '5']);
  });

  it('keeps nothing for an amount that may still change', () => {
    const money = { minor: 100n, currency: 'EUR' };
    expect(formatted(money)).toBe('€1.00');
    money.minor = 250n;
    expect([amount(money), formatted(money)]).toEqual(['2.50', '€2.50']);
  });

  it('serializes a frozen Date from its time now, even after setTime', () => {
    const date = Object.freeze(new Date('2026-11-24T09:30:00Z'));
    expect(DateTime.serialize(date)).toBe('2026-11-24T09:30:00.000Z');
    expect(DateTime.serialize(date)).toBe('2026-11-24T09:30:00.000Z');
    date.setTime(Date.parse('2026-12-01T00:00:00Z'));
    expect(DateTime.serialize(date)).toBe('2026-12-01T00:00:00.000Z');
    expect(() => DateTime.serialize('2026-11-24')).toThrow(TypeError);
  });
});
