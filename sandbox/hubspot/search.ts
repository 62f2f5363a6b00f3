import { HubSpotValidationError } from './errors.js';
import type { HubObject } from './objects.js';
import { OBJECT_TYPES, SINGULAR, propertyKind, type ObjectType, type PropertyKind } from './properties.js';

export const FILTER_OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface SearchFilter {
  propertyName: string;
  operator: FilterOperator;
  value?: string | undefined;
  values?: string[] | undefined;
  highValue?: string | undefined;
}

export interface SearchSort {
  propertyName: string;
  direction: 'ASCENDING' | 'DESCENDING';
}

export interface SearchRequest {
  filterGroups: { filters: SearchFilter[] }[];
  sorts: SearchSort[];
  query?: string | undefined;
  limit: number;
  /** Offset of the first result (HubSpot search's `after` is a plain number). */
  offset: number;
}

/** Limits since Aug 2024 (FACTS §2, H5) and the 10,000-result window. */
export const SEARCH_LIMITS = {
  groups: 5,
  filtersPerGroup: 10,
  filtersTotal: 25,
  window: 10_000,
  maxLimit: 200,
} as const;

/** What a filter sees of one object: its properties and, for `associations.<type>`, its associated ids. */
export interface SearchSubject {
  obj: HubObject;
  associated(to: ObjectType): readonly string[];
}

type Predicate = (subject: SearchSubject) => boolean;

function fail(message: string, field?: string): never {
  throw new HubSpotValidationError(message, field ? { errors: [{ message, in: field }] } : {});
}

export function checkFilterLimits(groups: readonly { filters: readonly SearchFilter[] }[]): void {
  if (groups.length > SEARCH_LIMITS.groups) {
    fail(
      `Too many filter groups (${groups.length}). The maximum number of filter groups is ${SEARCH_LIMITS.groups}.`,
      'filterGroups',
    );
  }
  groups.forEach((group, i) => {
    if (group.filters.length > SEARCH_LIMITS.filtersPerGroup) {
      fail(
        `Too many filters in filterGroups[${i}] (${group.filters.length}). The maximum number of filters per filter group is ${SEARCH_LIMITS.filtersPerGroup}.`,
        `filterGroups[${i}].filters`,
      );
    }
  });
  const total = groups.reduce((sum, group) => sum + group.filters.length, 0);
  if (total > SEARCH_LIMITS.filtersTotal) {
    fail(
      `Too many filters (${total}). The maximum number of filters across all filter groups is ${SEARCH_LIMITS.filtersTotal}.`,
      'filterGroups',
    );
  }
}

/** Lower-case words: HubSpot's token operators and text query match whole words, not substrings. */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}*]+/u)
    .filter((w) => w.length > 0);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** CONTAINS_TOKEN: `*` is a wildcard over the whole value; otherwise the value's words contain the token's words in a row. */
export function containsToken(value: string, token: string): boolean {
  const lowerToken = token.toLowerCase();
  if (lowerToken.includes('*')) {
    const pattern = new RegExp(`^${escapeRegExp(lowerToken).replace(/\*/g, '.*')}$`, 's');
    return (
      pattern.test(value.toLowerCase()) ||
      value
        .toLowerCase()
        .split(/\s+/)
        .some((word) => pattern.test(word))
    );
  }
  const want = wordsOf(lowerToken);
  const have = wordsOf(value);
  if (want.length === 0) return false;
  for (let start = 0; start + want.length <= have.length; start++) {
    if (want.every((word, k) => have[start + k] === word)) return true;
  }
  return false;
}

/** A filter value in the property's terms: epoch ms for datetimes (ms strings or ISO), numbers for numbers. */
function numericValue(kind: PropertyKind, raw: string, field: string): number {
  const trimmed = raw.trim();
  const parsed =
    kind === 'datetime' && !/^-?\d+(\.\d+)?$/.test(trimmed)
      ? Date.parse(trimmed)
      : trimmed === ''
        ? Number.NaN
        : Number(trimmed);
  if (Number.isNaN(parsed))
    fail(`'${raw}' is not a valid ${kind === 'datetime' ? 'date' : 'number'} value for ${field}.`, field);
  return parsed;
}

