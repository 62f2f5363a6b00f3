import { minorToDecimal } from '../../datasources/money.js';
import type { MoneyValue } from '../../datasources/model.js';
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

/**
 * The strings of amounts held by the local cache tier (frozen, so they cannot change, and shared by
 * every request): a warm dashboard would otherwise format the same ~300 amounts on each request.
 */
const known = new WeakMap<MoneyValue, { amount: string; formatted?: string }>();

function stringsOf(money: MoneyValue): { amount: string; formatted?: string } {
  let strings = known.get(money);
  if (!strings) {
    strings = { amount: minorToDecimal(money) };
    if (Object.isFrozen(money)) known.set(money, strings);
  }
  return strings;
}

export const Money: MoneyResolvers = {
  amount: (money) => stringsOf(money).amount,
  currency: (money) => money.currency,
  formatted: (money) => {
    const strings = stringsOf(money);
    // Intl formats a decimal string exactly; a Number could round large amounts.
    strings.formatted ??= formatterFor(money.currency).format(strings.amount as `${number}`);
    return strings.formatted;
  },
};
