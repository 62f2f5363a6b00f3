import { describe, expect, it } from '@jest/globals';
import { minorToDecimal, minorUnitExponent, sumMoney } from '../money.js';

describe('money', () => {
  it('knows the minor unit of common and zero-decimal currencies', () => {
    expect(minorUnitExponent('usd')).toBe(2);
    expect(minorUnitExponent('EUR')).toBe(2);
    expect(minorUnitExponent('jpy')).toBe(0);
    expect(minorUnitExponent('KRW')).toBe(0);
    expect(minorUnitExponent('KWD')).toBe(3);
  });

  it('prints minor units as decimals exactly', () => {
    expect(minorToDecimal({ minor: 123450n, currency: 'USD' })).toBe('1234.50');
    expect(minorToDecimal({ minor: 5n, currency: 'USD' })).toBe('0.05');
    expect(minorToDecimal({ minor: -5n, currency: 'USD' })).toBe('-0.05');
    expect(minorToDecimal({ minor: 1500n, currency: 'JPY' })).toBe('1500');
    expect(minorToDecimal({ minor: 900719925474099301n, currency: 'USD' })).toBe('9007199254740993.01');
  });

  it('sums one currency and refuses to mix', () => {
    expect(
      sumMoney(
        [
          { minor: 1n, currency: 'USD' },
          { minor: 2n, currency: 'USD' },
        ],
        'USD',
      ).minor,
    ).toBe(3n);
    expect(() => sumMoney([{ minor: 1n, currency: 'EUR' }], 'USD')).toThrow();
  });
});
