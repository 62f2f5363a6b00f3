import { describe, expect, it } from '@jest/globals';
import { decimalToMinor, minorToDecimal, minorUnitExponent, sumMoney } from '../money.js';

describe('money', () => {
  it('knows the minor unit of common and zero-decimal currencies', () => {
    expect(minorUnitExponent('usd')).toBe(2);
    expect(minorUnitExponent('EUR')).toBe(2);
    expect(minorUnitExponent('jpy')).toBe(0);
    expect(minorUnitExponent('KRW')).toBe(0);
    expect(minorUnitExponent('KWD')).toBe(3);
  });

  it('converts decimal strings to minor units exactly', () => {
    expect(decimalToMinor('1234.5', 'USD')).toBe(123450n);
    expect(decimalToMinor('0.10', 'USD')).toBe(10n);
    expect(decimalToMinor('9007199254740993.01', 'USD')).toBe(900719925474099301n);
    expect(decimalToMinor('1500', 'JPY')).toBe(1500n);
    expect(decimalToMinor('-3.00', 'EUR')).toBe(-300n);
    expect(decimalToMinor('1.005', 'USD')).toBeNull();
    expect(decimalToMinor('12abc', 'USD')).toBeNull();
    expect(decimalToMinor('', 'USD')).toBeNull();
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
