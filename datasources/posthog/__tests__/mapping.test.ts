import { describe, expect, it } from '@jest/globals';
import { alignToBucket, bucketStarts, nextBucketStart } from '../../buckets.js';
import { classifyPostHogError, rowsToObjects } from '../client.js';
import { decodeEventCursor, encodeEventCursor } from '../analytics.js';
import {
  ActivityRowSchema,
  countsByBucket,
  EventRowSchema,
  formatPostHogDateTime,
  parseBucketStart,
  parsePostHogDate,
  parsePostHogDateTime,
  summarizeActivity,
  toAnalyticsEvent,
  topEvents,
  type ActivityRow,
} from '../mapping.js';

const at = (iso: string): number => new Date(iso).getTime();

describe('parsePostHogDateTime', () => {
  it('reads Z and +00:00, with and without a fraction', () => {
    expect(parsePostHogDateTime('2026-10-28T11:08:19.837000Z')?.toISOString()).toBe(
      '2026-10-28T11:08:19.837Z',
    );
    expect(parsePostHogDateTime('2026-10-28T11:08:19Z')?.toISOString()).toBe('2026-10-28T11:08:19.000Z');
    expect(parsePostHogDateTime('2026-10-28T11:08:19.837+00:00')?.toISOString()).toBe(
      '2026-10-28T11:08:19.837Z',
    );
    expect(parsePostHogDateTime('2026-10-28T11:08:19+00:00')?.toISOString()).toBe('2026-10-28T11:08:19.000Z');
  });

  it('applies other offsets and cuts microseconds to milliseconds', () => {
    expect(parsePostHogDateTime('2026-10-28T06:08:19.837999-05:00')?.toISOString()).toBe(
      '2026-10-28T11:08:19.837Z',
    );
    expect(parsePostHogDateTime('2026-10-28 13:38:19+0230')?.toISOString()).toBe('2026-10-28T11:08:19.000Z');
  });

  it('refuses text without a zone, impossible dates and garbage', () => {
    for (const text of [
      '2026-10-28T11:08:19',
      '2026-02-30T00:00:00Z',
      '2026-10-28T24:00:00Z',
      '2026-10-28',
      'yesterday',
      '',
    ]) {
      expect(parsePostHogDateTime(text)).toBeNull();
    }
  });

  it('writes instants the way PostHog does, and reads them back', () => {
    const date = new Date('2026-10-28T11:08:19.837Z');
    expect(formatPostHogDateTime(date)).toBe('2026-10-28T11:08:19.837000Z');
    expect(parsePostHogDateTime(formatPostHogDateTime(date))).toEqual(date);
  });
});

describe('parsePostHogDate and parseBucketStart', () => {
  it('reads dates as UTC midnight and bucket starts in either form', () => {
    expect(parsePostHogDate('2026-11-02')?.toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(parsePostHogDate('2026-11-31')).toBeNull();
    expect(parseBucketStart('2026-11-02')?.toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(parseBucketStart('2026-11-02T05:00:00Z')?.toISOString()).toBe('2026-11-02T05:00:00.000Z');
    expect(parseBucketStart('soon')).toBeNull();
  });
});

describe('rows', () => {
  it('turns row arrays into objects by columns', () => {
    expect(
      rowsToObjects(
        ['a', 'b'],
        [
          [1, 'x'],
          [2, null],
        ],
      ),
    ).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: null },
    ]);
  });

  it('maps an event row, with properties as JSON text or an object', () => {
    const row = EventRowSchema.parse({
      uuid: '019a2a5f-0e2d-7abc-8def-000000000001',
      event: '$pageview',
      distinct_id: '101',
      timestamp: '2026-10-28T11:08:19.837000Z',
      properties: JSON.stringify({ $current_url: 'https://app.example/pricing', $browser: 'Safari' }),
    });
    expect(toAnalyticsEvent(row)).toEqual({
      id: '019a2a5f-0e2d-7abc-8def-000000000001',
      name: '$pageview',
      occurredAt: new Date('2026-10-28T11:08:19.837Z'),
      contactId: '101',
      url: 'https://app.example/pricing',
      properties: { $current_url: 'https://app.example/pricing', $browser: 'Safari' },
    });
    const noUrl = EventRowSchema.parse({ ...row, properties: { amount: 1200 } });
    expect(toAnalyticsEvent(noUrl).url).toBeNull();
    expect(toAnalyticsEvent(noUrl).properties).toEqual({ amount: 1200 });
  });

  it('refuses rows PostHog would never send', () => {
    const base = {
      uuid: 'u',
      event: 'e',
      distinct_id: '1',
      timestamp: '2026-10-28T11:08:19Z',
      properties: '{}',
    };
    expect(EventRowSchema.safeParse(base).success).toBe(true);
    expect(EventRowSchema.safeParse({ ...base, properties: '[1]' }).success).toBe(false);
    expect(EventRowSchema.safeParse({ ...base, properties: '{oops' }).success).toBe(false);
    expect(EventRowSchema.safeParse({ ...base, timestamp: '2026-10-28' }).success).toBe(false);
    expect(
      ActivityRowSchema.safeParse({
        distinct_id: '1',
        event: 'e',
        day: '2026-10-28',
        c: -1,
        last: base.timestamp,
      }).success,
    ).toBe(false);
  });
});

