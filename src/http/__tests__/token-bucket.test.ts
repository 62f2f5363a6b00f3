import { describe, expect, it } from '@jest/globals';
import { MemoryBuckets, takeToken } from '../token-bucket.js';

const settings = { capacity: 3, windowS: 60 };

describe('token bucket', () => {
  it('allows a burst of the capacity, then refuses until a token has refilled', () => {
    let state: { tokens: number; at: number } | undefined;
    const taken = [];
    for (let i = 0; i < 4; i++) {
      const step = takeToken(state, 1_000, settings);
      state = step.state;
      taken.push(step.result);
    }
    expect(taken.map((t) => t.allowed)).toEqual([true, true, true, false]);
    expect(taken.map((t) => t.remaining)).toEqual([2, 1, 0, 0]);
    // One token per 20 s: refused with the wait for it, then allowed once it is there.
    expect(taken[3]?.retryAfterMs).toBe(20_000);
    expect(takeToken(state, 1_000 + 19_999, settings).result.allowed).toBe(false);
    expect(takeToken(state, 1_000 + 20_000, settings).result.allowed).toBe(true);
  });

  it('never holds more than its capacity however long it rests', () => {
    const rested = takeToken({ tokens: 0, at: 0 }, 10 * 60_000, settings);
    expect(rested.result.remaining).toBe(2);
  });

  it('keeps one bucket per key in memory', async () => {
    let now = 0;
    const buckets = new MemoryBuckets(() => now);
    for (let i = 0; i < 3; i++) expect((await buckets.take('a', settings)).allowed).toBe(true);
    expect((await buckets.take('a', settings)).allowed).toBe(false);
    expect((await buckets.take('b', settings)).allowed).toBe(true);
    now += 20_000;
    expect((await buckets.take('a', settings)).allowed).toBe(true);
  });
});
