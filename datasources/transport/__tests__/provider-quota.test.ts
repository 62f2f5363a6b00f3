import { describe, expect, it } from '@jest/globals';
import { ProviderError } from '../errors.js';
import { LocalFailure } from '../policy-errors.js';
import { ProviderQuota, type QuotaHint } from '../provider-quota.js';
import { MemoryQuotaStore } from '../rate-limiter.js';

/** A clock the test moves: sleeping advances it at once, so waits take no real time. */
function fakeClock(start = 1_000_000) {
  const clock = {
    now: start,
    sleep: async (ms: number) => {
      await Promise.resolve();
      clock.now += ms;
    },
  };
  return clock;
}

function quota(
  clock: ReturnType<typeof fakeClock>,
  limit: number,
  windowMs: number,
  readHint?: (headers: Readonly<Record<string, string>>) => QuotaHint | null,
) {
  return new ProviderQuota({
    provider: 'stripe',
    credentialFingerprint: 'fp',
    windows: [{ name: 'api', limit, windowMs }],
    classes: [
      { name: 'exempt', matches: (e) => e.startsWith('POST /capture'), windows: [] },
      { name: 'api', windows: ['api'], adapts: true },
    ],
    store: new MemoryQuotaStore(() => clock.now),
    now: () => clock.now,
    sleep: clock.sleep,
    ...(readHint ? { readHint } : {}),
  });
}

const GET = 'GET /v1/charges/{id}';

/** A call over as soon as it is let go: its room is held from then. */
async function instant(q: ProviderQuota, lane: string, endpoint = GET): Promise<void> {
  const release = await q.acquire(endpoint, lane, null);
  release();
}