describe('summarizeActivity', () => {
  const since = new Date('2026-10-01T00:00:00Z');
  const until = new Date('2026-11-01T00:00:00Z');
  const row = (id: string, event: string, day: string, c: number, last: string): ActivityRow => ({
    distinct_id: id,
    event,
    day,
    c,
    last,
  });

  it('folds groups per contact, in the order asked, zeros for the silent', () => {
    const rows = [
      row('a', '$pageview', '2026-10-02', 3, '2026-10-02T10:00:00Z'),
      row('a', 'signed_in', '2026-10-02', 1, '2026-10-02T09:00:00Z'),
      row('a', 'signed_in', '2026-10-05', 2, '2026-10-05T18:30:00.250000Z'),
      row('b', 'purchase', '2026-10-07', 1, '2026-10-07T00:00:01Z'),
    ];
    const [b, silent, a, again] = summarizeActivity(['b', 'zzz', 'a', 'b'], since, until, rows);
    expect(a).toEqual({
      contactId: 'a',
      since,
      until,
      eventCount: 6,
      activeDays: 2,
      lastSeenAt: new Date('2026-10-05T18:30:00.250Z'),
      topEvents: [
        { name: '$pageview', count: 3 },
        { name: 'signed_in', count: 3 },
      ],
    });
    expect(b?.eventCount).toBe(1);
    expect(again).toEqual(b);
    expect(silent).toEqual({
      contactId: 'zzz',
      since,
      until,
      eventCount: 0,
      activeDays: 0,
      lastSeenAt: null,
      topEvents: [],
    });
  });

  it('gives the same answer when a group arrives split over two answers', () => {
    const whole = summarizeActivity(['a'], since, until, [
      row('a', 'x', '2026-10-02', 5, '2026-10-02T20:00:00Z'),
    ]);
    const split = summarizeActivity(['a'], since, until, [
      row('a', 'x', '2026-10-02', 2, '2026-10-02T08:00:00Z'),
      row('a', 'x', '2026-10-02', 3, '2026-10-02T20:00:00Z'),
    ]);
    expect(split).toEqual(whole);
  });

  it('orders top events by count, then name, and keeps ten', () => {
    const names = new Map(Array.from({ length: 12 }, (_, i) => [`e${String(i).padStart(2, '0')}`, i % 3]));
    const top = topEvents(names);
    expect(top).toHaveLength(8); // the four zero counts are not events
    expect(top.slice(0, 3)).toEqual([
      { name: 'e02', count: 2 },
      { name: 'e05', count: 2 },
      { name: 'e08', count: 2 },
    ]);
    const many = new Map(Array.from({ length: 30 }, (_, i) => [`n${i}`, i + 1]));
    expect(topEvents(many)).toHaveLength(10);
  });
});

