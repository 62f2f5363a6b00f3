import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { LocalTier } from '../local-tier.js';
import { newRequestScope, runInRequestScope } from '../../transport/request-scope.js';
import { DEFAULT_WRITE_DELAY_MS, ReadThroughCache } from '../read-through.js';
import { CacheStats } from '../stats.js';
import type { CacheStore } from '../store.js';
import { DEFAULT_TTL_SECONDS, type CacheKind } from '../ttl.js';

/** Cache writes happen behind the answer: a read never waits for the store to take its write. */

type WriteMode = 'hang' | 'fail' | 'ok';

/** A store in memory whose writes can hang forever or fail, counting what it was asked. */
class ScriptedStore implements CacheStore {
  readonly entries = new Map<string, string>();
  mode: WriteMode = 'ok';
  writes = 0;
  getMany(keys: readonly string[]) {
    return Promise.resolve(keys.map((k) => this.entries.get(k)));
  }
  setMany(entries: ReadonlyArray<{ key: string; value: string }>): Promise<void> {
    this.writes++;
    if (this.mode === 'hang') return new Promise<void>(() => {});
    if (this.mode === 'fail') return Promise.reject(new Error('store write failed'));
    for (const { key, value } of entries) this.entries.set(key, value);
    return Promise.resolve();
  }
  deleteMany(keys: readonly string[]) {
    for (const k of keys) this.entries.delete(k);
    return Promise.resolve();
  }
}

const TTL_MS = Object.fromEntries(
  Object.entries(DEFAULT_TTL_SECONDS).map(([k, s]) => [k, s * 1000]),
) as Record<CacheKind, number>;

const settle = () => new Promise((resolve) => setImmediate(resolve));
/** Past the writes' delay: Node runs timers in the order they fall due. */
const pastWriteDelay = () => new Promise((resolve) => setTimeout(resolve, DEFAULT_WRITE_DELAY_MS + 5));

