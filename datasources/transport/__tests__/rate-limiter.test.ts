import { describe, expect, it } from '@jest/globals';
import { MemoryQuotaStore, type QuotaBucket, type QuotaStore } from '../rate-limiter.js';

const bucket = (limit: number, windowMs: number, key = 'k'): QuotaBucket => ({ key, limit, windowMs });

/** One call that is over as soon as it is let go: whether it was. */
async function call(store: QuotaStore, buckets: QuotaBucket[], member: string): Promise<boolean> {
  const { granted } = await store.take(buckets, member);
  if (granted) await store.complete(buckets, member);
  return granted;
}

describe('MemoryQuotaStore (sliding log)', () => {
  it('lets the whole limit through at once, then says when the oldest call leaves the window', async () => {
    let now = 1_000;
    const store: QuotaStore = new MemoryQuotaStore(() => now);
    const b = bucket(3, 1_000);
    for (let i = 0; i < 3; i += 1) {
      expect(await call(store, [b], `m${i}`)).toBe(true);
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
      if (await call(store, [b], `m${step}`)) granted.push(now);
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
    expect(await call(store, [small, large], 'a')).toBe(true);
    expect(await call(store, [small, large], 'b')).toBe(false);
    // The refused call took nothing from the large window: 9 are left for other calls.
    for (let i = 0; i < 9; i += 1) expect(await call(store, [large], `c${i}`)).toBe(true);
    expect(await call(store, [large], 'd')).toBe(false);
  });

  it('settles to what the provider says is left, and never frees room', async () => {
    let now = 0;
    const store: QuotaStore = new MemoryQuotaStore(() => now);
    const b = bucket(10, 10_000);
    await call(store, [b], 'a');
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

  it('counts a call still out as made now, in every window, until it is over', async () => {
    let now = 0;
    const store: QuotaStore = new MemoryQuotaStore(() => now);
    const b = bucket(2, 1_000);
    await store.take([b], 'slow');
    expect(await call(store, [b], 'quick')).toBe(true);
    now += 5_000;
    // Five windows later the quick call has left, but the slow one may still be on its way.
    expect(await store.take([b], 'other')).toEqual({ granted: true, waitMs: 0, remaining: 0 });
    // Both out: room comes a whole window after the first of them is over, not sooner.
    expect(await store.take([b], 'third')).toEqual({ granted: false, waitMs: 1_000, remaining: 0 });
    now += 5_000;
    expect((await store.take([b], 'third')).waitMs).toBe(1_000);
    await store.complete([b], 'slow');
    now += 999;
    expect((await store.take([b], 'third')).waitMs).toBe(1);
    now += 1;
    expect(await call(store, [b], 'third')).toBe(true);
  });

  it('ends a call once: a second complete, or one for a call it never let go, frees nothing', async () => {
    let now = 0;
    const store: QuotaStore = new MemoryQuotaStore(() => now);
    const b = bucket(1, 1_000);
    expect(await call(store, [b], 'a')).toBe(true);
    await store.complete([b], 'a');
    await store.complete([b], 'never-taken');
    now += 999;
    expect(await call(store, [b], 'b')).toBe(false);
    now += 1;
    expect(await call(store, [b], 'b')).toBe(true);
  });

  it.each([
    ['quick calls', 1, 40],
    ['a loaded machine', 1, 600],
    ['calls slower than the window', 200, 2_500],
  ])(
    'no window of a provider counting arrivals sees more than the limit, with %s',
    async (_, shortestMs, longestMs) => {
      const b = bucket(10, 1_000);
      const arrivals = await simulate(b, { callers: 30, shortestMs, longestMs, runMs: 30_000, seed: 7 });
      // Any window (rolling, or fixed and placed at any arrival) holds at most the limit.
      for (let i = b.limit; i < arrivals.length; i += 1) {
        expect((arrivals[i] as number) - (arrivals[i - b.limit] as number)).toBeGreaterThanOrEqual(
          b.windowMs,
        );
      }
      // The price is a round trip per call at most: `limit` calls per window plus the longest call.
      expect(arrivals.length).toBeGreaterThanOrEqual((b.limit * 30_000) / (b.windowMs + longestMs) - b.limit);
    },
  );
});

/** A seeded pseudo-random stream in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `callers` clients, each calling again as soon as its last call is over, against the store, on a
 * simulated clock: each call lasts between `shortestMs` and `longestMs` and reaches the provider
 * at a random point of it (a loaded machine's delay between letting a call go and its arrival).
 * Returns when the provider saw each call, in order.
 */
async function simulate(
  b: QuotaBucket,
  opts: { callers: number; shortestMs: number; longestMs: number; runMs: number; seed: number },
): Promise<number[]> {
  const next = random(opts.seed);
  let now = 0;
  const store = new MemoryQuotaStore(() => now);
  const arrivals: number[] = [];
  /** Each caller's next step: a take at `at`, or the end of its call `member` at `at`. */
  const steps = Array.from({ length: opts.callers }, () => ({ at: 0, member: null as string | null }));
  let calls = 0;
  for (;;) {
    const step = steps.reduce((a, s) => (s.at < a.at ? s : a));
    if (step.at >= opts.runMs) break;
    now = step.at;
    if (step.member !== null) {
      await store.complete([b], step.member);
      step.member = null;
      continue;
    }
    const member = `c${(calls += 1)}`;
    const taken = await store.take([b], member);
    if (!taken.granted) {
      step.at = now + taken.waitMs;
      continue;
    }
    const duration = opts.shortestMs + Math.floor(next() * (opts.longestMs - opts.shortestMs));
    arrivals.push(now + Math.floor(next() * duration));
    step.at = now + duration;
    step.member = member;
  }
  return arrivals.sort((x, y) => x - y);
}
