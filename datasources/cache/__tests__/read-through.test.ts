import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ProviderError, ProviderErrorCode } from '../../transport/errors.js';
import { ReadThroughCache } from '../read-through.js';
import { CacheStats } from '../stats.js';
import { MapStore } from './support/map-store.js';
import { DEFAULT_TTL_SECONDS, type CacheKind } from '../ttl.js';

/** ReadThroughCache's failure paths over a plain in-memory store and fetches the test settles by hand. */

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued promise callback run (the cache reads the store before it fetches). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const outage = () =>
  new ProviderError({
    provider: 'test',
    endpoint: 'GET /things',
    status: 503,
    code: ProviderErrorCode.UNAVAILABLE,
    retryable: true,
  });

const TTL_MS = Object.fromEntries(
  Object.entries(DEFAULT_TTL_SECONDS).map(([k, s]) => [k, s * 1000]),
) as Record<CacheKind, number>;

describe('ReadThroughCache when the provider fails', () => {
  let clock: number;
  let cache: ReadThroughCache;
  let stats: CacheStats;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);

  beforeEach(() => {
    clock = 1_000_000;
    stats = new CacheStats();
    cache = new ReadThroughCache({
      store: new MapStore(),
      stats,
      policy: { ttlMs: TTL_MS, staleMs: 86_400_000 },
      provider: 'test',
      credentialFingerprint: 'fp',
      now: () => clock,
    });
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('fails both overlapping batches, with no stale copy, and leaves no rejection unhandled', async () => {
    const first = deferred<string[]>();
    const second = deferred<string[]>();
    const a = cache.batch('contacts', ['1', '2'], () => first.promise);
    const aResult = a.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await settle();
    // B joins A's fetch of 2 and fetches 3 itself.
    const asked: string[][] = [];
    const b = cache.batch('contacts', ['2', '3'], (missing) => {
      asked.push(missing);
      return second.promise;
    });
    const bResult = b.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await settle();
    expect(asked).toEqual([['3']]);

    // B's own fetch fails first, then the one it joined.
    const error = outage();
    second.reject(error);
    await settle();
    first.reject(error);

    expect(await aResult).toBe(error);
    expect(await bResult).toBe(error);
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('answers a batch that joined a failing fetch from its own stale copy', async () => {
    await cache.batch('contacts', ['2'], () => Promise.resolve(['two']));
    clock += TTL_MS.contacts + 1;
    const first = deferred<string[]>();
    const a = cache.batch('contacts', ['1', '2'], () => first.promise);
    const aResult = a.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await settle();
    const b = cache.batch('contacts', ['2'], () => Promise.reject(new Error('joined, never asked')));
    await settle();
    first.reject(outage());
    // A misses 1 with nothing stale: an error; B only wanted 2, which it had stale.
    expect(await aResult).toBeInstanceOf(ProviderError);
    expect(await b).toEqual(['two']);
    expect(stats.snapshot().test?.staleServed).toBe(1);
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('serves a stale whole call (a list, an aggregate) during an outage, also to a caller that joined', async () => {
    await cache.call('lists', { page: 1 }, () => Promise.resolve(['a', 'b']));
    clock += TTL_MS.lists + 1;
    const failing = deferred<string[]>();
    const a = cache.call('lists', { page: 1 }, () => failing.promise);
    await settle();
    const b = cache.call('lists', { page: 1 }, () => Promise.reject(new Error('joined, never asked')));
    await settle();
    failing.reject(outage());
    expect(await a).toEqual(['a', 'b']);
    expect(await b).toEqual(['a', 'b']);
    expect(stats.snapshot().test?.staleServed).toBe(2);
  });

  it('fails a whole call with nothing stale, for the caller and whoever joined it', async () => {
    const failing = deferred<string[]>();
    const a = cache.call('lists', { page: 2 }, () => failing.promise);
    const aResult = a.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await settle();
    const b = cache.call('lists', { page: 2 }, () => Promise.reject(new Error('joined, never asked')));
    const bResult = b.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await settle();
    const error = outage();
    failing.reject(error);
    expect(await aResult).toBe(error);
    expect(await bResult).toBe(error);
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('serves stale when the call was refused locally for a rate limit (not retryable), but not on a 4xx', async () => {
    await cache.batch('contacts', ['5', '6'], () => Promise.resolve(['five', 'six']));
    clock += TTL_MS.contacts + 1;
    const refused = new ProviderError({
      provider: 'test',
      endpoint: 'GET /things',
      status: null,
      code: ProviderErrorCode.RATE_LIMITED,
      retryable: false,
      providerCode: 'BULKHEAD_FULL',
    });
    expect(await cache.batch('contacts', ['5'], () => Promise.reject(refused))).toEqual(['five']);
    const rejected = new ProviderError({
      provider: 'test',
      endpoint: 'GET /things',
      status: 400,
      code: ProviderErrorCode.REJECTED,
      retryable: false,
    });
    await expect(cache.batch('contacts', ['6'], () => Promise.reject(rejected))).rejects.toBe(rejected);
  });

  it('turns a fetch that throws before returning a promise into the batch’s own rejection', async () => {
    const error = outage();
    await expect(
      cache.batch('contacts', ['9'], () => {
        throw error;
      }),
    ).rejects.toBe(error);
    await settle();
    expect(unhandled).toEqual([]);
  });
});
