import { describe, expect, it } from '@jest/globals';
import { groupBySlot, keySlot } from '../slots.js';

/** `CLUSTER KEYSLOT clé-ü{` on Redis 7.0. */
const CLE_U = 13_191;

describe('hash slots', () => {
  it('hashes keys as CLUSTER KEYSLOT does', () => {
    // Values from the Redis Cluster specification and `redis-cli cluster keyslot`.
    expect(keySlot('123456789')).toBe(0x31c3 % 16_384);
    expect(keySlot('foo')).toBe(12_182);
    expect(keySlot('bar')).toBe(5_061);
    expect(keySlot('')).toBe(0);
    expect(keySlot('somekey')).toBe(11_058);
    expect(keySlot('foo{hash_tag}')).toBe(2_515);
    // Bytes, not UTF-16 units: what redis-cli reports for this key.
    expect(keySlot('clé-ü{')).toBe(CLE_U);
  });

  it('hashes only a non-empty hash tag: its first { and the first } after it', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('{user1000}.followers')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
    expect(keySlot('concord:quota:{stripe:fp}:api0')).toBe(keySlot('concord:quota:{stripe:fp}:api0:paused'));
  });

  it('groups positions by slot, in order', () => {
    const keys = ['{a}1', 'foo', '{a}2', 'bar', '{a}3'];
    expect([...groupBySlot(keys)]).toEqual([
      [keySlot('a'), [0, 2, 4]],
      [12_182, [1]],
      [5_061, [3]],
    ]);
  });
});
