import { minorUnitExponent } from '../../datasources/money.js';

/**
 * `"12.50"` in USD → 1250n; null when the text is not a plain positive decimal or has more
 * decimals than the currency's minor unit (no rounding: a client's amount is taken exactly or not at all).
 */
export function decimalToMinor(amount: string, currency: string): bigint | null {
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return null;
  const [, whole = '0', fraction = ''] = match;
  const exponent = minorUnitExponent(currency);
  if (fraction.length > exponent) return null;
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'));
  return minor > 0n ? minor : null;
}
