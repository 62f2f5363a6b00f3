import type { EventTable } from '../../data/dataset.js';

/**
 * An event that arrived after the data set was built (PostHog capture). Captured events live beside the
 * columnar table, not in it: row `table.count + i` is `extra[i]`, and `extra` is kept in timestamp order
 * (ties in arrival order), so the planner and executor merge the two by time.
 */
export interface ExtraEvent {
  uuid: string;
  event: string;
  distinctId: string;
  /** Index of the seeded person with this distinct id, or -1 when there is none. */
  person: number;
  /** The person's uuid (a seeded person's, or one derived from the distinct id). */
  personUuid: string;
  timestamp: number;
  properties: Record<string, unknown>;
}

/** An event property as HogQL reads it: strings as they are, other JSON scalars and objects as JSON text. */
export function propertyText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What HogQL reads: the columnar events plus the PostHog-side view of each row. */
export interface EventsSource {
  table: EventTable;
  /** Captured events, in timestamp order; row `table.count + i` is `extra[i]`. */
  extra: readonly ExtraEvent[];
  /** distinct_id of each person, by person index. */
  distinctIds: readonly string[];
  personUuids: readonly string[];
  personIndexOf(distinctId: string): number | undefined;
  eventUuid(row: number): string;
  /** An event property as HogQL reads it: JSON scalars as text, missing as null. */
  property(row: number, name: string): string | null;
  propertiesJson(row: number): string;
  personProperty(person: number, name: string): string | null;
}

export type Value = string | number | boolean | null;
export type SqlType = 'String' | 'UUID' | 'Int' | 'UInt' | 'Float' | 'DateTime' | 'Date' | 'Bool' | 'Null';

/** The ClickHouse type name PostHog reports in `types`. */
export function clickhouseTypeName(type: SqlType, nullable: boolean): string {
  const names: Record<SqlType, string> = {
    String: 'String',
    UUID: 'UUID',
    Int: 'Int64',
    UInt: 'UInt64',
    Float: 'Float64',
    DateTime: "DateTime64(6, 'UTC')",
    Date: 'Date',
    Bool: 'Bool',
    Null: 'Nullable(Nothing)',
  };
  const name = names[type];
  return nullable && type !== 'Null' ? `Nullable(${name})` : name;
}

export function isNumeric(type: SqlType): boolean {
  return type === 'Int' || type === 'UInt' || type === 'Float' || type === 'Bool';
}

export function isTemporal(type: SqlType): boolean {
  return type === 'DateTime' || type === 'Date';
}

export function isText(type: SqlType): boolean {
  return type === 'String' || type === 'UUID';
}

export function truthy(value: Value): boolean {
  return value === true || (typeof value === 'number' && value !== 0);
}

/** Orders two non-null values of one comparable type. */
export function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}
