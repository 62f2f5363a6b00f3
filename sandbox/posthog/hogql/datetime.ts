/** Date and time arithmetic on epoch milliseconds, all in UTC (the sandbox project's timezone). */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const DATETIME_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Reads ISO-8601 or ClickHouse `YYYY-MM-DD hh:mm:ss` text; null when it is not a valid instant. */
export function parseDateTimeText(text: string): number | null {
  const m = DATETIME_TEXT.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (new Date(ms).getUTCDate() !== day) return null;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * HOUR + Number(digits.slice(2)) * 60_000);
  }
  return ms;
}

export function startOfHour(ms: number): number {
  return Math.floor(ms / HOUR) * HOUR;
}

export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/** ClickHouse mode 0 weeks start on Sunday; mode 1 (and toMonday) on Monday. */
export function startOfWeek(ms: number, mondayFirst: boolean): number {
  const day = startOfDay(ms);
  const weekday = new Date(day).getUTCDay();
  const back = mondayFirst ? (weekday + 6) % 7 : weekday;
  return day - back * DAY;
}

export function startOfMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function startOfQuarter(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (d.getUTCMonth() % 3), 1);
}

export function startOfYear(ms: number): number {
  return Date.UTC(new Date(ms).getUTCFullYear(), 0, 1);
}

/** Adds calendar months, clamping the day to the target month's length as ClickHouse's addMonths does. */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime() + (ms - startOfDay(ms));
}

const FIXED_UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: HOUR,
  day: DAY,
  week: 7 * DAY,
};
const MONTHS_PER_UNIT: Record<string, number> = { month: 1, quarter: 3, year: 12 };

export function addInterval(ms: number, amount: number, unit: string): number {
  const fixed = FIXED_UNIT_MS[unit];
  if (fixed !== undefined) return ms + amount * fixed;
  return addMonths(ms, amount * (MONTHS_PER_UNIT[unit] ?? 0));
}

/**
 * An instant as Python's `isoformat()` after DRF swaps `+00:00` for `Z`, which is how PostHog's query and
 * persons endpoints render datetimes: microseconds appear only when non-zero.
 */
export function isoZ(ms: number): string {
  const text = new Date(ms).toISOString();
  const millis = ms - Math.floor(ms / 1000) * 1000;
  return millis === 0 ? `${text.slice(0, 19)}Z` : `${text.slice(0, 23)}000Z`;
}

/** The same instant with a `+00:00` offset, as PostHog's events endpoint serialises ClickHouse timestamps. */
export function isoOffset(ms: number): string {
  return `${isoZ(ms).slice(0, -1)}+00:00`;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ClickHouse's text form of a DateTime64(6), used by toString(). */
export function clickhouseDateTime(ms: number): string {
  const text = new Date(ms).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 23)}000`;
}