function requireValue(filter: SearchFilter, field: string): string {
  if (filter.value === undefined) fail(`operator ${filter.operator} requires a value`, field);
  return filter.value;
}

function requireValues(filter: SearchFilter, field: string): string[] {
  if (!filter.values || filter.values.length === 0)
    fail(`operator ${filter.operator} requires values`, field);
  return filter.values;
}

const ASSOCIATION_TARGETS = new Map(OBJECT_TYPES.map((type) => [`associations.${SINGULAR[type]}`, type]));

function compileAssociationFilter(to: ObjectType, filter: SearchFilter, field: string): Predicate {
  const ids = (s: SearchSubject): readonly string[] => s.associated(to);
  switch (filter.operator) {
    case 'EQ': {
      const id = requireValue(filter, field);
      return (s) => ids(s).includes(id);
    }
    case 'NEQ': {
      const id = requireValue(filter, field);
      return (s) => !ids(s).includes(id);
    }
    case 'IN': {
      const wanted = new Set(requireValues(filter, field));
      return (s) => ids(s).some((id) => wanted.has(id));
    }
    case 'NOT_IN': {
      const unwanted = new Set(requireValues(filter, field));
      return (s) => !ids(s).some((id) => unwanted.has(id));
    }
    case 'HAS_PROPERTY':
      return (s) => ids(s).length > 0;
    case 'NOT_HAS_PROPERTY':
      return (s) => ids(s).length === 0;
    default:
      return fail(`operator ${filter.operator} is not supported for ${filter.propertyName}`, field);
  }
}

function compileNumericFilter(
  name: string,
  kind: PropertyKind,
  filter: SearchFilter,
  field: string,
): Predicate {
  const num = (s: SearchSubject): number | undefined => s.obj.numbers[name];
  const one = (): number => numericValue(kind, requireValue(filter, field), field);
  switch (filter.operator) {
    case 'EQ': {
      const v = one();
      return (s) => num(s) === v;
    }
    case 'NEQ': {
      const v = one();
      return (s) => num(s) !== v;
    }
    case 'LT': {
      const v = one();
      return (s) => (num(s) ?? Number.NaN) < v;
    }
    case 'LTE': {
      const v = one();
      return (s) => (num(s) ?? Number.NaN) <= v;
    }
    case 'GT': {
      const v = one();
      return (s) => (num(s) ?? Number.NaN) > v;
    }
    case 'GTE': {
      const v = one();
      return (s) => (num(s) ?? Number.NaN) >= v;
    }
    case 'BETWEEN': {
      const low = one();
      if (filter.highValue === undefined) fail('operator BETWEEN requires a highValue', field);
      const high = numericValue(kind, filter.highValue, field);
      return (s) => {
        const n = num(s);
        return n !== undefined && n >= low && n <= high;
      };
    }
    case 'IN': {
      const wanted = new Set(requireValues(filter, field).map((v) => numericValue(kind, v, field)));
      return (s) => {
        const n = num(s);
        return n !== undefined && wanted.has(n);
      };
    }
    case 'NOT_IN': {
      const unwanted = new Set(requireValues(filter, field).map((v) => numericValue(kind, v, field)));
      return (s) => {
        const n = num(s);
        return n === undefined || !unwanted.has(n);
      };
    }
    default:
      return compileTextFilter(name, filter, field);
  }
}

const TEXT_ORDER: Record<'LT' | 'LTE' | 'GT' | 'GTE', (a: string, b: string) => boolean> = {
  LT: (a, b) => a < b,
  LTE: (a, b) => a <= b,
  GT: (a, b) => a > b,
  GTE: (a, b) => a >= b,
};

