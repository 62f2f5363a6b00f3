import type { Reply } from '../http/route.js';
import { validationError } from './errors.js';

/** What the REST lists' `properties` filter compares against for one row. */
export interface PropertySource {
  event?: (key: string) => unknown;
  person: (key: string) => unknown;
}

export type PropertyPredicate = (row: PropertySource) => boolean;

const SUPPORTED_OPERATORS = [
  'exact',
  'is_not',
  'icontains',
  'not_icontains',
  'regex',
  'not_regex',
  'gt',
  'gte',
  'lt',
  'lte',
  'is_set',
  'is_not_set',
] as const;
type Operator = (typeof SUPPORTED_OPERATORS)[number];
/** PostHog's other operators: real, but not simulated, so refused rather than ignored. */
const OTHER_OPERATORS = new Set([
  'is_date_exact',
  'is_date_before',
  'is_date_after',
  'between',
  'not_between',
  'in',
  'not_in',
  'min',
  'max',
  'is_cleaned_path_exact',
  'flag_evaluates_to',
  'semver_eq',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

function compare(operator: Operator, actual: unknown, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  switch (operator) {
    case 'is_set':
      return isSet(actual);
    case 'is_not_set':
      return !isSet(actual);
    case 'exact':
      return isSet(actual) && values.some((v) => text(v) === text(actual));
    case 'is_not':
      return !isSet(actual) || values.every((v) => text(v) !== text(actual));
    case 'icontains':
      return isSet(actual) && text(actual).toLowerCase().includes(text(values[0]).toLowerCase());
    case 'not_icontains':
      return !isSet(actual) || !text(actual).toLowerCase().includes(text(values[0]).toLowerCase());
    case 'regex':
      return isSet(actual) && new RegExp(text(values[0])).test(text(actual));
    case 'not_regex':
      return !isSet(actual) || !new RegExp(text(values[0])).test(text(actual));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const a = Number(actual);
      const b = Number(values[0]);
      if (!isSet(actual) || Number.isNaN(a) || Number.isNaN(b)) return false;
      return operator === 'gt' ? a > b : operator === 'gte' ? a >= b : operator === 'lt' ? a < b : a <= b;
    }
  }
}

/**
 * Parses the REST lists' `properties` filter (a JSON array of `{key, value, operator, type}`, all
 * ANDed): `operator` defaults to `exact`, `type` to `event`. What the sandbox does not simulate (other
 * types, date and range operators, nested groups) is refused with a 400 naming it: never ignored.
 */
export function parsePropertyFilter(
  raw: string | undefined,
  allowedTypes: readonly ('event' | 'person')[],
): { ok: true; test: PropertyPredicate | null } | { ok: false; reply: Reply } {
  if (raw === undefined || raw === '') return { ok: true, test: null };
  const refuse = (detail: string) => ({ ok: false as const, reply: validationError(detail, 'properties') });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return refuse('Properties are unparsable!');
  }
  // PostHog also takes a `{type: "AND"|"OR", values: […]}` group; the sandbox takes the flat list only.
  const items = isObject(parsed) && Array.isArray(parsed.values) ? null : parsed;
  if (!Array.isArray(items)) {
    return refuse(
      'The sandbox takes `properties` as a flat JSON array of {key, value, operator, type} (ANDed).',
    );
  }
  const tests: PropertyPredicate[] = [];
  for (const item of items) {
    if (!isObject(item) || typeof item.key !== 'string' || item.key === '') {
      return refuse('Each property filter needs a `key`.');
    }
    const type = item.type ?? 'event';
    if (type !== 'event' && type !== 'person') {
      return refuse(`The sandbox does not support property filters of type '${text(type)}' here.`);
    }
    if (!allowedTypes.includes(type)) {
      return refuse(`Property filters of type '${type}' do not apply to this list.`);
    }
    const operator = item.operator ?? 'exact';
    if (!(SUPPORTED_OPERATORS as readonly unknown[]).includes(operator)) {
      return refuse(
        OTHER_OPERATORS.has(text(operator))
          ? `The sandbox does not support the '${text(operator)}' property operator.`
          : `"${text(operator)}" is not a valid choice.`,
      );
    }
    if (operator !== 'is_set' && operator !== 'is_not_set' && item.value === undefined) {
      return refuse(`The property filter on '${item.key}' needs a \`value\`.`);
    }
    if ((operator === 'regex' || operator === 'not_regex') && !validRegex(text(item.value))) {
      return refuse(`The regex for '${item.key}' is not valid.`);
    }
    const key = item.key;
    const value = item.value;
    const op = operator as Operator;
    tests.push((row) => {
      const read = type === 'person' ? row.person : row.event;
      return compare(op, read?.(key), value);
    });
  }
  return { ok: true, test: (row) => tests.every((t) => t(row)) };
}

function validRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
