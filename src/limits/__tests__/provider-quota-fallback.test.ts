import { describe, expect, it } from '@jest/globals';
import {
  MemoryQuotaStore,
  type QuotaBucket,
  type QuotaStore,
  type QuotaTake,
} from '../../../datasources/transport/rate-limiter.js';
import { FallbackQuotaStore } from '../provider-quota-redis.js';

/** A shared store that can be taken down and brought back empty, as a Redis restarted without persistence. */
class RestartableStore implements QuotaStore {
  down = false;
  private store: MemoryQuotaStore;
  constructor(private readonly now: () => number) {
    this.store = new MemoryQuotaStore(now);
  }
  restartEmpty(): void {
    this.store = new MemoryQuotaStore(this.now);
    this.down = false;
  }
  private up(): MemoryQuotaStore {
    if (this.down) throw new Error('ECONNREFUSED');
    return this.store;
  }
  take(buckets: readonly QuotaBucket[], member: string): Promise<QuotaTake> {
    return Promise.resolve().then(() => this.up().take(buckets, member));
  }
  complete(buckets: readonly QuotaBucket[], member: string): Promise<void> {
    return Promise.resolve().then(() => this.up().complete(buckets, member));
  }
  settle(bucket: QuotaBucket, remaining: number): Promise<void> {
    return Promise.resolve().then(() => this.up().settle(bucket, remaining));
  }
  pause(bucket: QuotaBucket, ms: number): Promise<void> {
    return Promise.resolve().then(() => this.up().pause(bucket, ms));
  }
}

const bucket: QuotaBucket = { key: 'stripe:test:api', limit: 5, windowMs: 1_000 };

let calls = 0;
/** `n` calls, each over as soon as it is granted. */
async function grants(store: QuotaStore, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const member = `m${(calls += 1)}`;
    const { granted } = await store.take([bucket], member);
    if (granted) await store.complete([bucket], member);
    out.push(granted);
  }
  return out;
}

describe('FallbackQuotaStore', () => {
  it('counts the calls made while the shared store was down once it is back empty', async () => {
    let now = 10_000;
    const clock = () => now;
    const shared = new RestartableStore(clock);
    const store = new FallbackQuotaStore(shared, new MemoryQuotaStore(clock));

    expect(await grants(store, 2)).toEqual([true, true]);
    shared.down = true;
    now += 100;
    expect(await grants(store, 3)).toEqual([true, true, true]);
    // Back, and empty: it knows nothing of the five calls in this window.
    shared.restartEmpty();
    now += 100;
    const refused = await store.take([bucket], 'after');
    expect(refused.granted).toBe(false);
    // Room again when the first call leaves the window, not before.
    expect(refused.waitMs).toBe(800);

    // The shared log was told this replica's calls, so another replica sees the window as full too.
    const other = new FallbackQuotaStore(shared, new MemoryQuotaStore(clock));
    expect((await other.take([bucket], 'other')).granted).toBe(false);
    now += 1_000;
    expect(await grants(store, 5)).toEqual([true, true, true, true, true]);
    expect((await store.take([bucket], 'sixth')).granted).toBe(false);
  });

  it('changes nothing while the shared store stays up', async () => {
    let now = 0;
    const clock = () => now;
    const shared = new RestartableStore(clock);
    const a = new FallbackQuotaStore(shared, new MemoryQuotaStore(clock));
    const b = new FallbackQuotaStore(shared, new MemoryQuotaStore(clock));
    expect(await grants(a, 3)).toEqual([true, true, true]);
    expect(await grants(b, 3)).toEqual([true, true, false]);
    now += 1_000;
    expect(await grants(b, 5)).toEqual([true, true, true, true, true]);
  });

  it('keeps the calls the shared store let go open here too, until they are over', async () => {
    let now = 0;
    const clock = () => now;
    const shared = new RestartableStore(clock);
    const store = new FallbackQuotaStore(shared, new MemoryQuotaStore(clock));
    for (let i = 0; i < 5; i++) expect((await store.take([bucket], `out${i}`)).granted).toBe(true);
    shared.down = true;
    now += 3_000;
    // Still out three windows later: the fallback counts them as made now.
    expect(await store.take([bucket], 'next')).toEqual({ granted: false, waitMs: 1_000, remaining: 0 });
    for (let i = 0; i < 5; i++) await store.complete([bucket], `out${i}`);
    now += 999;
    expect((await store.take([bucket], 'next')).granted).toBe(false);
    now += 1;
    expect(await grants(store, 5)).toEqual([true, true, true, true, true]);
  });
});
