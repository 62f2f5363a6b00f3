import { describe, expect, it } from '@jest/globals';
import { RollingWindows } from '../../http/limits.js';
import { DAILY_LIMIT, TEN_SECONDLY_LIMIT, rateLimitHeaders, rateLimitedReply } from '../errors.js';

/** The day's limit is a million; a copy of it with three calls shows the same counting in a few requests. */
const SMALL_DAY = { ...DAILY_LIMIT, limit: 3 };
const NOON = Date.UTC(2026, 10, 24, 12);
const NEXT_MIDNIGHT = Date.UTC(2026, 10, 25);

describe("HubSpot's daily limit", () => {
  it('counts every call of the UTC day, refuses the one over with the DAILY 429, and starts afresh at midnight', () => {
    const windows = new RollingWindows();
    const take = (now: number) => windows.take('hubspot', 'pat', [TEN_SECONDLY_LIMIT, SMALL_DAY], now);
    const remaining = [0, 1, 2].map(
      (i) => take(NOON + i * 60_000).all.find((l) => l.limit.name === 'DAILY')?.state.remaining,
    );
    expect(remaining).toEqual([2, 1, 0]);

    const over = take(NOON + 3 * 60_000);
    if (!over.over) throw new Error('expected the fourth call of the day to be over');
    expect(over.over.limit.name).toBe('DAILY');
    expect(over.over.state.resetInMs).toBe(NEXT_MIDNIGHT - (NOON + 3 * 60_000));
    const reply = rateLimitedReply(over.over.state, over.over.limit);
    expect(reply.status).toBe(429);
    expect(reply.body).toEqual({
      status: 'error',
      message: 'You have reached your daily limit.',
      errorType: 'RATE_LIMIT',
      correlationId: expect.any(String),
      policyName: 'DAILY',
      requestId: expect.any(String),
    });
    expect(rateLimitHeaders(over.state, over.all)['X-HubSpot-RateLimit-Daily-Remaining']).toBe('0');

    // A refused call is not counted, and the ten-secondly window it never reached is untouched.
    expect(take(NEXT_MIDNIGHT - 1).over?.limit.name).toBe('DAILY');
    const fresh = take(NEXT_MIDNIGHT);
    expect(fresh.over).toBeNull();
    expect(rateLimitHeaders(fresh.state, fresh.all)['X-HubSpot-RateLimit-Daily-Remaining']).toBe('2');
  });
});