describe('ReadThroughCache writes behind the answer', () => {
  let store: ScriptedStore;
  let stats: CacheStats;
  let reported: unknown[];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);

  const newCache = (local?: LocalTier) =>
    new ReadThroughCache({
      store,
      stats,
      policy: { ttlMs: TTL_MS, staleMs: 60_000 },
      provider: 'test',
      credentialFingerprint: 'fp',
      onWriteError: (error) => void reported.push(error),
      ...(local ? { local } : {}),
    });

  beforeEach(() => {
    store = new ScriptedStore();
    stats = new CacheStats();
    reported = [];
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('answers a batch and a whole call while the store never finishes a write', async () => {
    store.mode = 'hang';
    const cache = newCache();
    expect(
      await cache.batch('contacts', ['1', '2'], (ids) => Promise.resolve(ids.map((id) => `c${id}`))),
    ).toEqual(['c1', 'c2']);
    expect(await cache.call('lists', { page: 1 }, () => Promise.resolve(['a']))).toEqual(['a']);
    // Not even started yet: the answers do not wait for the encoding either.
    expect(store.writes).toBe(0);
    await pastWriteDelay();
    // The writes were started (not skipped), they just never finished.
    expect(store.writes).toBe(2);
  });

  it('serves a write still waiting for its turn to the next read, from this process', async () => {
    const cache = newCache();
    let fetched = 0;
    const fetch = (ids: string[]) => {
      fetched++;
      return Promise.resolve(ids.map((id) => `c${id}`));
    };
    await cache.batch('contacts', ['1'], fetch);
    expect(store.writes).toBe(0);
    expect(await cache.batch('contacts', ['1'], fetch)).toEqual(['c1']);
    expect(fetched).toBe(1);
    await pastWriteDelay();
    expect(store.writes).toBe(1);
    expect([...store.entries.keys()]).toEqual([cache.key('contacts', '1')]);
  });

  it('never makes a waiting write of what was invalidated meanwhile, here or on another replica', async () => {
    const local = new LocalTier({ maxBytes: 1_000_000, maxAgeMs: 60_000 });
    const cache = newCache(local);
    await cache.batch('contacts', ['1', '2'], (ids) => Promise.resolve(ids.map((id) => `old${id}`)));
    await cache.invalidate('contacts', ['1'], []);
    await cache.batch('contacts', ['3'], (ids) => Promise.resolve(ids.map((id) => `old${id}`)));
    // Another replica's invalidation, as the feed applies it: every write queued before it is dropped.
    local.delete([cache.key('contacts', '3')]);
    await cache.writesSettled();
    expect(store.entries.size).toBe(0);
    let fetched: string[] = [];
    const answer = await cache.batch('contacts', ['1', '2', '3'], (ids) => {
      fetched = ids;
      return Promise.resolve(ids.map((id) => `new${id}`));
    });
    expect(fetched).toEqual(['1', '2', '3']);
    expect(answer).toEqual(['new1', 'new2', 'new3']);
  });

  it('serves the next read from the local tier while the write to the store still hangs', async () => {
    store.mode = 'hang';
    const cache = newCache(new LocalTier({ maxBytes: 1_000_000, maxAgeMs: 60_000 }));
    let fetched = 0;
    const fetch = (ids: string[]) => {
      fetched++;
      return Promise.resolve(ids.map((id) => `c${id}`));
    };
    await cache.batch('contacts', ['1'], fetch);
    expect(await cache.batch('contacts', ['1'], fetch)).toEqual(['c1']);
    expect(fetched).toBe(1);
  });

  it('counts and reports a failed write, answers anyway, and leaves no rejection unhandled', async () => {
    store.mode = 'fail';
    const cache = newCache();
    expect(await cache.batch('contacts', ['1'], () => Promise.resolve(['one']))).toEqual(['one']);
    expect(await cache.call('lists', { page: 1 }, () => Promise.resolve(['a']))).toEqual(['a']);
    cache.put('contacts', [{ id: '2', value: 'two' }]);
    await cache.writesSettled();
    await settle();
    expect(reported).toHaveLength(3);
    expect(stats.snapshot().test?.errors).toBe(3);
    expect(unhandled).toEqual([]);
    // Nothing was stored, so the next read asks the provider again.
    let fetched = 0;
    await cache.batch('contacts', ['1'], () => {
      fetched++;
      return Promise.resolve(['one']);
    });
    expect(fetched).toBe(1);
  });

  it('survives a failure reporter that throws', async () => {
    store.mode = 'fail';
    const cache = new ReadThroughCache({
      store,
      stats,
      policy: { ttlMs: TTL_MS, staleMs: 60_000 },
      provider: 'test',
      credentialFingerprint: 'fp',
      onWriteError: () => {
        throw new Error('reporter broke');
      },
    });
    expect(await cache.batch('contacts', ['1'], () => Promise.resolve(['one']))).toEqual(['one']);
    await cache.writesSettled();
    await settle();
    expect(unhandled).toEqual([]);
  });

  it("waits for a client request's answer (startWrites) before writing what it fetched, up to its bound", async () => {
    const cache = new ReadThroughCache({
      store,
      stats,
      policy: { ttlMs: TTL_MS, staleMs: 60_000 },
      provider: 'test',
      credentialFingerprint: 'fp',
      requestWriteDelayMs: 60,
    });
    const fetch = (ids: string[]) => Promise.resolve(ids.map((id) => `c${id}`));
    await runInRequestScope(newRequestScope('r1', null), () => cache.batch('contacts', ['1'], fetch));
    await pastWriteDelay();
    // Still waiting for the answer: a cold request's next level never meets this encoding.
    expect(store.writes).toBe(0);
    cache.startWrites();
    expect(store.writes).toBe(1);

    await runInRequestScope(newRequestScope('r2', null), () => cache.batch('contacts', ['2'], fetch));
    // A write outside any request keeps the short delay, and takes the request's waiting write along.
    cache.put('contacts', [{ id: '3', value: 'c3' }]);
    await pastWriteDelay();
    expect(store.writes).toBe(3);
    expect([...store.entries.keys()].sort()).toEqual(['1', '2', '3'].map((id) => cache.key('contacts', id)));

    // No answer ever sent: the bound writes it anyway.
    await runInRequestScope(newRequestScope('r3', null), () => cache.batch('contacts', ['4'], fetch));
    await pastWriteDelay();
    expect(store.writes).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(store.writes).toBe(4);
  });

  it('stores what it fetched once the write lands, so the next read is a hit', async () => {
    const cache = newCache();
    await cache.batch('contacts', ['1'], () => Promise.resolve(['one']));
    await cache.writesSettled();
    let fetched = 0;
    expect(
      await cache.batch('contacts', ['1'], () => {
        fetched++;
        return Promise.resolve(['other']);
      }),
    ).toEqual(['one']);
    expect(fetched).toBe(0);
    expect(stats.snapshot().test?.hits).toBe(1);
  });
});