/** Text comparisons ignore case, as HubSpot's do for email and other string properties. */
function compileTextFilter(name: string, filter: SearchFilter, field: string): Predicate {
  const text = (s: SearchSubject): string | null | undefined => s.obj.properties[name];
  const lower = (s: SearchSubject): string | undefined => text(s)?.toLowerCase();
  const one = (): string => requireValue(filter, field).toLowerCase();
  switch (filter.operator) {
    case 'EQ': {
      const v = one();
      return (s) => lower(s) === v;
    }
    case 'NEQ': {
      const v = one();
      return (s) => lower(s) !== v;
    }
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE': {
      const v = one();
      const holds = TEXT_ORDER[filter.operator];
      // An unset value is neither below nor above anything.
      return (s) => {
        const t = lower(s);
        return t !== undefined && holds(t, v);
      };
    }
    case 'BETWEEN': {
      const low = one();
      if (filter.highValue === undefined) fail('operator BETWEEN requires a highValue', field);
      const high = filter.highValue.toLowerCase();
      return (s) => {
        const t = lower(s);
        return t !== undefined && t >= low && t <= high;
      };
    }
    case 'IN': {
      const wanted = new Set(requireValues(filter, field).map((v) => v.toLowerCase()));
      return (s) => {
        const t = lower(s);
        return t !== undefined && wanted.has(t);
      };
    }
    case 'NOT_IN': {
      const unwanted = new Set(requireValues(filter, field).map((v) => v.toLowerCase()));
      return (s) => {
        const t = lower(s);
        return t === undefined || !unwanted.has(t);
      };
    }
    case 'HAS_PROPERTY':
      return (s) => (text(s) ?? '') !== '';
    case 'NOT_HAS_PROPERTY':
      return (s) => (text(s) ?? '') === '';
    case 'CONTAINS_TOKEN': {
      const token = requireValue(filter, field);
      return (s) => containsToken(text(s) ?? '', token);
    }
    case 'NOT_CONTAINS_TOKEN': {
      const token = requireValue(filter, field);
      return (s) => !containsToken(text(s) ?? '', token);
    }
  }
}

/** Turns one filter into a predicate, refusing unknown properties and missing values up front. */
export function compileFilter(type: ObjectType, filter: SearchFilter, field = 'filter'): Predicate {
  const target = ASSOCIATION_TARGETS.get(filter.propertyName);
  if (target) return compileAssociationFilter(target, filter, field);
  const kind = propertyKind(type, filter.propertyName);
  if (!kind)
    fail(
      `There was a problem with the request: property '${filter.propertyName}' does not exist on ${type}.`,
      field,
    );
  if (kind === 'number' || kind === 'datetime')
    return compileNumericFilter(filter.propertyName, kind, filter, field);
  return compileTextFilter(filter.propertyName, filter, field);
}

/** Filters inside a group are ANDed, groups are ORed; no groups matches everything. */
export function compileFilterGroups(
  type: ObjectType,
  groups: readonly { filters: readonly SearchFilter[] }[],
): Predicate {
  checkFilterLimits(groups);
  const compiled = groups.map((group, g) =>
    group.filters.map((filter, f) => compileFilter(type, filter, `filterGroups[${g}].filters[${f}]`)),
  );
  if (compiled.length === 0) return () => true;
  return (subject) => compiled.some((group) => group.every((predicate) => predicate(subject)));
}

/** Every word of the query must begin some word of the object's searchable properties. */
export function compileQuery(query: string | undefined): (words: readonly string[]) => boolean {
  const wanted = query ? wordsOf(query.replace(/\*/g, ' ')) : [];
  if (wanted.length === 0) return () => true;
  return (words) => wanted.every((w) => words.some((word) => word.startsWith(w)));
}

