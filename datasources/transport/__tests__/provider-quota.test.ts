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
    windowSlackMs: 0,
    now: () => clock.now,
    sleep: clock.sleep,
    ...(readHint ? { readHint } : {}),
  });
}

const GET = 'GET /v1/charges/{id}';

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
      q.acquire(GET, 'burst', null).then(() => order.push(`burst${i}`)),
    );
    const reader = q.acquire(GET, 'reader', null).then(() => order.push('reader'));
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
    await Promise.all(
      Array.from({ length: 5 }, () => q.acquire(GET, 'a', null).then(() => granted.push(clock.now - start))),
    );
    expect(granted).toEqual([0, 0, 1_000, 1_000, 2_000]);
  });

  it('fails at once when the wait cannot end before the deadline, saying how long to wait', async () => {
    const clock = fakeClock();
    const q = quota(clock, 1, 1_000);
    await q.acquire(GET, 'a', null);
    const error = await refusal(q.acquire(GET, 'a', clock.now + 500));
    expect(error.providerCode).toBe(LocalFailure.QUOTA_EXHAUSTED);
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(q.state().throttled).toBe(1);
  });

  it('a 429 pauses the window for the wait the provider asked', async () => {
    const clock = fakeClock();
    const q = quota(clock, 100, 1_000);
    await q.acquire(GET, 'a', null);
    q.rateLimitedBy(GET, 5_000);
    const error = await refusal(q.acquire(GET, 'b', clock.now + 2_000));
    expect(error.retryAfterMs).toBe(5_000);
    const start = clock.now;
    await q.acquire(GET, 'b', null);
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
    await q.acquire(GET, 'a', null);
    q.observe(GET, { max: '3', remaining: '1' });
    expect(q.state().classes.find((c) => c.name === 'api')?.limits).toEqual([{ limit: 3, windowMs: 10_000 }]);
    await Promise.resolve();
    const start = clock.now;
    await q.acquire(GET, 'a', null);
    // The window now holds 3 (ours and two made elsewhere with the same key): the next waits it out.
    await q.acquire(GET, 'a', null);
    expect(clock.now - start).toBe(10_000);
  });

  it('does not limit an exempt endpoint class', async () => {
    const clock = fakeClock();
    const q = quota(clock, 1, 60_000);
    await q.acquire(GET, 'a', null);
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

  describe('the window slack', () => {
    /** 10 per second with the default slack ceiling (100 ms), as Stripe's storm runs it. */
    function measured(clock: ReturnType<typeof fakeClock>) {
      return new ProviderQuota({
        provider: 'stripe',
        credentialFingerprint: 'fp',
        windows: [{ name: 'api', limit: 10, windowMs: 1_000 }],
        classes: [{ name: 'api', windows: ['api'] }],
        store: new MemoryQuotaStore(() => clock.now),
        now: () => clock.now,
        sleep: clock.sleep,
      });
    }

    it('shrinks to how long calls take, so quick calls use at least 95% of the limit and none arrives over it', async () => {
      const clock = fakeClock();
      const q = measured(clock);
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
      // The steady rate, past the first burst (which any slack lets through whole).
      const SETTLED_MS = 5_000;
      const used = arrivals.filter((t) => t >= start + SETTLED_MS && t < start + RUN_MS).length;
      expect(used).toBeGreaterThanOrEqual(0.95 * 10 * ((RUN_MS - SETTLED_MS) / 1_000));
      // A provider counting arrivals in any rolling second never sees more than 10.
      const sorted = [...arrivals].sort((a, b) => a - b);
      for (let i = 10; i < sorted.length; i++) {
        expect((sorted[i] as number) - (sorted[i - 10] as number)).toBeGreaterThanOrEqual(1_000);
      }
      expect(q.windowSlackMs).toBe(CALL_MS);
      expect(q.state().classes[0]?.limits).toEqual([{ limit: 10, windowMs: 1_000 }]);
    });

    it('grows with a slow call, up to its ceiling', async () => {
      const clock = fakeClock();
      const q = measured(clock);
      const quick = await q.acquire(GET, 'a', null);
      await clock.sleep(2);
      quick();
      expect(q.windowSlackMs).toBe(5);
      const slow = await q.acquire(GET, 'a', null);
      await clock.sleep(40);
      slow();
      expect(q.windowSlackMs).toBe(40);
      const slower = await q.acquire(GET, 'a', null);
      await clock.sleep(2_000);
      slower();
      expect(q.windowSlackMs).toBe(100);
    });

    it('keeps a slow call in the slack while its window lasts, however many quick calls follow', async () => {
      const clock = fakeClock();
      const q = new ProviderQuota({
        provider: 'stripe',
        credentialFingerprint: 'fp',
        windows: [{ name: 'api', limit: 100, windowMs: 1_000 }],
        classes: [{ name: 'api', windows: ['api'] }],
        store: new MemoryQuotaStore(() => clock.now),
        now: () => clock.now,
        sleep: clock.sleep,
      });
      const slow = await q.acquire(GET, 'a', null);
      await clock.sleep(50);
      slow();
      for (let i = 0; i < 40; i++) {
        const quick = await q.acquire(GET, 'a', null);
        await clock.sleep(1);
        quick();
      }
      expect(q.windowSlackMs).toBe(50);
      await clock.sleep(1_200);
      const later = await q.acquire(GET, 'a', null);
      await clock.sleep(1);
      later();
      expect(q.windowSlackMs).toBe(5);
    });

    it('counts a call still out as long as it has been out, since it may not have arrived yet', async () => {
      const clock = fakeClock();
      const q = measured(clock);
      const quick = await q.acquire(GET, 'a', null);
      await clock.sleep(2);
      quick();
      const out = await q.acquire(GET, 'a', null);
      await clock.sleep(30);
      const next = await q.acquire(GET, 'a', null);
      expect(q.windowSlackMs).toBe(30);
      out();
      next();
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
