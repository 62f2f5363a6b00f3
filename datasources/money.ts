import type { MoneyValue } from './model.js';

/**
 * Currencies Stripe counts in whole units (FACTS.md §1). Elsewhere the ISO 4217 exponent applies,
 * which Intl knows; HubSpot's decimal strings are converted with the same exponent.
 */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);

const exponentCache = new Map<string, number>();

/** Digits after the decimal point in the currency's minor unit (2 for USD, 0 for JPY). */
export function minorUnitExponent(currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  let exponent = exponentCache.get(code);
  if (exponent === undefined) {
    try {
      exponent =
        new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      exponent = 2;
    }
    exponentCache.set(code, exponent);
  }
  return exponent;
}

/** 123450n `USD` → `"1234.50"`; exact, no floating point. */
export function minorToDecimal(money: MoneyValue): string {
  const exponent = minorUnitExponent(money.currency);
  const negative = money.minor < 0n;
  const digits = (negative ? -money.minor : money.minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/** Sums amounts of one currency; amounts in another currency are a programming error. */
export function sumMoney(amounts: readonly MoneyValue[], currency: string): MoneyValue {
  let total = 0n;
  for (const amount of amounts) {
    if (amount.currency !== currency) throw new Error(`cannot add ${amount.currency} to ${currency}`);
    total += amount.minor;
  }
  return { minor: total, currency };
}