/** Orders by the given sorts (missing values last), then by id, so pages never overlap. */
export function compareBy(
  type: ObjectType,
  sorts: readonly SearchSort[],
): (a: HubObject, b: HubObject) => number {
  const keys = sorts.map((sort) => {
    const kind = propertyKind(type, sort.propertyName);
    if (!kind)
      fail(
        `There was a problem with the request: cannot sort by unknown property '${sort.propertyName}'.`,
        'sorts',
      );
    return {
      name: sort.propertyName,
      numeric: kind === 'number' || kind === 'datetime',
      sign: sort.direction === 'DESCENDING' ? -1 : 1,
    };
  });
  return (a, b) => {
    for (const key of keys) {
      const order = key.numeric
        ? compareMaybe(a.numbers[key.name], b.numbers[key.name], (x, y) => x - y)
        : compareMaybe(
            a.properties[key.name]?.toLowerCase(),
            b.properties[key.name]?.toLowerCase(),
            (x, y) => (x < y ? -1 : x > y ? 1 : 0),
          );
      if (order.missing) return order.value;
      if (order.value !== 0) return order.value * key.sign;
    }
    return a.idNumber - b.idNumber;
  };
}

function compareMaybe<T>(
  a: T | undefined | null,
  b: T | undefined | null,
  compare: (x: T, y: T) => number,
): { value: number; missing: boolean } {
  const aMissing = a === undefined || a === null;
  const bMissing = b === undefined || b === null;
  if (aMissing || bMissing)
    return { value: aMissing === bMissing ? 0 : aMissing ? 1 : -1, missing: aMissing !== bMissing };
  return { value: compare(a, b), missing: false };
}

export interface SearchSource {
  objects: readonly HubObject[];
  words(obj: HubObject): readonly string[];
  associated(obj: HubObject, to: ObjectType): readonly string[];
  /** Objects associated with one object of another type (the reverse index), sorted by id. */
  associatedWith(other: ObjectType, otherId: string): readonly HubObject[];
}

/**
 * Objects that can possibly match: when every group pins an `associations.<type>` EQ id, only those
 * objects' neighbours need checking (contacts of a company at bench size); otherwise all objects.
 */
function candidatesOf(
  source: SearchSource,
  groups: readonly { filters: readonly SearchFilter[] }[],
): readonly HubObject[] {
  if (groups.length === 0) return source.objects;
  const pinned: HubObject[][] = [];
  for (const group of groups) {
    const pin = group.filters.find(
      (f) => f.operator === 'EQ' && f.value !== undefined && ASSOCIATION_TARGETS.has(f.propertyName),
    );
    const other = pin ? ASSOCIATION_TARGETS.get(pin.propertyName) : undefined;
    if (!pin || !other || pin.value === undefined) return source.objects;
    pinned.push([...source.associatedWith(other, pin.value)]);
  }
  if (pinned.length === 1) return pinned[0] ?? [];
  const unique = new Map(pinned.flat().map((obj) => [obj.id, obj]));
  return [...unique.values()].sort((a, b) => a.idNumber - b.idNumber);
}

export interface SearchOutcome {
  total: number;
  page: HubObject[];
  /** Offset of the next page, when there is one. */
  nextOffset?: number;
}

export function runSearch(type: ObjectType, source: SearchSource, request: SearchRequest): SearchOutcome {
  if (request.offset >= SEARCH_LIMITS.window) {
    fail(
      `Paging past the result window is not allowed: after (${request.offset}) must be less than ${SEARCH_LIMITS.window}.`,
      'after',
    );
  }
  const matchesFilters = compileFilterGroups(type, request.filterGroups);
  const matchesQuery = compileQuery(request.query);
  const compare = compareBy(type, request.sorts);
  const matched = candidatesOf(source, request.filterGroups).filter((obj) => {
    const subject: SearchSubject = { obj, associated: (to) => source.associated(obj, to) };
    return matchesQuery(source.words(obj)) && matchesFilters(subject);
  });
  if (request.sorts.length > 0) matched.sort(compare);
  const end = Math.min(request.offset + request.limit, SEARCH_LIMITS.window);
  const page = matched.slice(request.offset, end);
  return end < matched.length
    ? { total: matched.length, page, nextOffset: end }
    : { total: matched.length, page };
}
