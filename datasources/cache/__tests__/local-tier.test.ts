import { describe, expect, it } from '@jest/globals';
import { LocalTier } from '../local-tier.js';
import { ReadThroughCache } from '../read-through.js';
import { CacheStats } from '../stats.js';
import { MapStore } from './support/map-store.js';
import { DEFAULT_TTL_SECONDS, type CacheKind } from '../ttl.js';

function tier(maxBytes = 1_000, maxAgeMs = 60_000) {
  let now = 1_000;
  const local = new LocalTier({ maxBytes, maxAgeMs, now: () => now });
  return { local, advance: (ms: number) => (now += ms), at: () => now };
}

describe('the local cache tier', () => {
  it('serves an entry until the freshness it had, and no longer', () => {
    const { local, advance, at } = tier();
    local.set('a', { v: 1 }, 10, at() + 500);
    expect(local.get('a')).toEqual({ v: 1 });
    advance(499);
    expect(local.get('a')).toEqual({ v: 1 });
    advance(1);
    expect(local.get('a')).toBeUndefined();
    expect(local.size()).toEqual({ entries: 0, bytes: 0 });
  });

  it('keeps nothing longer than its maximum age, however fresh', () => {
    const { local, advance, at } = tier(1_000, 100);
    local.set('generation', { v: 1 }, 10, Number.MAX_SAFE_INTEGER);
    advance(100);
    expect(local.get('generation')).toBeUndefined();
    local.set('past', { v: 1 }, 10, at() - 1);
    expect(local.get('past')).toBeUndefined();
  });

  it('forgets the least recently used entries past its byte bound', () => {
    const { local, at } = tier(100);
    local.set('a', 'A', 40, at() + 1_000);
    local.set('b', 'B', 40, at() + 1_000);
    expect(local.get('a')).toBe('A');
    local.set('c', 'C', 40, at() + 1_000);
    expect(local.get('b')).toBeUndefined();
    expect(local.get('a')).toBe('A');
    expect(local.get('c')).toBe('C');
    expect(local.size()).toEqual({ entries: 2, bytes: 80 });
    local.set('huge', 'H', 101, at() + 1_000);
    expect(local.get('huge')).toBeUndefined();
    expect(local.size().bytes).toBe(80);
  });

  it('makes room when every entry was read since it was put, oldest first', () => {
    const { local, at } = tier(100);
    for (const key of ['a', 'b', 'c']) local.set(key, key, 30, at() + 1_000);
    for (const key of ['a', 'b', 'c']) expect(local.get(key)).toBe(key);
    local.set('d', 'd', 30, at() + 1_000);
    expect(local.get('a')).toBeUndefined();
    expect(['b', 'c', 'd'].map((key) => local.get(key))).toEqual(['b', 'c', 'd']);
    expect(local.size()).toEqual({ entries: 3, bytes: 90 });
  });

  it('replaces an entry without counting it twice', () => {
    const { local, at } = tier();
    local.set('a', 1, 30, at() + 1_000);
    local.set('a', 2, 50, at() + 1_000);
    expect(local.get('a')).toBe(2);
    expect(local.size()).toEqual({ entries: 1, bytes: 50 });
  });

  it('freezes what it holds, since every request of the process shares it', () => {
    const { local, at } = tier();
    const entry = { v: { name: 'Ada', tags: ['a'], at: new Date(0) } };
    local.set('a', entry, 10, at() + 1_000);
    const held = local.get('a') as typeof entry;
    expect(() => {
      held.v.name = 'Eve';
    }).toThrow(TypeError);
    expect(() => held.v.tags.push('b')).toThrow(TypeError);
  });

  it('drops entries named by an invalidation, and holds nothing while switched off', () => {
    const { local, at } = tier();
    local.set('a', 1, 10, at() + 1_000);
    local.set('b', 2, 10, at() + 1_000);
    local.delete(['a', 'missing']);
    expect(local.get('a')).toBeUndefined();
    expect(local.get('b')).toBe(2);
    local.setEnabled(false);
    expect(local.get('b')).toBeUndefined();
    local.set('c', 3, 10, at() + 1_000);
    expect(local.get('c')).toBeUndefined();
    local.setEnabled(true);
    local.set('c', 3, 10, at() + 1_000);
    expect(local.get('c')).toBe(3);
  });

  it('answers a warm whole call without reading the store, also when no list generation was ever stored', async () => {
    const store = new MapStore();
    const ttlMs = Object.fromEntries(
      Object.entries(DEFAULT_TTL_SECONDS).map(([k, s]) => [k, s * 1000]),
    ) as Record<CacheKind, number>;
    let now = 1_000_000;
    const cache = new ReadThroughCache({
      store,
      stats: new CacheStats(),
      policy: { ttlMs, staleMs: 60_000 },
      provider: 'test',
      credentialFingerprint: 'fp',
      local: new LocalTier({ maxBytes: 10_000, maxAgeMs: 60_000, now: () => now }),
      now: () => now,
    });
    let fetches = 0;
    const page = () => cache.call('lists', { first: 2 }, () => Promise.resolve(['a', 'b', ++fetches]));
    expect(await page()).toEqual(['a', 'b', 1]);
    const readsWhenCold = store.keysRead;
    expect(await page()).toEqual(['a', 'b', 1]);
    expect(await page()).toEqual(['a', 'b', 1]);
    expect(store.keysRead).toBe(readsWhenCold);
    // An invalidation still reaches the list: the generation held here goes with it.
    now += 1;
    await cache.invalidate('contacts', ['x']);
    expect(await page()).toEqual(['a', 'b', 2]);
    expect(fetches).toBe(2);
  });
});