describe('buckets', () => {
  it('aligns in UTC: hours, days, ISO weeks from Monday, months', () => {
    const t = at('2026-11-05T13:45:12.345Z'); // a Thursday
    expect(new Date(alignToBucket(t, 'HOUR')).toISOString()).toBe('2026-11-05T13:00:00.000Z');
    expect(new Date(alignToBucket(t, 'DAY')).toISOString()).toBe('2026-11-05T00:00:00.000Z');
    expect(new Date(alignToBucket(t, 'WEEK')).toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(new Date(alignToBucket(at('2026-11-08T23:59:59Z'), 'WEEK')).toISOString()).toBe(
      '2026-11-02T00:00:00.000Z',
    ); // Sunday ends the ISO week
    expect(new Date(alignToBucket(at('2026-11-09T00:00:00Z'), 'WEEK')).toISOString()).toBe(
      '2026-11-09T00:00:00.000Z',
    );
    expect(new Date(alignToBucket(t, 'MONTH')).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(new Date(nextBucketStart(at('2026-12-01T00:00:00Z'), 'MONTH')).toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('lists every bucket overlapping the range, the first one partial', () => {
    const starts = bucketStarts(new Date('2026-01-30T12:00:00Z'), new Date('2026-04-01T00:00:00Z'), 'MONTH');
    expect(starts.map((d) => d.toISOString().slice(0, 10))).toEqual([
      '2026-01-01',
      '2026-02-01',
      '2026-03-01',
    ]);
    expect(
      bucketStarts(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T03:00:01Z'), 'HOUR'),
    ).toHaveLength(4);
    expect(bucketStarts(new Date('2026-01-02'), new Date('2026-01-01'), 'DAY')).toEqual([]);
  });

  it('fills empty buckets with zero and ignores buckets that are not ours', () => {
    const starts = bucketStarts(new Date('2026-11-02T00:00:00Z'), new Date('2026-11-05T00:00:00Z'), 'DAY');
    const counts = countsByBucket(starts, [
      { bucket: '2026-11-02T00:00:00Z', n: 4 },
      { bucket: '2026-11-04', n: 2 },
      { bucket: '2026-11-04T05:00:00Z', n: 9 },
    ]);
    expect(counts.map((c) => c.count)).toEqual([4, 0, 2]);
  });
});

describe('event cursors', () => {
  it('round-trips and refuses foreign text', () => {
    const position = { ts: '2026-10-28T11:08:19.837123Z', uuid: '019a2a5f-0e2d-7abc-8def-000000000001' };
    expect(decodeEventCursor(encodeEventCursor(position))).toEqual(position);
    for (const bad of ['', 'abc', 'ph1:2026-10-28|x', "ph1:2026-10-28T11:08:19Z|1' OR '1'='1", 'ph1:a|b|c'])
      expect(decodeEventCursor(bad)).toBeNull();
  });
});

describe('classifyPostHogError', () => {
  it('reads throttling, auth and server errors from the body', () => {
    const throttled = {
      type: 'throttled_error',
      code: 'throttled',
      detail: 'Request was throttled. Expected available in 59 seconds.',
      attr: null,
    };
    expect(classifyPostHogError(429, throttled, {})).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 59_000,
    });
    expect(classifyPostHogError(429, throttled, { 'retry-after': '3' }).retryAfterMs).toBeUndefined();
    expect(
      classifyPostHogError(401, { type: 'authentication_error', code: 'authentication_failed' }, {}).code,
    ).toBe('UNAUTHORIZED');
    expect(classifyPostHogError(503, { type: 'server_error', code: 'x' }, {}).code).toBe('UNAVAILABLE');
    expect(classifyPostHogError(400, { type: 'validation_error', code: 'syntax_error' }, {})).toEqual({
      providerCode: 'validation_error:syntax_error',
    });
    expect(classifyPostHogError(502, '<html>', {})).toEqual({});
  });
});
