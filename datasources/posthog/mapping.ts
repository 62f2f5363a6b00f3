import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ActivitySummary, AnalyticsEvent } from '../model.js';

// ---- time ----------------------------------------------------------------------------------------

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Date.UTC's own reading of a year: 0–99 are 1900–1999. */
const utcYear = (year: number) => (year >= 0 && year <= 99 ? 1900 + year : year);

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function utc(year: number, month: number, day: number, h = 0, m = 0, s = 0, ms = 0): number | null {
  if (month < 1 || month > 12 || h > 23 || m > 59 || s > 59) return null;
  // Date.UTC rolls 31 February over into March; a real provider never sends it, garbage might.
  const days = month === 2 && isLeap(utcYear(year)) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > days) return null;
  return Date.UTC(year, month - 1, day, h, m, s, ms);
}

/** `Z`, `+00:00`, `-0500`: the offset in ms to subtract to reach UTC. */
function offsetMs(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/**
 * A PostHog datetime (`2026-10-28T11:08:19.837000Z`, `…+00:00`, with or without a fraction) as epoch
 * ms, or NaN when it is not one. The zone is required: without it the instant depends on the
 * project's timezone, which we cannot know from the value. Microseconds are cut to milliseconds.
 * Allocates no Date: an activity answer has hundreds of rows, each checked and then read.
 */
export function parsePostHogTime(text: string): number {
  const m = DATETIME.exec(text);
  if (!m) return NaN;
  const fraction = m[7];
  const millis =
    fraction === undefined
      ? 0
      : Number(fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0'));
  const t = utc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), millis);
  return t === null ? NaN : t - offsetMs(m[8] ?? 'Z');
}

/** `parsePostHogTime` as a Date, or null when the text is not a PostHog datetime. */
export function parsePostHogDateTime(text: string): Date | null {
  const t = parsePostHogTime(text);
  return Number.isNaN(t) ? null : new Date(t);
}

/** A HogQL `Date` (`YYYY-MM-DD`) as UTC midnight, or null. */
export function parsePostHogDate(text: string): Date | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const t = utc(Number(m[1]), Number(m[2]), Number(m[3]));
  return t === null ? null : new Date(t);
}

/** A bucket start comes back as a Date (toMonday, toStartOfMonth) or a DateTime (toStartOfHour/Day). */
export function parseBucketStart(text: string): Date | null {
  return parsePostHogDate(text) ?? parsePostHogDateTime(text);
}

/** PostHog's own text for an instant, as its query API renders one: what placeholders accept back. */
export function formatPostHogDateTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

// ---- row shapes (what our queries select) --------------------------------------------------------

const dateTimeText = z.string().refine((v) => !Number.isNaN(parsePostHogTime(v)), 'not a PostHog datetime');
const dateText = z.string().refine((v) => parsePostHogDate(v) !== null, 'not a PostHog date');
const count = z.number().int().nonnegative();

/** HogQL returns `properties` as JSON text; an already decoded object is accepted too. */
const propertiesValue = z.union([
  z.record(z.string(), z.unknown()),
  z.string().transform((text, ctx): Record<string, unknown> => {
    const decoded = decodeProperties(text);
    if (decoded === null) {
      ctx.addIssue({ code: 'custom', message: 'properties is not a JSON object' });
      return z.NEVER;
    }
    return decoded;
  }),
]);

