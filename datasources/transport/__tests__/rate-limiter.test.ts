import { describe, expect, it } from '@jest/globals';
import { MemoryQuotaStore, type QuotaBucket, type QuotaStore } from '../rate-limiter.js';

const bucket = (limit: number, windowMs: number, key = 'k'): QuotaBucket => ({ key, limit, windowMs });

describe('MemoryQuotaStore (sliding log)', () => {
  it('lets the whole limit through at once, then says when the oldest call leaves the window', async () => {
    let now = 1_000;
    const store: QuotaStore = new MemoryQuotaStore(() => now);
    const b = bucket(3, 1_000);
    for (let i = 0; i < 3; i += 1) {
      expect((await store.take([b], `m${i}`)).granted).toBe(true);
      now += 100;
    }
    expect(await store.take([b], 'm3')).toEqual({ granted: false, waitMs: 700, remaining: 0 });
    now += 700;
    expect((await store.take([b], 'm4')).granted).toBe(true);
  });

  it('never lets more than the limit through in any window, whatever the rhythm of calls', async () => {
    let now = 0;
    const store: QuotaStore = new MemoryQuotaStore(() => now);
    const b = bucket(5, 1_000);
    const granted: number[] = [];
    for (let step = 0; step < 600; step += 1) {
      if ((await store.take([b], `m${step}`)).granted) granted.push(now);
      now += 7 + (step % 13);
    }
    for (const start of granted) {
      expect(granted.filter((t) => t >= start && t < start + 1_000).length).toBeLessThanOrEqual(5);
    }
    expect(granted.length).toBeGreaterThan(20);
  });

  it('takes from every bucket of a call or from none', async () => {
    const now = 0;
    const store: QuotaStore = new MemoryQuotaStore(() => now);
    const small = bucket(1, 1_000, 'search');
    const large = bucket(10, 1_000, 'all');
    expect((await store.take([small, large], 'a')).granted).toBe(true);
    expect((await store.take([small, large], 'b')).granted).toBe(false);
    // The refused call took nothing from the large window: 9 are left for other calls.
    for (let i = 0; i < 9; i += 1) expect((await store.take([large], `c${i}`)).granted).toBe(true);
    expect((await store.take([large], 'd')).granted).toBe(false);
  });

  it('settles to what the provider says is left, and never frees room', async () => {
    let now = 0;
    const store: QuotaStore = new MemoryQuotaStore(() => now);
    const b = bucket(10, 10_000);
    await store.take([b], 'a');
    await store.settle(b, 2, 'x');
    expect((await store.take([b], 'b')).remaining).toBe(1);
    await store.settle(b, 9, 'y');
    expect((await store.take([b], 'c')).remaining).toBe(0);
    expect((await store.take([b], 'd')).granted).toBe(false);
    now += 10_000;
    expect((await store.take([b], 'e')).granted).toBe(true);
  });

  it('a pause holds even with room, and a shorter pause does not cut a longer one', async () => {
    let now = 0;
    const store: QuotaStore = new MemoryQuotaStore(() => now);
    const b = bucket(100, 1_000);
    await store.pause(b, 5_000);
    await store.pause(b, 1_000);
    expect(await store.take([b], 'a')).toEqual({ granted: false, waitMs: 5_000, remaining: 0 });
    now += 5_000;
    expect((await store.take([b], 'b')).granted).toBe(true);
  });
});
