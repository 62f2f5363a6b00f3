import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/** RFC 3339 `date-time`, as the DateTime scalar specification requires: a time and an offset. */
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function parseDateTime(value: unknown): Date {
  if (typeof value === 'string' && RFC3339_DATE_TIME.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new GraphQLError(
    'DateTime must be an ISO-8601 date-time with a time and an offset (RFC 3339), such as 2026-11-24T09:30:00Z.',
    {
      extensions: { code: 'BAD_USER_INPUT' },
    },
  );
}

/**
 * ISO strings of the Dates held by the local cache tier (frozen, shared by every request): a warm
 * dashboard serializes the same ~250 Dates on each request, and toISOString is most of that cost.
 * Keyed by the object, checked against its time (freezing a Date does not stop setTime).
 */
const isoStrings = new WeakMap<Date, { time: number; iso: string }>();

function isoString(date: Date): string {
  const time = date.getTime();
  const known = isoStrings.get(date);
  if (known?.time === time) return known.iso;
  const iso = date.toISOString();
  if (Object.isFrozen(date)) isoStrings.set(date, { time, iso });
  return iso;
}

/**
 * graphql-tools copies a resolver scalar's description and `specifiedByURL` over the SDL's, so
 * they are repeated here (test/unit/schema-descriptions.test.ts checks both say the same).
 */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description:
    'An instant in time: an ISO-8601 string in UTC with milliseconds, e.g. `2026-11-24T09:30:00.000Z`.\n' +
    'As input any RFC 3339 date-time with an offset is accepted and converted to UTC.',
  specifiedByURL: 'https://scalars.graphql.org/andimarek/date-time',
  serialize: (value) => {
    if (value instanceof Date) return isoString(value);
    throw new TypeError('DateTime fields must resolve to a Date');
  },
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

function literalValue(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.LIST:
      return ast.values.map(literalValue);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalValue(f.value)]));
    default:
      return null;
  }
}

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: "An arbitrary JSON value (a provider's own labels and metadata).",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literalValue,
});

/**
 * ISO 4217 as this Node's ICU knows it (the codes `Intl.NumberFormat` formats with their own
 * symbol and minor unit), so an input the money code could not format is refused at the door.
 */
const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));
const CURRENCY_CODE = /^[A-Z]{3}$/;

function parseCurrency(value: unknown): string {
  if (typeof value === 'string' && CURRENCY_CODE.test(value) && ISO_4217.has(value)) return value;
  throw new GraphQLError('Currency must be an ISO 4217 code in upper case, such as USD.', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/**
 * Output is checked for shape only: a provider's currency that this ICU does not know yet is still
 * a currency (Intl formats it with its code), while anything else is a mapping bug, not money.
 */
export const Currency = new GraphQLScalarType<string, string>({
  name: 'Currency',
  description:
    'A currency: its ISO 4217 three-letter code in upper case, e.g. `USD`, `EUR`, `JPY`. Input must be\n' +
    'a code ISO 4217 defines (anything else is BAD_USER_INPUT).',
  specifiedByURL: 'https://www.iso.org/iso-4217-currency-codes.html',
  serialize: (value) => {
    if (typeof value === 'string' && CURRENCY_CODE.test(value)) return value;
    throw new TypeError(`Currency fields must resolve to an upper-case ISO 4217 code, not ${String(value)}`);
  },
  parseValue: parseCurrency,
  parseLiteral: (ast) => parseCurrency(ast.kind === Kind.STRING ? ast.value : undefined),
});