/** `properties` JSON text as an object, or null when it is not a JSON object. */
export function decodeProperties(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

export const EventRowSchema = z.object({
  uuid: z.string().min(1),
  event: z.string(),
  distinct_id: z.string(),
  timestamp: dateTimeText,
  properties: propertiesValue,
});
export type EventRow = z.infer<typeof EventRowSchema>;

export const ActivityRowSchema = z.object({
  distinct_id: z.string(),
  event: z.string(),
  day: dateText,
  c: count,
  last: dateTimeText,
});
export type ActivityRow = z.infer<typeof ActivityRowSchema>;

export const BucketRowSchema = z.object({
  bucket: z.string().refine((v) => parseBucketStart(v) !== null, 'not a PostHog date or datetime'),
  n: count,
});
export type BucketRow = z.infer<typeof BucketRowSchema>;

// ---- rows -> model -------------------------------------------------------------------------------

/** Zod has checked the text already; this only narrows the type. */
function instant(text: string): Date {
  return new Date(instantMs(text));
}

function instantMs(text: string): number {
  const t = parsePostHogTime(text);
  if (Number.isNaN(t)) throw new TypeError(`not a PostHog datetime: ${text}`);
  return t;
}

export function toAnalyticsEvent(row: EventRow): AnalyticsEvent {
  const url = row.properties.$current_url;
  return {
    id: row.uuid,
    name: row.event,
    occurredAt: instant(row.timestamp),
    contactId: row.distinct_id,
    url: typeof url === 'string' && url !== '' ? url : null,
    properties: row.properties,
  };
}

/** How many event names a summary lists; a contact can send any number of custom names. */
export const TOP_EVENTS = 10;

interface Tally {
  eventCount: number;
  days: Set<string>;
  last: number | null;
  byName: Map<string, number>;
}

function emptyTally(): Tally {
  return { eventCount: 0, days: new Set(), last: null, byName: new Map() };
}

/**
 * Rows grouped by (distinct_id, event, day) folded into one summary per contact asked, in the order
 * asked, zeros for contacts without rows. Rows for one group may arrive split over several answers
 * (a query retried in halves): counts add up, days are a set, so the result is the same.
 */
export function summarizeActivity(
  contactIds: readonly string[],
  since: Date,
  until: Date,
  rows: readonly ActivityRow[],
): ActivitySummary[] {
  const tallies = new Map<string, Tally>();
  for (const row of rows) {
    let tally = tallies.get(row.distinct_id);
    if (!tally) tallies.set(row.distinct_id, (tally = emptyTally()));
    tally.eventCount += row.c;
    if (row.c > 0) tally.days.add(row.day);
    tally.byName.set(row.event, (tally.byName.get(row.event) ?? 0) + row.c);
    const last = instantMs(row.last);
    tally.last = tally.last === null ? last : Math.max(tally.last, last);
  }
  return contactIds.map((contactId) => {
    const tally = tallies.get(contactId) ?? emptyTally();
    return {
      contactId,
      since,
      until,
      eventCount: tally.eventCount,
      activeDays: tally.days.size,
      lastSeenAt: tally.last === null ? null : new Date(tally.last),
      topEvents: topEvents(tally.byName),
    };
  });
}

/** By count, most first; ties by name so the order never depends on the provider's row order. */
export function topEvents(byName: ReadonlyMap<string, number>): Array<{ name: string; count: number }> {
  return [...byName]
    .filter(([, n]) => n > 0)
    .map(([name, n]) => ({ name, count: n }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, TOP_EVENTS);
}

/**
 * One count per bucket start, zero where PostHog returned no row. A returned bucket is matched by its
 * instant; one that is no bucket of ours (a project not in UTC) is dropped rather than misfiled.
 */
export function countsByBucket(
  starts: readonly Date[],
  rows: readonly BucketRow[],
): Array<{ start: Date; count: number }> {
  const byStart = new Map<number, number>();
  for (const row of rows) {
    const start = parseBucketStart(row.bucket);
    if (start) byStart.set(start.getTime(), (byStart.get(start.getTime()) ?? 0) + row.n);
  }
  return starts.map((start) => ({ start, count: byStart.get(start.getTime()) ?? 0 }));
}

// ---- capture ---------------------------------------------------------------------------------------

/** Keeps these ids apart from any other digest of the same key. */
const EVENT_UUID_LABEL = 'concord:posthog-event:';

/**
 * The event uuid for a write's idempotency key: the first 16 bytes of a SHA-256 of the key, marked
 * as an RFC 9562 version 8 (custom) UUID. The same key always gives the same uuid, so a retried
 * capture is one event to PostHog, which keeps one event per uuid.
 */
export function eventUuid(idempotencyKey: string): string {
  const bytes = createHash('sha256')
    .update(EVENT_UUID_LABEL + idempotencyKey)
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
