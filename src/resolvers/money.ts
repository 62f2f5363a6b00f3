import { minorToDecimal } from '../../datasources/money.js';
import type { MoneyResolvers } from '../generated/resolvers-types.js';

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formatters.set(currency, formatter);
  }
  return formatter;
}

export const Money: MoneyResolvers = {
  amount: (money) => minorToDecimal(money),
  currency: (money) => money.currency,
  // Intl formats a decimal string exactly; a Number could round large amounts.
  formatted: (money) => formatterFor(money.currency).format(minorToDecimal(money) as `${number}`),
};