async function refusal(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('ProviderQuota', () => {
  it('serves a second client between the calls of a first client’s burst', async () => {
    const clock = fakeClock();
    const q = quota(clock, 2, 1_000);
    const order: string[] = [];
    const burst = Array.from({ length: 8 }, (_, i) =>
      instant(q, 'burst').then(() => order.push(`burst${i}`)),
    );
    const reader = instant(q, 'reader').then(() => order.push('reader'));
    await Promise.all([...burst, reader]);
    // Two calls fit at once; the reader's call comes right after the burst's next one, not after all 8.
    expect(order.indexOf('reader')).toBeLessThanOrEqual(3);
    expect(order.filter((o) => o.startsWith('burst'))).toEqual(burst.map((_, i) => `burst${i}`));
  });

  it('keeps to the limit: the fifth call of 2 per second waits two windows', async () => {
    const clock = fakeClock();
    const q = quota(clock, 2, 1_000);
    const start = clock.now;
    const granted: number[] = [];
    // Each call's time is read as its room comes (the quota sleeps, moving the clock, right after
    // handing out what room there was).
    await Promise.all(
      Array.from({ length: 5 }, () =>
        q.acquire(GET, 'a', null).then((release) => {
          granted.push(clock.now - start);
          release();
        }),
      ),
    );
    expect(granted).toEqual([0, 0, 1_000, 1_000, 2_000]);
  });

  it('fails at once when the wait cannot end before the deadline, saying how long to wait', async () => {
    const clock = fakeClock();
    const q = quota(clock, 1, 1_000);
    await instant(q, 'a');
    const error = await refusal(q.acquire(GET, 'a', clock.now + 500));
    expect(error.providerCode).toBe(LocalFailure.QUOTA_EXHAUSTED);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(q.state().throttled).toBe(1);
  });

  it('with room in the window but too little of the deadline left, fails as the deadline, not the quota', async () => {
    const clock = fakeClock();
    const q = quota(clock, 100, 1_000);
    // 100 ms left is under the least time a call needs: the provider has room, so it is not rate limiting.
    const error = await refusal(q.acquire(GET, 'a', clock.now + 100));
    expect(error.providerCode).toBe(LocalFailure.DEADLINE);
    expect(error.code).toBe('TIMEOUT');
    expect(q.state().throttled).toBe(0);
  });

  it('a 429 pauses the window for the wait the provider asked', async () => {
    const clock = fakeClock();
    const q = quota(clock, 100, 1_000);
    await instant(q, 'a');
    q.rateLimitedBy(GET, 5_000);
    const error = await refusal(q.acquire(GET, 'b', clock.now + 2_000));
    expect(error.retryAfterMs).toBe(5_000);
    const start = clock.now;
    await instant(q, 'b');
    expect(clock.now - start).toBe(5_000);
    expect(q.state().rateLimited).toBe(1);
  });

  it('adopts the provider’s own limit and what is left of it from its headers', async () => {
    const clock = fakeClock();
    const hint = (h: Readonly<Record<string, string>>): QuotaHint => ({
      limit: Number(h.max),
      windowMs: 10_000,
      remaining: Number(h.remaining),
    });
    const q = quota(clock, 190, 10_000, hint);
    await instant(q, 'a');
    q.observe(GET, { max: '3', remaining: '1' });
    expect(q.state().classes.find((c) => c.name === 'api')?.limits).toEqual([{ limit: 3, windowMs: 10_000 }]);
    await Promise.resolve();
    const start = clock.now;
    await instant(q, 'a');
    // The window now holds 3 (ours and two made elsewhere with the same key): the next waits it out.
    await instant(q, 'a');
    expect(clock.now - start).toBe(10_000);
  });

  it('does not limit an exempt endpoint class', async () => {
    const clock = fakeClock();
    const q = quota(clock, 1, 60_000);
    await instant(q, 'a');
    await Promise.all(Array.from({ length: 20 }, () => q.acquire('POST /capture', 'a', clock.now + 1)));
    expect(clock.now).toBe(1_000_000);
  });

  it('hands out room only with a slot free, so granted calls never queue behind each other', async () => {
    const clock = fakeClock();
    const q = new ProviderQuota({
      provider: 'stripe',
      credentialFingerprint: 'fp',
      windows: [{ name: 'api', limit: 100, windowMs: 1_000 }],
      classes: [{ name: 'api', windows: ['api'] }],
      store: new MemoryQuotaStore(() => clock.now),
      now: () => clock.now,
      sleep: clock.sleep,
      concurrency: 2,
    });
    const releases = await Promise.all([q.acquire(GET, 'a', null), q.acquire(GET, 'a', null)]);
    let third = false;
    const waiting = q.acquire(GET, 'b', null).then((release) => {
      third = true;
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    releases[0]?.();
    releases[0]?.();
    (await waiting)();
    expect(third).toBe(true);
    expect(q.state().classes[0]?.waiting).toBe(0);
  });

  it('takes room for the calls queued together at once, never for more than the free slots', async () => {
    const clock = fakeClock();
    const memory = new MemoryQuotaStore(() => clock.now);
    let out = 0;
    let most = 0;
    let takes = 0;
    /** A store a round trip away: each take answers on a later turn of the event loop. */
    const store = {
      take: async (...args: Parameters<MemoryQuotaStore['take']>) => {
        takes += 1;
        out += 1;
        most = Math.max(most, out);
        await new Promise((resolve) => setImmediate(resolve));
        out -= 1;
        return memory.take(...args);
      },
      complete: (...args: Parameters<MemoryQuotaStore['complete']>) => memory.complete(...args),
      settle: (...args: Parameters<MemoryQuotaStore['settle']>) => memory.settle(...args),
      pause: (...args: Parameters<MemoryQuotaStore['pause']>) => memory.pause(...args),
    };
    const q = new ProviderQuota({
      provider: 'stripe',
      credentialFingerprint: 'fp',
      windows: [{ name: 'api', limit: 100, windowMs: 1_000 }],
      classes: [{ name: 'api', windows: ['api'] }],
      store,
      now: () => clock.now,
      sleep: clock.sleep,
      concurrency: 3,
    });
    // A level's calls, queued in one turn (as a DataLoader batch's are).
    const waiting = Array.from({ length: 5 }, (_, i) => q.acquire(GET, i % 2 ? 'a' : 'b', null));
    const first = await Promise.all(waiting.slice(0, 3));
    // The three calls a slot was free for took their room together, in one round trip.
    expect(takes).toBe(3);
    expect(most).toBe(3);
    first.forEach((release) => release());
    (await Promise.all(waiting.slice(3))).forEach((release) => release());
    expect(takes).toBe(5);
    expect(memory.used({ key: 'concord:quota:{stripe:fp}:api', limit: 100, windowMs: 1_000 })).toBe(5);
  });

  describe('a call holds its room from when it is over', () => {
    /** 10 per second, as Stripe's storm runs it. */
    function tenPerSecond(
      clock: ReturnType<typeof fakeClock>,
      store = new MemoryQuotaStore(() => clock.now),
    ) {
      return new ProviderQuota({
        provider: 'stripe',
        credentialFingerprint: 'fp',
        windows: [{ name: 'api', limit: 10, windowMs: 1_000 }],
        classes: [{ name: 'api', windows: ['api'] }],
        store,
        now: () => clock.now,
        sleep: clock.sleep,
      });
    }

    it('uses at least 95% of the limit with quick calls, and no window of arrivals holds more', async () => {
      const clock = fakeClock();
      const q = tenPerSecond(clock);
      const start = clock.now;
      const RUN_MS = 20_000;
      const CALL_MS = 6;
      const arrivals: number[] = [];
      for (let i = 0; clock.now - start < RUN_MS; i++) {
        const release = await q.acquire(GET, 'storm', null);
        // Each call reaches the provider at some point before its answer: here at once or at its end.
        arrivals.push(clock.now + (i % 2 === 0 ? CALL_MS : 0));
        await clock.sleep(CALL_MS);
        release();
      }
      const used = arrivals.filter((t) => t < start + RUN_MS).length;
      expect(used).toBeGreaterThanOrEqual(0.95 * 10 * (RUN_MS / 1_000));
      const sorted = [...arrivals].sort((a, b) => a - b);
      for (let i = 10; i < sorted.length; i++) {
        expect((sorted[i] as number) - (sorted[i - 10] as number)).toBeGreaterThanOrEqual(1_000);
      }
      expect(q.state().classes[0]?.limits).toEqual([{ limit: 10, windowMs: 1_000 }]);
    });

    it('keeps a call out longer than its window in every window until it is over', async () => {
      const clock = fakeClock();
      const store = new MemoryQuotaStore(() => clock.now);
      const q = tenPerSecond(clock, store);
      const slow = await q.acquire(GET, 'a', null);
      await clock.sleep(3_000);
      // Three windows on, the slow call may still be on its way: nine more go at once, not ten.
      const start = clock.now;
      for (let i = 0; i < 9; i++) await instant(q, 'b');
      expect(clock.now).toBe(start);
      const tenth = await q.acquire(GET, 'b', null);
      expect(clock.now - start).toBe(1_000);
      tenth();
      slow();
    });

    it('ends the entry of a call whose caller gave up before its room came', async () => {
      const clock = fakeClock();
      const store = new MemoryQuotaStore(() => clock.now);
      const q = tenPerSecond(clock, store);
      const controller = new AbortController();
      const gone = q.acquire(GET, 'a', null, controller.signal);
      controller.abort();
      await gone.catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      expect(
        store.used({ key: 'concord:quota:{stripe:fp}:api', limit: 10, windowMs: 1_000 }),
      ).toBeLessThanOrEqual(1);
      // Its room was taken as it left: ended at once, that entry leaves with the window.
      await clock.sleep(1_000);
      expect(store.used({ key: 'concord:quota:{stripe:fp}:api', limit: 10, windowMs: 1_000 })).toBe(0);
    });
  });

  it('lets a caller that gives up leave the queue', async () => {
    const clock = fakeClock();
    const q = quota(clock, 1, 1_000);
    await q.acquire(GET, 'a', null);
    const controller = new AbortController();
    const waiting = q.acquire(GET, 'a', null, controller.signal);
    controller.abort();
    expect((await refusal(waiting)).providerCode).toBe(LocalFailure.CANCELLED);
    expect(q.state().throttled).toBe(0);
    expect(q.state().classes.find((c) => c.name === 'api')?.waiting).toBe(0);
  });
});
