const DAY = 86_400_000;

/** A half-open range [start, end) in epoch ms, the span a date literal stands for. */
export interface TimeRange {
  start: number;
  end: number;
}

function midnight(epochMs: number): number {
  return Math.floor(epochMs / DAY) * DAY;
}

function monthStart(epochMs: number, addMonths: number): number {
  const d = new Date(epochMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + addMonths, 1);
}

function yearStart(epochMs: number, addYears: number): number {
  return Date.UTC(new Date(epochMs).getUTCFullYear() + addYears, 0, 1);
}

/** Sunday midnight of the week `addWeeks` from now (the en_US locale's week). */
function weekStart(epochMs: number, addWeeks: number): number {
  const today = midnight(epochMs);
  return today - new Date(today).getUTCDay() * DAY + addWeeks * 7 * DAY;
}

/**
 * The range a date literal covers at `now`, in UTC (the twin's users are all on GMT). LAST_N_DAYS:n
 * starts n days before today's midnight and runs to the end of today, as Salesforce documents it.
 */
export function dateLiteralRange(name: string, n: number | null, now: number): TimeRange {
  const today = midnight(now);
  const k = n ?? 0;
  switch (name) {
    case 'YESTERDAY':
      return { start: today - DAY, end: today };
    case 'TODAY':
      return { start: today, end: today + DAY };
    case 'TOMORROW':
      return { start: today + DAY, end: today + 2 * DAY };
    case 'LAST_WEEK':
      return { start: weekStart(now, -1), end: weekStart(now, 0) };
    case 'THIS_WEEK':
      return { start: weekStart(now, 0), end: weekStart(now, 1) };
    case 'NEXT_WEEK':
      return { start: weekStart(now, 1), end: weekStart(now, 2) };
    case 'LAST_MONTH':
      return { start: monthStart(now, -1), end: monthStart(now, 0) };
    case 'THIS_MONTH':
      return { start: monthStart(now, 0), end: monthStart(now, 1) };
    case 'NEXT_MONTH':
      return { start: monthStart(now, 1), end: monthStart(now, 2) };
    case 'LAST_90_DAYS':
      return { start: today - 90 * DAY, end: today + DAY };
    case 'NEXT_90_DAYS':
      return { start: today + DAY, end: today + 91 * DAY };
    case 'LAST_YEAR':
      return { start: yearStart(now, -1), end: yearStart(now, 0) };
    case 'THIS_YEAR':
      return { start: yearStart(now, 0), end: yearStart(now, 1) };
    case 'NEXT_YEAR':
      return { start: yearStart(now, 1), end: yearStart(now, 2) };
    case 'LAST_N_DAYS':
      return { start: today - k * DAY, end: today + DAY };
    case 'NEXT_N_DAYS':
      return { start: today + DAY, end: today + (k + 1) * DAY };
    case 'N_DAYS_AGO':
      return { start: today - k * DAY, end: today - (k - 1) * DAY };
    case 'LAST_N_WEEKS':
      return { start: weekStart(now, -k), end: weekStart(now, 0) };
    case 'NEXT_N_WEEKS':
      return { start: weekStart(now, 1), end: weekStart(now, k + 1) };
    case 'LAST_N_MONTHS':
      return { start: monthStart(now, -k), end: monthStart(now, 0) };
    case 'NEXT_N_MONTHS':
      return { start: monthStart(now, 1), end: monthStart(now, k + 1) };
    default:
      throw new Error(`no range for date literal ${name}`);
  }
}
